"""The violation model and the one format every report uses.

One line per violation, sorted by file, line and text, always in the form

    <file>:<line>: <importer> <verb> <imported> (<imported's project>) — rule <id>: <text>

for example (one line each, wrapped here):

    services/index/src/index/app.py:12: index.app imports stats.parse (services/stats)
        — rule 1: nothing may import a service other than itself
    services/index/BUILD:7: services/index:app depends on services/stats/src/stats:lib
        (services/stats) — rule 1: nothing may import a service other than itself
    services/a/infra/main.tf:3: module.b sources services/b/infra (services/b)
        — rule 6: only the top-level infra/ may import a service's infra

Project cycles (`cycles`) and stale baseline entries (`baseline`) are problems too, one
line each in the same `<file>:<line>: ...` form, sorted with the violations. Then notes,
then a closing count of every kind of problem found:

    2 violations in 41 files checked; 1 project cycle; 1 stale baseline entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol


class EdgeKind(Enum):
    """What kind of reference crosses the boundary; the value is the verb in messages."""

    PYTHON_IMPORT = "imports"
    BUILD_DEPENDENCY = "depends on"
    TERRAFORM_MODULE = "sources"


@dataclass(frozen=True)
class Violation:
    """A forbidden edge: `importer` in `path` at `line` reaches `imported` in `project`."""

    path: str
    line: int
    importer: str
    kind: EdgeKind
    imported: str
    project: str
    rule_id: str
    rule_text: str

    @property
    def baseline_entry(self) -> str:
        """The violation without its line number, so a baseline survives edits above it."""
        return f"{self.path}: {self.importer} {self.kind.value} {self.imported}"

    def render(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.importer} {self.kind.value} {self.imported} "
            f"({self.project}) — rule {self.rule_id}: {self.rule_text}"
        )

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line, self.render())


@dataclass(frozen=True)
class ParseFailure:
    """A file whose imports could not be checked because it does not parse."""

    path: str
    line: int
    reason: str

    def render(self) -> str:
        return f"{self.path}:{self.line}: cannot check imports: {self.reason}"

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line, self.render())


class Problem(Protocol):
    """Anything the report lists: one line, sorted by file and line."""

    def render(self) -> str: ...

    def sort_key(self) -> tuple[str, int, str]: ...


@dataclass(frozen=True)
class Report:
    """Everything one run found; `render()` is what the user sees."""

    violations: tuple[Violation, ...]
    files_checked: int
    parse_failures: tuple[ParseFailure, ...] = ()
    accepted: int = 0
    baseline_path: str = ""
    notes: tuple[str, ...] = ()
    cycles: tuple[Problem, ...] = ()
    stale: tuple[Problem, ...] = ()

    @property
    def exit_code(self) -> int:
        return 1 if self.violations or self.parse_failures or self.cycles or self.stale else 0

    def render(self) -> str:
        problems: list[Problem] = [
            *self.violations,
            *self.parse_failures,
            *self.cycles,
            *self.stale,
        ]
        lines = [p.render() for p in sorted(problems, key=lambda p: p.sort_key())]
        lines.extend(f"note: {note}" for note in sorted(self.notes))
        summary = (
            f"{pluralize(len(self.violations), 'violation')} in "
            f"{pluralize(self.files_checked, 'file')} checked"
        )
        if self.accepted:
            summary += f" ({self.accepted} more accepted by {self.baseline_path})"
        if self.cycles:
            summary += f"; {pluralize(len(self.cycles), 'project cycle')}"
        if self.stale:
            summary += f"; {len(self.stale)} stale baseline {_entries(len(self.stale))}"
        if self.parse_failures:
            summary += f"; {pluralize(len(self.parse_failures), 'file')} could not be parsed"
        lines.append(summary + ".")
        return "\n".join(lines) + "\n"


def _entries(count: int) -> str:
    return "entry" if count == 1 else "entries"


def pluralize(count: int, noun: str) -> str:
    """`pluralize(1, "file") == "1 file"`, `pluralize(2, "file") == "2 files"`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
