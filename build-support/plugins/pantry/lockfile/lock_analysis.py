"""What a parsed lock means: the difference of two locks and a requirement's closure.

Versions, requirements and markers are read with `packaging` (PEP 440, PEP 508), the
reference implementation of those standards; the lock itself is read by `lock_model`, which
stays standard-library only. Engine-free, like `lock_model`: the `lock-diff`, `lock-upgrade`
and `lock-sync` goals use it, and so does `affected`, which re-tests only dependents of the
requirements whose pins changed.

Stable API:

- `diff_locks(old, new) -> LockDiff`.
- `dependency_closure(projects, requirement) -> frozenset[str]` of normalized names.
- `parse_requirement(text) -> Requirement` (normalized name and extras, marker text).
- `parse_pep508(text)`: `packaging`'s own `Requirement`, without Pants' pyparsing warnings.
- `version_key(version)`, `marker_may_hold(marker, extras)`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Mapping

from packaging.utils import canonicalize_name  # pants: no-infer-dep
from packaging.version import InvalidVersion, Version  # pants: no-infer-dep
from pantry.lockfile.lock_model import LockedProject, LockfileParseError

with warnings.catch_warnings():
    # Pants' own packaging (21.3) calls pyparsing APIs that its pinned pyparsing deprecates:
    # a page of warnings on every ./pants run, about code that is not ours.
    warnings.simplefilter("ignore", DeprecationWarning)
    from packaging.markers import InvalidMarker, Marker, Variable  # pants: no-infer-dep
    from packaging.requirements import InvalidRequirement  # pants: no-infer-dep
    from packaging.requirements import Requirement as Pep508Requirement  # pants: no-infer-dep

__all__ = [
    "InvalidRequirement",
    "LockDiff",
    "Pep508Requirement",
    "Requirement",
    "VersionChange",
    "dependency_closure",
    "diff_locks",
    "marker_may_hold",
    "parse_pep508",
    "parse_requirement",
    "version_key",
]


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
    """The parts of a PEP 508 requirement the lock goals need: name, extras, marker.

    `name` and `extras` are normalized (PEP 503); `marker` is packaging's rendering of it
    (`python_version < "3.11"`), or "" for none.
    """

    name: str
    extras: frozenset[str]
    marker: str


def parse_pep508(text: str) -> Pep508Requirement:
    """`packaging.requirements.Requirement(text)`; raises its `InvalidRequirement`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return Pep508Requirement(text)


def parse_requirement(text: str) -> Requirement:
    """Parse `name[extra,...] <specifier or @ url> ; marker` (PEP 508)."""
    try:
        parsed = parse_pep508(text)
    except InvalidRequirement as e:
        reason = str(e).splitlines()[0] if str(e) else "invalid"
        raise LockfileParseError(
            f"Not a requirement: {text!r} ({reason}). Expected a PEP 508 requirement such as "
            "'coverage[toml]>=7; python_version < \"3.11\"'."
        ) from None
    return Requirement(
        name=canonicalize_name(parsed.name),
        extras=frozenset(canonicalize_name(extra) for extra in parsed.extras),
        marker=str(parsed.marker) if parsed.marker is not None else "",
    )


def marker_may_hold(marker: str, extras: frozenset[str]) -> bool:
    """Whether a PEP 508 marker can be true when `extras` are requested.

    Only `extra` comparisons are evaluated; any other comparison counts as true (see
    `dependency_closure`). An unparsable marker counts as true, too: over-approximate.
    `packaging` parses the marker; `Marker.evaluate` cannot take "any value" for a variable,
    so the parsed tree (`Marker._markers`, the list `Marker.evaluate` itself walks) is
    evaluated here with the same precedence.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            parsed = Marker(marker)
    except InvalidMarker:
        return True
    return _markers_may_hold(parsed._markers, extras)


def _markers_may_hold(markers: Any, extras: frozenset[str]) -> bool:
    # As packaging's `_evaluate_markers`: `or` splits groups, `and` joins a group's items.
    groups: list[list[bool]] = [[]]
    for item in markers:
        if isinstance(item, list):
            groups[-1].append(_markers_may_hold(item, extras))
        elif isinstance(item, tuple):
            groups[-1].append(_comparison_may_hold(item, extras))
        elif item == "or":
            groups.append([])
    return any(all(group) for group in groups)


def _comparison_may_hold(comparison: tuple[Any, Any, Any], extras: frozenset[str]) -> bool:
    left, op, right = comparison
    names = [side.value for side in (left, right) if isinstance(side, Variable)]
    if names != ["extra"]:
        return True
    value = right if isinstance(left, Variable) else left
    if op.value == "==":
        return canonicalize_name(value.value) in extras
    # `!=`, `in`, `not in`: pip also evaluates with no extra, so these can hold.
    return True


# --- versions ------------------------------------------------------------------------------


def version_key(version: str) -> tuple[Any, ...]:
    """A sort key that orders versions as PEP 440 does (`1.10 > 1.9`, `2.0rc1 < 2.0`).

    A version outside PEP 440 sorts before every PEP 440 version, by its text.
    """
    try:
        return (0, Version(version))
    except InvalidVersion:
        return (-1, version)
