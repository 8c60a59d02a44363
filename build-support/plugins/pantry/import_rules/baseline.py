"""The baseline: accepted existing problems, so adopted code stays green while they are
paid down, and a baseline that can only shrink.

A baseline file is text, one entry per line, `#` comments and blank lines ignored. An
entry is a violation without its line number and rule (`Violation.baseline_entry`), or a
group of projects importing each other (`ProjectCycle.baseline_entry`):

    services/index/src/index/app.py: index.app imports stats.parse
    project cycle: libs/internal/a, libs/internal/b

so editing the file above the import does not invalidate it. One entry accepts every
occurrence of that import in that file.

An entry that matches nothing is *stale*, and fails the run like a violation, so a
paid-down violation cannot silently come back: delete the line, or regenerate the file
(`REGENERATE_COMMAND`). Only entries the run could have matched are judged (`Scope`): all
of them when the whole repository is checked, else those of the files checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Protocol, TypeVar

from .cycles import CYCLE_ENTRY_PREFIX

# The goal that rewrites the baseline (`pantry.import_rules.goals.baseline`).
REGENERATE_COMMAND = "./pants import-rules-baseline ::"

HEADER = f"""\
# Accepted existing import-rule problems (the rules: build-support/import-rules.toml).
# One per line, no line number: "<file>: <importer> <imports|depends on|sources> <imported>",
# or "{CYCLE_ENTRY_PREFIX}<project>, <project>, ..." for projects that import each other.
# Pay them down: fix the code, then delete the line. A line that no longer matches fails
# the lint, so this file only shrinks. Regenerate it with: {REGENERATE_COMMAND}
# Do not add lines by hand to silence a new violation; fix it instead.
"""


class Baselined(Protocol):
    @property
    def baseline_entry(self) -> str: ...


P = TypeVar("P", bound=Baselined)


@dataclass(frozen=True)
class BaselineEntry:
    line: int
    text: str

    @property
    def path(self) -> Optional[str]:
        """The file a violation entry is about; None for a project cycle entry."""
        if self.text.startswith(CYCLE_ENTRY_PREFIX):
            return None
        return self.text.split(": ", 1)[0]


@dataclass(frozen=True)
class Baseline:
    path: str
    entries: tuple[BaselineEntry, ...] = ()


@dataclass(frozen=True)
class Scope:
    """Which baseline entries a run can judge: all, or those of the files it checked."""

    whole_repository: bool
    checked_paths: frozenset[str] = frozenset()

    def covers(self, entry: BaselineEntry) -> bool:
        return self.whole_repository or entry.path in self.checked_paths


@dataclass(frozen=True)
class StaleEntry:
    """A baseline entry that no current problem matches: it fails the run."""

    baseline_path: str
    entry: BaselineEntry

    def render(self) -> str:
        return (
            f"{self.baseline_path}:{self.entry.line}: stale baseline entry, no longer found: "
            f"{self.entry.text} — delete the line, or regenerate the baseline with "
            f"{REGENERATE_COMMAND}"
        )

    def sort_key(self) -> tuple[str, int, str]:
        return (self.baseline_path, self.entry.line, self.render())


@dataclass(frozen=True)
class BaselineResult:
    """Problems split by a baseline, and the entries in scope that nothing matched."""

    new: tuple
    accepted: tuple
    stale: tuple[StaleEntry, ...]


def read_baseline(path: str, display_path: Optional[str] = None) -> Baseline:
    """Read a baseline file; a missing file is an empty baseline."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return Baseline(path=display_path or path)
    return parse_baseline(text, display_path or path)


def parse_baseline(text: str, path: str) -> Baseline:
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            entries.append(BaselineEntry(line=number, text=line))
    return Baseline(path=path, entries=tuple(entries))


def apply_baseline(problems: Iterable[P], baseline: Baseline, scope: Scope) -> BaselineResult:
    accepted_texts = {entry.text for entry in baseline.entries}
    new, accepted, matched = [], [], set()
    for problem in problems:
        if problem.baseline_entry in accepted_texts:
            accepted.append(problem)
            matched.add(problem.baseline_entry)
        else:
            new.append(problem)
    stale = tuple(
        StaleEntry(baseline.path, entry)
        for entry in baseline.entries
        if entry.text not in matched and scope.covers(entry)
    )
    return BaselineResult(new=tuple(new), accepted=tuple(accepted), stale=stale)


def render_baseline(problems: Iterable[Baselined], kept: Iterable[str] = ()) -> str:
    """A baseline accepting exactly `problems` and the `kept` entries: header, sorted entries."""
    entries = sorted({p.baseline_entry for p in problems} | set(kept))
    return HEADER + "".join(f"{entry}\n" for entry in entries)


def entries_out_of(baseline: Baseline, scope: Scope) -> tuple[BaselineEntry, ...]:
    """The entries a run cannot judge, which a rewrite of the baseline must keep."""
    return tuple(entry for entry in baseline.entries if not scope.covers(entry))
