"""Merge an adoptee's declared requirements into the monorepo's inputs, or say why not.

The monorepo has one resolve: every project is declared at most once across
`3rdparty/python/{runtime,test,tools}.txt` and locked once in `default.lock`. So for each
requirement of the adoptee:

- a project we already declare is *satisfied* when our specifier and theirs overlap and the
  locked version is one they accept; when they overlap but the locked version is outside
  theirs, ours is *narrowed* to both (the relock moves the version, and the summary says
  so); when they are disjoint it is a *conflict*, the only case that stops an adoption
  (both sides reported with the fix);
- anything else is *added*, runtime requirements to runtime.txt, test ones to test.txt: the
  relock keeps the version we lock transitively when it satisfies theirs, and moves it (and
  reports the move) when it does not.

Upstream's own `==` pins of a compiled file are not requirements (see `adopt.metadata`); they
are compared with our lock afterwards (`pin_differences`).
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

from adopt.bootstrap import LOCK
from adopt.requirements import (
    Requirement,
    RequirementError,
    Version,
    parse_requirement,
    requirement_lines,
    satisfiable_together,
)
from pantry.lockfile.lock_model import parse_lock, split_header

INPUT_FILES = ("runtime.txt", "test.txt", "tools.txt")


@dataclass(frozen=True)
class Declared:
    """A requirement of the adoptee and where it was declared (`pyproject.toml [project]`)."""

    requirement: Requirement
    origin: str
    kind: str  # "runtime" or "test"


@dataclass(frozen=True)
class Ours:
    requirement: Requirement
    where: str  # "3rdparty/python/runtime.txt:2"


@dataclass(frozen=True)
class Conflict:
    declared: Declared
    ours: str  # our side, e.g. "packaging>=23 (3rdparty/python/runtime.txt:2), locked 26.3"
    reason: str

    def render(self) -> str:
        theirs = f"{self.declared.requirement} ({self.declared.origin})"
        name = self.declared.requirement.name
        return f"{name}: adoptee wants {theirs}; we have {self.ours} — {self.reason}"

    @property
    def fix(self) -> str:
        name = self.declared.requirement.name
        return (
            f"fix: widen ours in {self.ours.split('(')[-1].split(')')[0]} if the monorepo can "
            f"move, or adopt from an upstream revision whose {name} requirement admits ours"
        )


@dataclass
class MergePlan:
    added: dict[str, list[Declared]] = field(default_factory=dict)  # input file -> additions
    satisfied: list[tuple[Declared, Ours]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    # Our requirement, replaced by the intersection with theirs (the locked version was out).
    narrowed: list[tuple[Ours, Requirement, Declared]] = field(default_factory=list)

    @property
    def changes_inputs(self) -> bool:
        return any(self.added.values()) or bool(self.narrowed)


def read_inputs(texts: Mapping[str, str], directory: str) -> dict[str, Ours]:
    """Our declared requirements by canonical name, from the input files' texts."""
    ours: dict[str, Ours] = {}
    for filename in INPUT_FILES:
        for number, line in requirement_lines(texts.get(filename, "")):
            try:
                requirement = parse_requirement(line)
            except RequirementError:
                continue  # Pants reports a bad line of ours with file and line; not our job.
            ours.setdefault(requirement.key, Ours(requirement, f"{directory}/{filename}:{number}"))
    return ours


def locked_versions(lock_text: str, source: str = LOCK) -> dict[str, str]:
    """Canonical project name -> locked version, from a Pants/pex lock (`//` header)."""
    if not split_header(lock_text)[1].strip():
        return {}
    return {name: project.version for name, project in parse_lock(lock_text, source).items()}


def plan_merge(
    declared: Sequence[Declared],
    ours: Mapping[str, Ours],
    locked: Mapping[str, str],
    *,
    self_name: str = "",
) -> MergePlan:
    plan = MergePlan(added={"runtime.txt": [], "test.txt": []})
    seen: set[str] = set()
    # Runtime first: a project that is both runtime and test is a runtime requirement.
    for item in sorted(declared, key=lambda d: d.kind != "runtime"):
        requirement = item.requirement
        if requirement.key in seen or (self_name and requirement.key == self_name):
            continue
        seen.add(requirement.key)
        lock_version = locked.get(requirement.key)
        conflict = _conflict(item, ours.get(requirement.key), lock_version)
        mine = ours.get(requirement.key)
        if conflict:
            plan.conflicts.append(conflict)
        elif mine is not None and lock_version and not requirement.contains(lock_version):
            plan.narrowed.append((mine, _intersection(mine.requirement, requirement), item))
        elif mine is not None:
            plan.satisfied.append((item, mine))
        else:
            plan.added["runtime.txt" if item.kind == "runtime" else "test.txt"].append(item)
    plan.conflicts.sort(key=lambda c: c.declared.requirement.key)
    return plan


def _conflict(
    item: Declared, mine: Optional[Ours], lock_version: Optional[str]
) -> Optional[Conflict]:
    theirs = item.requirement
    locked_text = f"locked {lock_version}" if lock_version else "not locked"
    if mine is not None:
        ours_text = f"{mine.requirement} ({mine.where}), {locked_text}"
        missing = set(theirs.extras) - set(mine.requirement.extras)
        if missing:
            return Conflict(item, ours_text, f"it needs extras {sorted(missing)} ours lacks")
        if satisfiable_together(theirs, mine.requirement) is None:
            return Conflict(item, ours_text, "the specifiers are disjoint")
    return None


def _intersection(mine: Requirement, theirs: Requirement) -> Requirement:
    specifier = ",".join(sorted({*mine.specifier.split(","), *theirs.specifier.split(",")} - {""}))
    return Requirement(mine.name, mine.extras, specifier, mine.marker)


def narrow_inputs(text: str, line: int, replacement: Requirement, project: str) -> str:
    """A requirements file with line `line` (1-based) replaced, and a comment saying why."""
    lines = text.splitlines(keepends=True)
    lines[line - 1] = (
        f"# Narrowed for {project} (build-support/bin/adopt): the locked version was outside "
        f"its requirement.\n{replacement}\n"
    )
    return "".join(lines)


def pin_differences(
    preferences: Mapping[str, tuple[str, str]], locked: Mapping[str, str]
) -> list[str]:
    """Where our lock differs from upstream's pins: `urllib3 1.26.20 (upstream) -> 2.6.3`."""
    out = []
    for name, (version, origin) in sorted(preferences.items()):
        ours = locked.get(name)
        if ours and Version(ours) != Version(version):
            out.append(f"{name} {version} ({origin}) -> {ours}")
    return out


def render_additions(text: str, additions: Sequence[Declared], project: str) -> str:
    """`text` (a requirements file) with the additions appended under one comment."""
    if not additions:
        return text
    lines = [f"# Adopted with {project} (build-support/bin/adopt)."]
    lines += [str(item.requirement) for item in additions]
    separator = "" if not text or text.endswith("\n") else "\n"
    return text + separator + "\n".join(lines) + "\n"


class ModuleMappingError(Exception):
    """The requirement target of an input file is not where adopt can add a module_mapping."""


MAPPING_COMMENT = (
    "# module_mapping: modules Pants' default mapping does not know (namespace packages),\n"
    "# added by build-support/bin/adopt so that imports of them have an owner.\n"
)


def add_module_mapping(build_text: str, source: str, modules: Mapping[str, Sequence[str]]) -> str:
    """`build_text` (3rdparty/python/BUILD) with `modules` (distribution -> modules) merged into
    the `module_mapping` of the `python_requirements` target whose `source` is `source`."""
    if not modules:
        return build_text
    tree = ast.parse(build_text)
    for node in tree.body:
        call = node.value if isinstance(node, ast.Expr) else None
        if not (
            isinstance(call, ast.Call) and getattr(call.func, "id", "") == "python_requirements"
        ):
            continue
        keywords = {k.arg: k.value for k in call.keywords}
        given = keywords.get("source")
        if not (isinstance(given, ast.Constant) and given.value == source):
            continue
        try:
            merged = {
                k: list(v)
                for k, v in ast.literal_eval(keywords.get("module_mapping", "{}")).items()
            }
        except ValueError:
            raise ModuleMappingError(
                f"the module_mapping of python_requirements(source={source!r}) is not a literal; "
                f"add {dict(modules)!r} to it by hand"
            ) from None
        for dist, names in modules.items():
            known = merged.setdefault(dist, [])
            known += [n for n in names if n not in known]
        args = [
            f"{k.arg}={ast.get_source_segment(build_text, k.value)}"
            for k in call.keywords
            if k.arg != "module_mapping"
        ]
        entries = "".join(
            f'        "{dist}": [{", ".join(json.dumps(n) for n in merged[dist])}],\n'
            for dist in sorted(merged)
        )
        rendered = (
            "python_requirements(\n"
            + "".join(f"    {arg},\n" for arg in args)
            + "    module_mapping={\n"
            + entries
            + "    },\n)\n"
        )
        lines = build_text.splitlines(keepends=True)
        before = "".join(lines[: node.lineno - 1])
        if not before.endswith(MAPPING_COMMENT):
            rendered = MAPPING_COMMENT + rendered
        return before + rendered + "".join(lines[node.end_lineno :])
    raise ModuleMappingError(f"no python_requirements target with source={source!r}")
