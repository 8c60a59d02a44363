"""Aggregate downloads into counts and render them as a table or JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from stats.agents import installer, is_bot
from stats.logparse import BadLine, parse_line


@dataclass(frozen=True)
class BadLineReport:
    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass
class Report:
    """Counts over every log line fed to `add_lines`."""

    count_bots: bool = False
    lines: int = 0
    bot_downloads_skipped: int = 0
    bad_lines: list[BadLineReport] = field(default_factory=list)
    projects: Counter = field(default_factory=Counter)
    releases: Counter = field(default_factory=Counter)
    installers: Counter = field(default_factory=Counter)

    @property
    def downloads(self) -> int:
        return sum(self.projects.values())

    def add_lines(self, source: str, lines: Iterable[str]) -> None:
        """Count the downloads in `lines`; bad lines are recorded, never raised."""
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            self.lines += 1
            try:
                download = parse_line(line)
            except BadLine as e:
                self.bad_lines.append(BadLineReport(source, number, e.reason))
                continue
            if download is None:
                continue
            if is_bot(download.user_agent) and not self.count_bots:
                self.bot_downloads_skipped += 1
                continue
            self.projects[download.project] += 1
            self.releases[(download.project, download.version)] += 1
            self.installers[installer(download.user_agent)] += 1


def _top(counter: Counter, top: int | None) -> list[tuple[Any, int]]:
    # Highest count first, ties by key, so output is deterministic.
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:top]


def render_json(report: Report, top: int | None = None) -> str:
    return json.dumps(
        {
            "lines": report.lines,
            "downloads": report.downloads,
            "bot_downloads_skipped": report.bot_downloads_skipped,
            "projects": [{"project": p, "downloads": n} for p, n in _top(report.projects, top)],
            "releases": [
                {"project": p, "version": v, "downloads": n}
                for (p, v), n in _top(report.releases, top)
            ],
            "installers": [
                {"installer": i, "downloads": n} for i, n in _top(report.installers, top)
            ],
            "bad_lines": [
                {"source": b.source, "line": b.line, "reason": b.reason} for b in report.bad_lines
            ],
        },
        indent=2,
    )


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    cells = [header, *[tuple(str(c) for c in row) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    # Text columns left-aligned, the count (last column) right-aligned.
    return [
        "  ".join(
            [*(c.ljust(w) for c, w in zip(row[:-1], widths)), row[-1].rjust(widths[-1])]
        ).rstrip()
        for row in cells
    ]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_table(report: Report, top: int | None = None) -> str:
    lines = [
        (
            f"{_plural(report.downloads, 'download')}"
            f" in {_plural(report.lines, 'line')}"
            f" ({_plural(report.bot_downloads_skipped, 'bot download')} skipped,"
            f" {_plural(len(report.bad_lines), 'bad line')})"
        ),
        "",
        *_table(("project", "downloads"), _top(report.projects, top)),
        "",
        *_table(
            ("project", "version", "downloads"),
            [(p, v, n) for (p, v), n in _top(report.releases, top)],
        ),
        "",
        *_table(("installer", "downloads"), _top(report.installers, top)),
    ]
    return "\n".join(lines)
