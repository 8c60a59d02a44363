"""Requirement strings and version specifiers, enough to merge an adoptee's into ours.

Standard library only (`build-support/bin/adopt` runs before any venv exists), so this is a
small PEP 508 / PEP 440 subset: a name, extras, a specifier set and an environment marker
(kept verbatim, never evaluated). What it must get right is deciding whether two specifier
sets can both hold (`disjoint`) and whether a locked version satisfies one (`contains`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_REQUIREMENT = re.compile(
    rf"^\s*(?P<name>{_NAME})\s*(?:\[(?P<extras>[^\]]*)\])?\s*"
    r"(?P<spec>\(?[^;()@]*\)?)\s*(?:;(?P<marker>.*))?$"
)
_CLAUSE = re.compile(r"^\s*(?P<op>~=|===|==|!=|<=|>=|<|>)\s*(?P<version>[^\s,]+)\s*$")
_VERSION = re.compile(
    r"^v?(?:(?P<epoch>\d+)!)?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>\d*))?"
    r"(?:(?:-(?P<post_n1>\d+))|(?:[-_.]?(?:post|rev|r)[-_.]?(?P<post_n2>\d*)))?"
    r"(?:[-_.]?dev[-_.]?(?P<dev_n>\d*))?"
    r"(?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$",
    re.IGNORECASE,
)
_PRE_RANK = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}


class RequirementError(ValueError):
    """A requirement or version this module cannot read; the message names it."""


def canonical_name(name: str) -> str:
    """PEP 503 normalisation: `Foo_Bar.baz` and `foo-bar-baz` are the same project."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True, order=True)
class Version:
    """A PEP 440 version reduced to a sortable key (local labels are ignored)."""

    key: tuple
    text: str

    @classmethod
    def parse(cls, text: str) -> "Version":
        match = _VERSION.match(text.strip())
        if not match:
            raise RequirementError(f"not a PEP 440 version: {text!r}")
        release = tuple(int(part) for part in match["release"].split("."))
        while len(release) > 1 and release[-1] == 0:
            release = release[:-1]
        post_text = match["post_n1"] or match["post_n2"]
        has_post = match["post_n1"] is not None or match["post_n2"] is not None
        has_dev = match["dev_n"] is not None
        has_pre = match["pre_l"] is not None
        # As packaging orders them: X.devN < XaN < X < X.postN.
        if has_pre:
            pre = (_PRE_RANK[match["pre_l"].lower()], int(match["pre_n"] or 0))
        elif has_dev and not has_post:
            pre = (-1, 0)
        else:
            pre = (3, 0)
        post = int(post_text or 0) if has_post else -1
        dev = int(match["dev_n"] or 0) if has_dev else float("inf")
        return cls((int(match["epoch"] or 0), release, pre, post, dev), text.strip())

    @property
    def release(self) -> tuple[int, ...]:
        return self.key[1]

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Clause:
    """One `OP VERSION` of a specifier set."""

    op: str
    version: str

    def contains(self, candidate: Version) -> bool:
        if self.op == "===":
            return candidate.text == self.version
        if self.version.endswith(".*"):
            prefix = Version.parse(self.version[:-2])
            n = len(self.version[:-2].split("."))
            padded = candidate.release + (0,) * max(0, n - len(candidate.release))
            wanted = prefix.release + (0,) * max(0, n - len(prefix.release))
            same = padded[:n] == wanted[:n] and candidate.key[0] == prefix.key[0]
            return same if self.op == "==" else not same
        bound = Version.parse(self.version)
        if self.op == "==":
            return candidate.key == bound.key
        if self.op == "!=":
            return candidate.key != bound.key
        if self.op == "<":
            return candidate.key < bound.key
        if self.op == "<=":
            return candidate.key <= bound.key
        if self.op == ">":
            return candidate.key > bound.key
        if self.op == ">=":
            return candidate.key >= bound.key
        # ~=X.Y.Z means >=X.Y.Z, ==X.Y.*
        prefix = ".".join(str(part) for part in Version.parse(self.version).release[:-1])
        if not prefix:
            raise RequirementError(f"~= needs at least two release segments: ~={self.version}")
        return candidate.key >= bound.key and Clause("==", prefix + ".*").contains(candidate)

    def __str__(self) -> str:
        return f"{self.op}{self.version}"


@dataclass(frozen=True)
class Requirement:
    """`name[extras] specifiers ; marker`, as written in a requirements file."""

    name: str
    extras: tuple[str, ...] = ()
    clauses: tuple[Clause, ...] = ()
    marker: str = ""

    @property
    def key(self) -> str:
        return canonical_name(self.name)

    @property
    def specifier(self) -> str:
        return ",".join(str(clause) for clause in self.clauses)

    def contains(self, version: Version) -> bool:
        return all(clause.contains(version) for clause in self.clauses)

    def __str__(self) -> str:
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        marker = f"; {self.marker}" if self.marker else ""
        return f"{self.name}{extras}{self.specifier}{marker}"


def parse_requirement(text: str) -> Requirement:
    """Parse one PEP 508 requirement (no URLs); raise RequirementError naming it."""
    if "@" in text.split(";", 1)[0]:
        raise RequirementError(f"direct URL requirements are not supported: {text.strip()!r}")
    match = _REQUIREMENT.match(text)
    if not match:
        raise RequirementError(f"not a PEP 508 requirement: {text.strip()!r}")
    spec = match["spec"].strip().strip("()").strip()
    clauses = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        clause = _CLAUSE.match(part)
        if not clause:
            raise RequirementError(f"bad version specifier {part!r} in {text.strip()!r}")
        clauses.append(Clause(clause["op"], clause["version"]))
        if clause["op"] != "===" and not clause["version"].endswith(".*"):
            Version.parse(clause["version"])
    extras = tuple(sorted(e.strip() for e in (match["extras"] or "").split(",") if e.strip()))
    marker = (match["marker"] or "").strip()
    return Requirement(match["name"], extras, tuple(clauses), marker)


def requirement_lines(text: str) -> Iterable[tuple[int, str]]:
    """The requirement lines of a requirements file: (line number, text), options skipped."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if line and not line.startswith("-"):
            yield number, line


def _candidates(clauses: Iterable[Clause]) -> list[Version]:
    """Versions at, just above and just below every bound, so any non-empty range has one."""
    found = {Version.parse("0"), Version.parse("0.dev0")}
    for clause in clauses:
        if clause.op == "===":
            continue
        base = clause.version[:-2] if clause.version.endswith(".*") else clause.version
        version = Version.parse(base)
        release = ".".join(map(str, version.release))
        epoch = f"{version.key[0]}!" if version.key[0] else ""
        found.add(version)
        found.add(Version.parse(f"{epoch}{release}.0.0.0.0.1"))  # just above
        found.add(Version.parse(f"{epoch}{release}.post999999"))
        found.add(Version.parse(f"{epoch}{release}.dev0"))  # just below (as far as we care)
        bumped = list(version.release)
        bumped[-1] += 1
        found.add(Version.parse(epoch + ".".join(map(str, bumped))))
        if len(bumped) > 1:
            up = list(version.release[:-1])
            up[-1] += 1
            found.add(Version.parse(epoch + ".".join(map(str, up))))
            found.add(Version.parse(epoch + ".".join(map(str, up)) + ".dev0"))
        found.add(Version.parse(f"{epoch}{version.release[0] + 1}"))
    return sorted(found)


def satisfiable_together(*requirements: Requirement) -> Optional[Version]:
    """A version every requirement admits, or None when their specifiers are disjoint."""
    clauses = [clause for requirement in requirements for clause in requirement.clauses]
    pinned = [c for c in clauses if c.op == "==="]
    if pinned:
        text = pinned[0].version
        candidates = [Version.parse(text)] if _VERSION.match(text) else []
    else:
        candidates = _candidates(clauses)
    for candidate in candidates:
        if all(requirement.contains(candidate) for requirement in requirements):
            return candidate
    return None
