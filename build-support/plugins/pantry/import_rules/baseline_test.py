from __future__ import annotations

from pathlib import Path

import pytest
from pantry.import_rules.baseline import (
    HEADER,
    Baseline,
    BaselineEntry,
    Scope,
    StaleEntry,
    apply_baseline,
    entries_out_of,
    parse_baseline,
    read_baseline,
    render_baseline,
)
from pantry.import_rules.cycles import ProjectCycle, ProjectEdge
from pantry.import_rules.violations import EdgeKind, Violation


def _violation(path: str, line: int, imported: str = "stats.parse") -> Violation:
    return Violation(
        path=path,
        line=line,
        importer="m",
        kind=EdgeKind.PYTHON_IMPORT,
        imported=imported,
        project="services/stats",
        rule_id="1",
        rule_text="t",
    )


A12 = _violation("a.py", 12)
A40 = _violation("a.py", 40)  # the same import again, further down
B3 = _violation("b.py", 3)
B4 = _violation("b.py", 4, imported="stats.models")


def test_render_then_parse_round_trips() -> None:
    text = render_baseline([B3, A40, A12])
    assert text == HEADER + "a.py: m imports stats.parse\nb.py: m imports stats.parse\n"
    baseline = parse_baseline(text, "bl.txt")
    header_lines = HEADER.count("\n")
    assert baseline == Baseline(
        path="bl.txt",
        entries=(
            BaselineEntry(header_lines + 1, "a.py: m imports stats.parse"),
            BaselineEntry(header_lines + 2, "b.py: m imports stats.parse"),
        ),
    )


def test_render_empty() -> None:
    assert render_baseline([]) == HEADER


def test_parse_skips_comments_and_blank_lines_and_strips() -> None:
    baseline = parse_baseline("# c\n\n  a.py: m imports x  \n\t\n#x\nb\n", "bl.txt")
    assert baseline.entries == (BaselineEntry(3, "a.py: m imports x"), BaselineEntry(6, "b"))


WHOLE = Scope(whole_repository=True)


def test_apply_splits_new_accepted_and_stale() -> None:
    baseline = parse_baseline(
        "a.py: m imports stats.parse\n"
        "gone.py: m imports stats.parse\n"
        "b.py: m imports stats.models\n",
        "bl.txt",
    )
    result = apply_baseline([A12, A40, B3, B4], baseline, WHOLE)
    assert result.new == (B3,)
    assert result.accepted == (A12, A40, B4)
    assert result.stale == (
        StaleEntry("bl.txt", BaselineEntry(2, "gone.py: m imports stats.parse")),
    )
    assert [s.render() for s in result.stale] == [
        "bl.txt:2: stale baseline entry, no longer found: gone.py: m imports stats.parse — "
        "delete the line, or regenerate the baseline with ./pants import-rules-baseline ::"
    ]


def test_apply_empty_baseline_accepts_nothing() -> None:
    result = apply_baseline([A12], Baseline(path="bl.txt"), WHOLE)
    assert (result.new, result.accepted, result.stale) == ((A12,), (), ())


EDGE = ProjectEdge("a/x.py", 1, "x", EdgeKind.PYTHON_IMPORT, "y", source="a", target="b")
CYCLE = ProjectCycle(
    edges=(EDGE, ProjectEdge("b/y.py", 2, "y", EdgeKind.PYTHON_IMPORT, "x", "b", "a")),
    group=("a", "b"),
)


def test_cycles_are_baselined_by_their_group_of_projects() -> None:
    text = render_baseline([CYCLE, B3])
    assert text == HEADER + "b.py: m imports stats.parse\nproject cycle: a, b\n"
    baseline = parse_baseline(text, "bl.txt")
    assert [entry.path for entry in baseline.entries] == ["b.py", None]
    result = apply_baseline([CYCLE], baseline, WHOLE)
    assert (result.new, result.accepted) == ((), (CYCLE,))
    assert [s.entry.text for s in result.stale] == ["b.py: m imports stats.parse"]


@pytest.mark.parametrize(
    "scope, stale",
    [
        (WHOLE, ["a.py: m imports x", "project cycle: a, b", "gone.py: m imports x"]),
        (Scope(whole_repository=False, checked_paths=frozenset({"a.py"})), ["a.py: m imports x"]),
        (Scope(whole_repository=False), []),
    ],
)
def test_only_entries_in_scope_can_be_stale(scope: Scope, stale: list[str]) -> None:
    baseline = parse_baseline(
        "a.py: m imports x\nproject cycle: a, b\ngone.py: m imports x\n", "bl.txt"
    )
    result = apply_baseline([], baseline, scope)
    assert [s.entry.text for s in result.stale] == stale
    kept = [e.text for e in entries_out_of(baseline, scope)]
    assert kept == [e.text for e in baseline.entries if e.text not in stale]


def test_render_keeps_entries_sorted_and_unique() -> None:
    text = render_baseline([A12], kept=["z.py: m imports q", "a.py: m imports stats.parse"])
    assert text == HEADER + "a.py: m imports stats.parse\nz.py: m imports q\n"


def test_header_is_comments_only() -> None:
    assert parse_baseline(HEADER, "bl.txt").entries == ()


def test_read_missing_file_is_empty(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.txt")
    assert read_baseline(path) == Baseline(path=path)


def test_read(tmp_path: Path) -> None:
    path = tmp_path / "bl.txt"
    path.write_text(render_baseline([A12]))
    assert [e.text for e in read_baseline(str(path)).entries] == ["a.py: m imports stats.parse"]
