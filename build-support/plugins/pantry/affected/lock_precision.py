"""A lockfile change selects only the requirement targets whose locked closure it touched.

With one resolve, every lockfile edit would otherwise select every target. Instead: diff
the lock at the base against the working tree; for each project whose pin or artifacts
changed, select each requirement target whose dependency closure (per the NEW lock, or the
old one for a removed project) contains it. Their dependents follow by the usual graph walk.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from pantry.affected.selection import Seed
from pantry.lockfile.lock_analysis import LockDiff, dependency_closure, diff_locks
from pantry.lockfile.lock_model import LockedProject, LockfileParseError, parse_lock


def describe_changes(diff: LockDiff) -> dict[str, str]:
    """Normalized project name -> a short account of its change, e.g. `urllib3 2.0.7 → 2.2.1`."""
    described = {p.name: f"{p.name} {p.version} added" for p in diff.added}
    described.update({p.name: f"{p.name} {p.version} removed" for p in diff.removed})
    for change in (*diff.upgraded, *diff.downgraded):
        described[change.name] = f"{change.name} {change.old_version} → {change.new_version}"
    described.update({name: f"{name} artifacts changed" for name in diff.artifacts_changed})
    return described


def _closures(
    projects: Mapping[str, LockedProject], requirements: Mapping[str, Iterable[str]]
) -> dict[str, frozenset[str]]:
    return {
        address: frozenset().union(*(dependency_closure(projects, req) for req in reqs))
        for address, reqs in requirements.items()
    }


def lock_seeds(
    lock_path: str,
    old_text: str | None,
    new_text: str | None,
    requirements: Mapping[str, Iterable[str]],
) -> list[Seed]:
    """Seeds for a changed lockfile. `requirements`: requirement target address -> requirement
    strings. An unparsable lock on either side selects every requirement target (the safe
    answer; Pants reports the broken lock itself when it next uses it)."""
    try:
        old = parse_lock(old_text, f"{lock_path} (base)") if old_text else {}
        new = parse_lock(new_text, lock_path) if new_text else {}
    except LockfileParseError as error:
        return [
            Seed(address, f"{lock_path} unreadable: {error}") for address in sorted(requirements)
        ]
    changes = describe_changes(diff_locks(old, new))
    new_closures = _closures(new, requirements)
    old_closures = _closures(old, requirements)
    seeds = []
    for address in sorted(requirements):
        touched = sorted((new_closures[address] | old_closures[address]) & changes.keys())
        if touched:
            seeds.append(Seed(address, f"{lock_path}: {changes[touched[0]]}"))
    return seeds
