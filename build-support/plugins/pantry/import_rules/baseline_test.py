from __future__ import annotations

from pathlib import Path

from pantry.import_rules.baseline import (
    HEADER,
    Baseline,
    BaselineEntry,
    apply_baseline,
    parse_baseline,
    read_baseline,
    render_baseline,
)
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


def test_apply_splits_new_accepted_and_stale() -> None:
    baseline = parse_baseline(
        "a.py: m imports stats.parse\n"
        "gone.py: m imports stats.parse\n"
        "b.py: m imports stats.models\n",
        "bl.txt",
    )
    result = apply_baseline([A12, A40, B3, B4], baseline)
    assert result.new == (B3,)
    assert result.accepted == (A12, A40, B4)
    assert result.stale == (BaselineEntry(2, "gone.py: m imports stats.parse"),)
    assert result.stale_notes("bl.txt") == (
        "bl.txt:2: stale baseline entry, the violation no longer occurs; delete the line: "
        "gone.py: m imports stats.parse",
    )


def test_apply_empty_baseline_accepts_nothing() -> None:
    result = apply_baseline([A12], Baseline(path="bl.txt"))
    assert (result.new, result.accepted, result.stale) == ((A12,), (), ())


def test_read_missing_file_is_empty(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.txt")
    assert read_baseline(path) == Baseline(path=path)


def test_read(tmp_path: Path) -> None:
    path = tmp_path / "bl.txt"
    path.write_text(render_baseline([A12]))
    assert [e.text for e in read_baseline(str(path)).entries] == ["a.py: m imports stats.parse"]
