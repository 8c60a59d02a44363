"""The baseline: accepted existing violations, so adopted code stays green while they are
paid down.

A baseline file is text, one entry per line, `#` comments and blank lines ignored. An
entry is a violation without its line number and rule (`Violation.baseline_entry`):

    services/index/src/index/app.py: index.app imports stats.parse

so editing the file above the import does not invalidate it. One entry accepts every
occurrence of that import in that file. Entries that match no current violation are
*stale*: reported as notes (delete them), never as failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .violations import Violation

HEADER = """\
# Accepted existing import-rule violations (the rules: build-support/import-rules.toml).
# One per line, "<file>: <importer> <imports|depends on|sources> <imported>", no line number.
# Pay them down: fix the code, then delete the line (the lint notes lines that are stale).
# Do not add lines by hand to silence a new violation; fix it instead.
"""


@dataclass(frozen=True)
class BaselineEntry:
    line: int
    text: str


@dataclass(frozen=True)
class Baseline:
    path: str
    entries: tuple[BaselineEntry, ...] = ()


@dataclass(frozen=True)
class BaselineResult:
    """Violations split by a baseline, and the baseline entries nothing matched."""

    new: tuple[Violation, ...]
    accepted: tuple[Violation, ...]
    stale: tuple[BaselineEntry, ...]

    def stale_notes(self, baseline_path: str) -> tuple[str, ...]:
        return tuple(
            f"{baseline_path}:{entry.line}: stale baseline entry, the violation no longer "
            f"occurs; delete the line: {entry.text}"
            for entry in self.stale
        )


def read_baseline(path: str) -> Baseline:
    """Read a baseline file; a missing file is an empty baseline."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return Baseline(path=path)
    return parse_baseline(text, path)


def parse_baseline(text: str, path: str) -> Baseline:
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            entries.append(BaselineEntry(line=number, text=line))
    return Baseline(path=path, entries=tuple(entries))


def apply_baseline(violations: Iterable[Violation], baseline: Baseline) -> BaselineResult:
    accepted_texts = {entry.text for entry in baseline.entries}
    new, accepted, matched = [], [], set()
    for violation in violations:
        if violation.baseline_entry in accepted_texts:
            accepted.append(violation)
            matched.add(violation.baseline_entry)
        else:
            new.append(violation)
    stale = tuple(entry for entry in baseline.entries if entry.text not in matched)
    return BaselineResult(new=tuple(new), accepted=tuple(accepted), stale=stale)


def render_baseline(violations: Iterable[Violation]) -> str:
    """A baseline accepting exactly `violations`: header, then sorted unique entries."""
    entries = sorted({v.baseline_entry for v in violations})
    return HEADER + "".join(f"{entry}\n" for entry in entries)
