"""Render a `LockDiff` as the table `lock-diff`, `lock-upgrade` and the lock-bump PR print.

A Markdown table: readable in a terminal, and rendered as a table in a pull-request body.
"""

from __future__ import annotations

from typing import Sequence

from pantry.lockfile.lock_analysis import LockDiff

COLUMNS = ("change", "project", "from", "to")


def diff_rows(diff: LockDiff) -> list[tuple[str, str, str, str]]:
    """One row per changed project: upgrades and downgrades first (what reviewers look at)."""
    return [
        *(("upgraded", c.name, c.old_version, c.new_version) for c in diff.upgraded),
        *(("downgraded", c.name, c.old_version, c.new_version) for c in diff.downgraded),
        *(("added", p.name, "", p.version) for p in diff.added),
        *(("removed", p.name, p.version, "") for p in diff.removed),
        *(("artifacts changed", name, "", "") for name in diff.artifacts_changed),
    ]


def render_diff(diff: LockDiff, *, resolve: str, old_label: str, new_label: str) -> str:
    """The whole report: a title line, the table (if anything changed) and a closing count."""
    title = f"Lockfile changes in resolve `{resolve}`: {old_label} -> {new_label}"
    if diff.is_empty:
        return f"{title}\n\nNo locked project changed.\n"
    return f"{title}\n\n{render_table(COLUMNS, diff_rows(diff))}\n{summary_line(diff)}\n"


def summary_line(diff: LockDiff) -> str:
    counts = [
        (len(diff.upgraded), "upgraded"),
        (len(diff.downgraded), "downgraded"),
        (len(diff.added), "added"),
        (len(diff.removed), "removed"),
        (len(diff.artifacts_changed), "with changed artifacts"),
    ]
    total = sum(count for count, _ in counts)
    parts = ", ".join(f"{count} {label}" for count, label in counts if count)
    return f"{total} {'project' if total == 1 else 'projects'} changed: {parts}."


def render_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [
        max(len(column), *(len(row[index]) for row in rows)) if rows else len(column)
        for index, column in enumerate(columns)
    ]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths)) + " |"

    separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(columns), separator, *(line(row) for row in rows)]) + "\n"
