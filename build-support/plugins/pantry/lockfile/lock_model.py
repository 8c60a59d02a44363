"""A Pants pex lockfile as data: locked projects, the difference of two locks, closures.

Engine-free and dependency-free (standard library only), so any backend can import it: the
`lock-diff`, `lock-upgrade` and `export-constraints` goals here, and the `affected` goal,
which re-tests only dependents of the requirements whose pins changed.

Stable API:

- `parse_lock(text, source=...) -> dict[str, LockedProject]`, keyed by normalized name.
- `split_header(text) -> (header, body)`: Pants' `//` metadata header and the pex JSON.
- `diff_locks(old, new) -> LockDiff`.
- `dependency_closure(projects, requirement) -> frozenset[str]` of normalized names.
- `normalize_name(name)`, `version_key(version)`, `parse_requirement(text)`.

Bad input raises `LockfileParseError`, whose message names the file, what is wrong and how
to fix it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from pantry.errors import PantryError

HEADER_PREFIX = "//"
_TOP = "the top level"


class LockfileParseError(PantryError, ValueError):
    """A lockfile that is not a pex lock Pants wrote (or that was edited by hand)."""


@dataclass(frozen=True, order=True)
class Artifact:
    """One downloadable file of a locked project, as the lock pins it."""

    url: str
    algorithm: str
    hash: str

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class LockedProject:
    """One project pinned by the lock. `name` is normalized (PEP 503)."""

    name: str
    version: str
    artifacts: tuple[Artifact, ...]
    requires_dists: tuple[str, ...]


@dataclass(frozen=True, order=True)
class VersionChange:
    name: str
    old_version: str
    new_version: str


@dataclass(frozen=True)
class LockDiff:
    """What changed between two locks. Every field is sorted by project name."""

    added: tuple[LockedProject, ...] = ()
    removed: tuple[LockedProject, ...] = ()
    upgraded: tuple[VersionChange, ...] = ()
    downgraded: tuple[VersionChange, ...] = ()
    # Same version, different files or hashes (a re-uploaded or newly published wheel).
    artifacts_changed: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.changed_names

    @property
    def changed_names(self) -> frozenset[str]:
        """Every normalized project name whose pin or artifacts differ."""
        return frozenset(
            [
                *(p.name for p in self.added),
                *(p.name for p in self.removed),
                *(c.name for c in self.upgraded),
                *(c.name for c in self.downgraded),
                *self.artifacts_changed,
            ]
        )


def normalize_name(name: str) -> str:
    """PEP 503 normalization: `Jaraco.Classes` and `jaraco_classes` are `jaraco-classes`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def split_header(text: str) -> tuple[str, str]:
    """Split a lockfile into Pants' leading `//` comment header and the pex JSON body.

    The header is returned verbatim (with its trailing newlines) so a rewritten lock can keep
    it. The body keeps its own text unchanged.
    """
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines) and (
        lines[index].lstrip().startswith(HEADER_PREFIX) or not lines[index].strip()
    ):
        index += 1
    return "".join(lines[:index]), "".join(lines[index:])


def parse_lock(text: str, source: str = "<lockfile>") -> dict[str, LockedProject]:
    """Parse a Pants pex lockfile into `{normalized name: LockedProject}`, sorted by name.

    A lock with several locked resolves (pex's `strict`/`sources` styles, one per platform)
    merges them: artifacts are united, and the same project at two versions is an error,
    since then "the pinned version" has no single answer.
    """
    header, body = split_header(text)
    # Blank lines instead of the header, so JSON error line numbers are the file's.
    padded = "\n" * header.count("\n") + body
    try:
        data = json.loads(padded)
    except json.JSONDecodeError as e:
        raise LockfileParseError(
            f"{source}:{e.lineno}: not a pex lockfile: {e.msg} (column {e.colno}). "
            "Restore it from version control or regenerate it with "
            "`./pants generate-lockfiles`."
        ) from None
    resolves = _field(data, "locked_resolves", list, source, _TOP)
    projects: dict[str, LockedProject] = {}
    for resolve_index, resolve in enumerate(resolves):
        where = f"locked_resolves[{resolve_index}]"
        if not isinstance(resolve, dict):
            raise _shape_error(source, where, "an object", resolve)
        for req_index, raw in enumerate(
            _field(resolve, "locked_requirements", list, source, where)
        ):
            project = _parse_project(raw, source, f"{where}.locked_requirements[{req_index}]")
            previous = projects.get(project.name)
            if previous is not None:
                project = _merge(previous, project, source)
            projects[project.name] = project
    return dict(sorted(projects.items()))


def diff_locks(old: Mapping[str, LockedProject], new: Mapping[str, LockedProject]) -> LockDiff:
    """Compare two parsed locks (e.g. the lock at a git base and the working tree's)."""
    added = tuple(new[name] for name in sorted(new.keys() - old.keys()))
    removed = tuple(old[name] for name in sorted(old.keys() - new.keys()))
    upgraded: list[VersionChange] = []
    downgraded: list[VersionChange] = []
    artifacts_changed: list[str] = []
    for name in sorted(old.keys() & new.keys()):
        before, after = old[name], new[name]
        if before.version == after.version or version_key(before.version) == version_key(
            after.version
        ):
            if set(before.artifacts) != set(after.artifacts):
                artifacts_changed.append(name)
            continue
        change = VersionChange(name, before.version, after.version)
        if version_key(after.version) > version_key(before.version):
            upgraded.append(change)
        else:
            downgraded.append(change)
    return LockDiff(
        added=added,
        removed=removed,
        upgraded=tuple(upgraded),
        downgraded=tuple(downgraded),
        artifacts_changed=tuple(artifacts_changed),
    )


def dependency_closure(
    projects: Mapping[str, LockedProject], requirement_name: str
) -> frozenset[str]:
    """The normalized names of a requirement's project and everything it pulls in, per lock.

    `requirement_name` is a project name or a requirement string (`coverage[toml]`,
    `tomli>=2; python_version < "3.11"`); its extras select the `extra == "..."` dependencies.

    Markers: `extra` comparisons are evaluated (an extra's dependencies are followed only when
    that extra is requested); every other marker (`python_version`, `sys_platform`, ...) is
    taken as true. The closure is therefore the union over all platforms and Pythons the lock
    covers: a superset of what any one install gets, which is the safe side when deciding
    what a lock change can affect. Names the lock does not pin (dependencies of extras nobody
    requested, or a typo) are not in the result.
    """
    root = parse_requirement(requirement_name)
    closure: set[str] = set()
    # A project may be reached with different extras along different paths.
    requested_extras: dict[str, set[str]] = {}
    pending: list[tuple[str, frozenset[str]]] = [(root.name, root.extras)]
    while pending:
        name, extras = pending.pop()
        project = projects.get(name)
        if project is None:
            continue
        seen = requested_extras.setdefault(name, set())
        if name in closure and extras <= seen:
            continue
        closure.add(name)
        seen.update(extras)
        for dist in project.requires_dists:
            requirement = parse_requirement(dist)
            if requirement.marker and not marker_may_hold(requirement.marker, frozenset(seen)):
                continue
            pending.append((requirement.name, requirement.extras))
    return frozenset(closure)


# --- requirements and markers ------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """The parts of a PEP 508 requirement this module needs: name, extras, marker."""

    name: str
    extras: frozenset[str]
    marker: str


_REQUIREMENT = re.compile(
    r"""^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*
    (?:\[(?P<extras>[^\]]*)\])?""",
    re.VERBOSE,
)


def parse_requirement(text: str) -> Requirement:
    """Parse `name[extra,...] <specifier or @ url> ; marker` (PEP 508) loosely."""
    match = _REQUIREMENT.match(text)
    if not match:
        raise LockfileParseError(
            f"Not a requirement: {text!r}. Expected a PEP 508 requirement such as "
            "'coverage[toml]>=7; python_version < \"3.11\"'."
        )
    extras = frozenset(
        normalize_name(extra.strip())
        for extra in (match.group("extras") or "").split(",")
        if extra.strip()
    )
    # In a URL requirement the marker must follow whitespace, so `;` inside a URL is kept.
    rest = text[match.end() :]
    marker_match = re.search(r"(?:^|\s);", rest) if "@" in rest else re.search(";", rest)
    marker = rest[marker_match.end() :].strip() if marker_match else ""
    return Requirement(normalize_name(match.group("name")), extras, marker)


_MARKER_TOKEN = re.compile(
    r"""\s*(?:
    (?P<paren>[()])
    |(?P<string>'[^']*'|"[^"]*")
    |(?P<op>===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)
    |(?P<bool>and\b|or\b)
    |(?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)


def marker_may_hold(marker: str, extras: frozenset[str]) -> bool:
    """Whether a PEP 508 marker can be true when `extras` are requested.

    Only `extra` comparisons are evaluated; any other comparison counts as true (see
    `dependency_closure`). An unparsable marker counts as true, too: over-approximate.
    """
    tokens = _tokenize_marker(marker)
    if tokens is None:
        return True
    parser = _MarkerParser(tokens, extras)
    try:
        value = parser.parse_or()
    except _MarkerSyntaxError:
        return True
    return value if parser.at_end() else True


class _MarkerSyntaxError(PantryError):
    pass


def _tokenize_marker(marker: str) -> list[tuple[str, str]] | None:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(marker):
        if not marker[position:].strip():
            break
        match = _MARKER_TOKEN.match(marker, position)
        if not match or match.end() == position:
            return None
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _MarkerParser:
    """Recursive descent over `or` / `and` / parentheses / `lhs op rhs`."""

    def __init__(self, tokens: list[tuple[str, str]], extras: frozenset[str]) -> None:
        self._tokens = tokens
        self._index = 0
        self._extras = extras

    def at_end(self) -> bool:
        return self._index == len(self._tokens)

    def _peek(self) -> tuple[str, str]:
        return self._tokens[self._index] if not self.at_end() else ("end", "")

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token[0] == "end":
            raise _MarkerSyntaxError()
        self._index += 1
        return token

    def parse_or(self) -> bool:
        value = self.parse_and()
        while self._peek() == ("bool", "or"):
            self._take()
            # Evaluate both sides: the whole expression must be consumed.
            right = self.parse_and()
            value = value or right
        return value

    def parse_and(self) -> bool:
        value = self.parse_atom()
        while self._peek() == ("bool", "and"):
            self._take()
            right = self.parse_atom()
            value = value and right
        return value

    def parse_atom(self) -> bool:
        if self._peek() == ("paren", "("):
            self._take()
            result = self.parse_or()
            if self._take() != ("paren", ")"):
                raise _MarkerSyntaxError()
            return result
        left = self._take()
        kind, op = self._take()
        right = self._take()
        if kind != "op" or left[0] not in ("name", "string") or right[0] not in ("name", "string"):
            raise _MarkerSyntaxError()
        if ("name", "extra") not in (left, right):
            return True
        value = right if left == ("name", "extra") else left
        if value[0] != "string":
            return True
        if op == "==":
            return normalize_name(value[1][1:-1]) in self._extras
        # `!=`, `in`, `not in`: pip also evaluates with no extra, so these can hold.
        return True


# --- versions ------------------------------------------------------------------------------

# PEP 440's version grammar (as in `packaging.version.VERSION_PATTERN`).
_VERSION = re.compile(
    r"""^\s*v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?P<pre>[-_.]?(?P<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>[0-9]+)?)?
    (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?
    (?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    \s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_PRE_RANK = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}
_INFINITY = float("inf")


def version_key(version: str) -> tuple[Any, ...]:
    """A sort key that orders versions as PEP 440 does (`1.10 > 1.9`, `2.0rc1 < 2.0`).

    A version outside PEP 440 sorts before every PEP 440 version, by its text.
    """
    match = _VERSION.match(version)
    if not match:
        return (-1, version)
    release = tuple(int(part) for part in match.group("release").split("."))
    while len(release) > 1 and release[-1] == 0:
        release = release[:-1]
    pre: tuple[Any, ...]
    if match.group("pre"):
        pre = (_PRE_RANK[match.group("pre_l").lower()], int(match.group("pre_n") or 0))
    elif match.group("dev") and not match.group("post"):
        pre = (-_INFINITY,)  # 1.0.dev1 < 1.0a1
    else:
        pre = (_INFINITY,)
    post_number = match.group("post_n1") or match.group("post_n2")
    post: tuple[Any, ...] = (int(post_number or 0),) if match.group("post") else (-_INFINITY,)
    dev: tuple[Any, ...] = (int(match.group("dev_n") or 0),) if match.group("dev") else (_INFINITY,)
    local: tuple[Any, ...] = tuple(
        (int(part), "") if part.isdigit() else (-_INFINITY, part.lower())
        for part in re.split(r"[-_.]", match.group("local") or "")
        if part
    )
    return (0, int(match.group("epoch") or 0), release, pre, post, dev, local)


# --- parsing helpers -------------------------------------------------------------------------


def _field(data: Any, key: str, kind: type, source: str, where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise LockfileParseError(
            f"{source}: not a pex lockfile: {where} has no {key!r}. Restore it from version "
            "control or regenerate it with `./pants generate-lockfiles`."
        )
    value = data[key]
    if not isinstance(value, kind):
        path = f"{where}.{key}" if where != _TOP else key
        raise _shape_error(source, path, f"a JSON {_JSON_KIND[kind]}", value)
    return value


_JSON_KIND: dict[type, str] = {list: "array", dict: "object", str: "string"}


def _shape_error(source: str, where: str, expected: str, value: object) -> LockfileParseError:
    return LockfileParseError(
        f"{source}: not a pex lockfile: {where} should be {expected}, not {value!r}. Restore it "
        "from version control or regenerate it with `./pants generate-lockfiles`."
    )


def _parse_project(raw: Any, source: str, where: str) -> LockedProject:
    if not isinstance(raw, dict):
        raise _shape_error(source, where, "an object", raw)
    name = _field(raw, "project_name", str, source, where)
    version = _field(raw, "version", str, source, where)
    where = f"{where} ({name} {version})"
    artifacts = []
    for index, artifact in enumerate(_field(raw, "artifacts", list, source, where)):
        at = f"{where}.artifacts[{index}]"
        artifacts.append(
            Artifact(
                url=_field(artifact, "url", str, source, at),
                algorithm=_field(artifact, "algorithm", str, source, at),
                hash=_field(artifact, "hash", str, source, at),
            )
        )
    requires = raw.get("requires_dists", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise _shape_error(source, f"{where}.requires_dists", "an array of strings", requires)
    return LockedProject(
        name=normalize_name(name),
        version=version,
        artifacts=tuple(sorted(artifacts)),
        requires_dists=tuple(requires),
    )


def _merge(first: LockedProject, second: LockedProject, source: str) -> LockedProject:
    if first.version != second.version:
        raise LockfileParseError(
            f"{source}: {first.name} is locked at both {first.version} and {second.version} "
            "(in different locked resolves). Pantry expects one version per project: generate "
            'the lock with `lock_style = "universal"` (the Pants default).'
        )
    return LockedProject(
        name=first.name,
        version=first.version,
        artifacts=tuple(sorted(set(first.artifacts) | set(second.artifacts))),
        requires_dists=tuple(dict.fromkeys(first.requires_dists + second.requires_dists)),
    )


def iter_artifacts(projects: Iterable[LockedProject]) -> Iterable[tuple[LockedProject, Artifact]]:
    """Every (project, artifact) pair, in name then artifact order."""
    for project in sorted(projects, key=lambda p: p.name):
        for artifact in project.artifacts:
            yield project, artifact
