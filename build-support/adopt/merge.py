"""Merge an adoptee's declared requirements into the monorepo's inputs, or say why not.

The monorepo has one resolve: every project is declared at most once across
`3rdparty/python/{runtime,test,tools}.txt` and locked once in `default.lock`. So for each
requirement of the adoptee:

- a project we already declare is *satisfied* when our specifier and theirs overlap and the
  locked version is one they accept; otherwise it is a *conflict* (both sides reported, left
  for a human: we never loosen or tighten a pin of ours behind anyone's back);
- a project we only lock transitively is added when the locked version satisfies it, and a
  conflict otherwise (adding it would move a pin something else relies on);
- anything else is *added*, runtime requirements to runtime.txt, test ones to test.txt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

from adopt.requirements import (
    Requirement,
    RequirementError,
    Version,
    canonical_name,
    parse_requirement,
    requirement_lines,
    satisfiable_together,
)

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


@dataclass
class MergePlan:
    added: dict[str, list[Declared]] = field(default_factory=dict)  # input file -> additions
    satisfied: list[tuple[Declared, Ours]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def changes_inputs(self) -> bool:
        return any(self.added.values())


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


def locked_versions(lock_text: str) -> dict[str, str]:
    """Canonical project name -> locked version, from a Pants/pex lock (`//` header)."""
    body = "\n".join(line for line in lock_text.splitlines() if not line.startswith("//"))
    if not body.strip():
        return {}
    data = json.loads(body)
    versions: dict[str, str] = {}
    for resolve in data.get("locked_resolves", []):
        for locked in resolve.get("locked_requirements", []):
            versions[locked["project_name"]] = locked["version"]
    return {canonical_name(name): version for name, version in versions.items()}


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
        if conflict:
            plan.conflicts.append(conflict)
        elif requirement.key in ours:
            plan.satisfied.append((item, ours[requirement.key]))
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
    else:
        ours_text = f"no requirement of ours, {locked_text} (a dependency of one)"
    if lock_version and not theirs.contains(Version.parse(lock_version)):
        return Conflict(item, ours_text, f"the locked {lock_version} is outside its specifier")
    return None


def render_additions(text: str, additions: Sequence[Declared], project: str) -> str:
    """`text` (a requirements file) with the additions appended under one comment."""
    if not additions:
        return text
    lines = [f"# Adopted with {project} (build-support/bin/adopt)."]
    lines += [str(item.requirement) for item in additions]
    separator = "" if not text or text.endswith("\n") else "\n"
    return text + separator + "\n".join(lines) + "\n"
