"""Explain a stale lockfile: which requirement inputs differ from those the lock was made from.

Pants writes the requirements a lock was generated from into its header
(`generated_with_requirements`). Comparing them with the inputs declared now needs no
network, so a stale lock is caught offline, before anything is resolved or downloaded.
The comparison itself happens with Pants' own requirement type (engine side); this module
pairs the differences up by project and renders the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from pantry.lockfile.lock_analysis import parse_requirement
from pantry.lockfile.lock_model import LockfileParseError


@dataclass(frozen=True, order=True)
class DeclaredRequirement:
    """A requirement input as declared now, and where (a target address or a file)."""

    requirement: str
    origin: str = ""


@dataclass(frozen=True)
class Staleness:
    """How the declared inputs of a resolve differ from its lock's header."""

    resolve: str
    lock_path: str
    # Declared now but not in the lock's header.
    undeclared_in_lock: tuple[DeclaredRequirement, ...] = ()
    # In the lock's header but declared by nothing now.
    no_longer_declared: tuple[str, ...] = ()
    # (declared now, locked for) when the interpreter constraints differ.
    interpreter_constraints: tuple[str, str] | None = None

    @property
    def is_stale(self) -> bool:
        return bool(
            self.undeclared_in_lock or self.no_longer_declared or self.interpreter_constraints
        )


def regenerate_command(resolve: str, bin_name: str = "./pants") -> str:
    return f"{bin_name} generate-lockfiles --resolve={resolve}"


def render_staleness(
    staleness: Staleness, *, bin_name: str = "./pants", consumed: bool = False
) -> str:
    """Where (the lock and resolve), what (each differing requirement), how (the command).

    `consumed=True` words it for requirements a goal is consuming right now, rather than for
    everything the resolve declares.
    """
    declared = "consumed here" if consumed else "declared"
    lines = [
        f"{staleness.lock_path} is stale: the resolve `{staleness.resolve}` was locked from "
        f"different inputs than are {declared} now."
    ]
    lines.extend(f"  - {line}" for line in _difference_lines(staleness))
    lines.append(
        "Regenerate the lock (this resolves against the package index): "
        f"{regenerate_command(staleness.resolve, bin_name)}\n"
        f"then review the result with `{bin_name} lock-diff`."
    )
    return "\n".join(lines)


def _difference_lines(staleness: Staleness) -> Iterable[str]:
    removed_by_name: dict[str, list[str]] = {}
    for requirement in sorted(staleness.no_longer_declared):
        removed_by_name.setdefault(_name(requirement), []).append(requirement)
    lines: list[tuple[str, str]] = []
    for declared in sorted(staleness.undeclared_in_lock):
        name = _name(declared.requirement)
        where = f" ({declared.origin})" if declared.origin else ""
        locked = removed_by_name.pop(name, [])
        if locked:
            lines.append(
                (
                    name,
                    f"changed: `{declared.requirement}`{where}; the lock has " f"{_quoted(locked)}",
                )
            )
        else:
            lines.append((name, f"added: `{declared.requirement}`{where}; not in the lock"))
    for name, locked in removed_by_name.items():
        lines.append((name, f"removed: {_quoted(locked)} is in the lock but declared nowhere"))
    rendered = [line for _, line in sorted(lines)]
    if staleness.interpreter_constraints:
        now, locked_for = staleness.interpreter_constraints
        rendered.append(
            f"interpreter constraints: `{now}` now; the lock was made for `{locked_for}`"
        )
    return rendered


def _quoted(requirements: Sequence[str]) -> str:
    return ", ".join(f"`{r}`" for r in requirements)


def _name(requirement: str) -> str:
    try:
        return parse_requirement(requirement).name
    except LockfileParseError:
        return requirement


@dataclass(frozen=True)
class DuplicateDeclaration:
    """One project declared by more than one requirement input of the same resolve."""

    name: str
    declarations: tuple[DeclaredRequirement, ...]


def duplicate_declarations(
    declared: Iterable[DeclaredRequirement],
) -> tuple[DuplicateDeclaration, ...]:
    """Projects declared in more than one place (with one resolve, one place is enough, and
    two can only disagree), sorted by name, each with its declarations sorted."""
    by_name: dict[str, set[DeclaredRequirement]] = {}
    for declaration in declared:
        by_name.setdefault(_name(declaration.requirement), set()).add(declaration)
    return tuple(
        DuplicateDeclaration(name, tuple(sorted(declarations)))
        for name, declarations in sorted(by_name.items())
        if len(declarations) > 1
    )


def render_duplicates(resolve: str, duplicates: Sequence[DuplicateDeclaration]) -> str:
    lines = [f"The resolve `{resolve}` declares a project in more than one place:"]
    for duplicate in duplicates:
        where = ", ".join(
            f"`{d.requirement}` ({d.origin})" if d.origin else f"`{d.requirement}`"
            for d in duplicate.declarations
        )
        lines.append(f"  - {duplicate.name}: {where}")
    lines.append(
        "Declare each project once, in the requirements file for its purpose "
        "(runtime, test or tools), then regenerate the lock."
    )
    return "\n".join(lines)
