"""Requirement strings and requirements files, parsed with `packaging` (PEP 508 / PEP 440).

`parse_requirement` reads one requirement; `parse_requirements_file` reads a pip
requirements file the way pip does (backslash continuations, `--hash` options, comments,
`-r`/`-c` includes, pip-compile's `# via` annotations) and says whether it is *compiled*
(pip-compile's output: a lock, whose `==` pins are preferences, not requirements).
`satisfiable_together` decides whether two specifier sets can both hold.

`packaging` is the only third-party module adopt uses: `build-support/bin/adopt` puts the
wheel pinned in 3rdparty/python/default.lock on the path (see `adopt.bootstrap`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Optional

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as _Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

__all__ = [
    "Requirement",
    "RequirementError",
    "RequirementsFile",
    "Version",
    "canonical_name",
    "parse_requirement",
    "parse_requirements_file",
    "parse_version",
    "satisfiable_together",
]


class RequirementError(ValueError):
    """A requirement or version this module cannot read; the message names it."""


def canonical_name(name: str) -> str:
    """PEP 503 normalisation: `Foo_Bar.baz` and `foo-bar-baz` are the same project."""
    return canonicalize_name(name)


def parse_version(text: str) -> Version:
    try:
        return Version(text.strip())
    except InvalidVersion:
        raise RequirementError(f"not a PEP 440 version: {text.strip()!r}") from None


@dataclass(frozen=True)
class Requirement:
    """`name[extras] specifiers ; marker`, as written in a requirements file."""

    name: str
    extras: tuple[str, ...] = ()
    specifier: str = ""  # normalised by packaging, e.g. "<3,>=2.30"
    marker: str = ""

    @property
    def key(self) -> str:
        return canonical_name(self.name)

    @property
    def specifiers(self) -> SpecifierSet:
        return SpecifierSet(self.specifier)

    @property
    def pinned_version(self) -> Optional[str]:
        """The version of an exact `==X` pin (no wildcard), else None."""
        specs = list(self.specifiers)
        if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
            return specs[0].version
        return None

    def contains(self, version: Version | str) -> bool:
        candidate = version if isinstance(version, Version) else parse_version(version)
        return self.specifiers.contains(candidate, prereleases=True)

    def unpinned(self) -> "Requirement":
        """The same requirement without its specifier (an `==` pin that is only a preference)."""
        return Requirement(self.name, self.extras, "", self.marker)

    def __str__(self) -> str:
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        marker = f"; {self.marker}" if self.marker else ""
        return f"{self.name}{extras}{self.specifier}{marker}"


def parse_requirement(text: str) -> Requirement:
    """Parse one PEP 508 requirement (no URLs); raise RequirementError naming it."""
    try:
        parsed = _Requirement(text.strip())
    except InvalidRequirement as error:
        reason = str(error).splitlines()[0]
        raise RequirementError(f"not a PEP 508 requirement: {text.strip()!r} ({reason})") from None
    if parsed.url:
        raise RequirementError(f"direct URL requirements are not supported: {text.strip()!r}")
    specifier = ",".join(sorted(str(s) for s in parsed.specifier))
    return Requirement(
        parsed.name, tuple(sorted(parsed.extras)), specifier, str(parsed.marker or "")
    )


@dataclass(frozen=True)
class RequirementLine:
    """One requirement of a requirements file, with pip-compile's `# via` annotation."""

    requirement: Requirement
    line: int
    via: tuple[str, ...] = ()  # `-r requirements.in`, `flask`, ...
    hashed: bool = False

    @property
    def top_level(self) -> bool:
        """pip-compile says a line comes from an input file (`# via -r requirements.in`)."""
        return any(v.startswith("-r ") for v in self.via)


@dataclass
class RequirementsFile:
    path: str
    lines: list[RequirementLine] = field(default_factory=list)
    includes: list[tuple[str, str]] = field(default_factory=list)  # ("-r"|"-c", path as written)
    problems: list[str] = field(default_factory=list)  # "path:line: ..."
    compiled: bool = False  # pip-compile output (header, hashes or `# via` annotations)


_INCLUDE = re.compile(r"^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=\S))(?P<path>\S+)$")
_VIA_START = re.compile(r"^\s*#\s+via(?:\s+(?P<rest>.*))?$")
_VIA_MORE = re.compile(r"^\s*#\s{2,}(?P<rest>\S.*)$")
_HASH = re.compile(r"--hash[=\s]\s*\S+")
# Options that take no part in what is required: index and build settings.
_IGNORED_OPTIONS = re.compile(
    r"^(?:-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host|--no-binary|"
    r"--only-binary|--prefer-binary|--pre|--no-index|--use-feature|--require-hashes)\b"
)


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """(first line number, line) with backslash continuations joined, as pip reads them."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        yield start, pending + raw
        pending = ""
    if pending:
        yield start, pending


def parse_requirements_file(text: str, path: str) -> RequirementsFile:
    result = RequirementsFile(path)
    result.compiled = "autogenerated by pip-compile" in text
    last: Optional[int] = None  # index in result.lines the `# via` lines belong to
    via: list[str] = []

    def close_via() -> None:
        nonlocal via
        if last is not None and via:
            result.lines[last] = RequirementLine(
                result.lines[last].requirement,
                result.lines[last].line,
                tuple(via),
                result.lines[last].hashed,
            )
        via = []

    in_via = False
    for number, raw in _logical_lines(text):
        start = _VIA_START.match(raw)
        if start and last is not None:
            close_via()
            in_via = True
            result.compiled = True
            if start["rest"]:
                via.append(start["rest"].strip())
            continue
        more = _VIA_MORE.match(raw)
        if in_via and more:
            via.append(more["rest"].strip())
            continue
        in_via = False
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        close_via()
        if line.startswith("-"):
            include = _INCLUDE.match(line)
            if include:
                option = "-c" if line.startswith(("-c", "--constraint")) else "-r"
                result.includes.append((option, include["path"]))
            elif line.startswith(("-e", "--editable")):
                result.problems.append(f"{path}:{number}: editable requirement not read: {line}")
            elif not _IGNORED_OPTIONS.match(line):
                result.problems.append(f"{path}:{number}: option not understood: {line}")
            continue
        hashed = bool(_HASH.search(line))
        requirement_text = _HASH.sub("", line).strip()
        try:
            requirement = parse_requirement(requirement_text)
        except RequirementError as error:
            result.problems.append(f"{path}:{number}: {error}")
            last = None
            continue
        result.compiled = result.compiled or hashed
        result.lines.append(RequirementLine(requirement, number, (), hashed))
        last = len(result.lines) - 1
    close_via()
    return result


def requirement_lines(text: str) -> Iterable[tuple[int, str]]:
    """The requirement lines of a requirements-style list: (line number, text), options and
    `--hash` skipped, continuations joined."""
    for number, raw in _logical_lines(text):
        line = _HASH.sub("", re.sub(r"(^|\s)#.*$", "", raw)).strip()
        if line and not line.startswith("-"):
            yield number, line


def _candidates(requirements: Iterable[Requirement]) -> list[Version]:
    """Versions at, just above and just below every bound, so any non-empty range has one."""
    found = {Version("0"), Version("0.dev0")}
    for requirement in requirements:
        for spec in requirement.specifiers:
            if spec.operator == "===":
                try:
                    found.add(Version(spec.version))
                except InvalidVersion:
                    pass
                continue
            base = spec.version[:-2] if spec.version.endswith(".*") else spec.version
            version = Version(base)
            release = ".".join(map(str, version.release))
            epoch = f"{version.epoch}!" if version.epoch else ""
            found.add(version)
            found.add(Version(f"{epoch}{release}.0.0.0.0.1"))  # just above
            found.add(Version(f"{epoch}{release}.post999999"))
            found.add(Version(f"{epoch}{release}.dev0"))  # just below (as far as we care)
            bumped = list(version.release)
            bumped[-1] += 1
            found.add(Version(epoch + ".".join(map(str, bumped))))
            if len(bumped) > 1:
                up = list(version.release[:-1])
                up[-1] += 1
                found.add(Version(epoch + ".".join(map(str, up))))
                found.add(Version(epoch + ".".join(map(str, up)) + ".dev0"))
            found.add(Version(f"{epoch}{version.release[0] + 1}"))
    return sorted(found)


def satisfiable_together(*requirements: Requirement) -> Optional[Version]:
    """A version every requirement admits, or None when their specifiers are disjoint."""
    for candidate in _candidates(requirements):
        if all(requirement.contains(candidate) for requirement in requirements):
            return candidate
    return None
