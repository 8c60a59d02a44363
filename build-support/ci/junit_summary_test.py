from __future__ import annotations

from pathlib import Path

import pytest
from ci.junit_summary import Counts, main, render, summarize

PASSING = """<?xml version="1.0"?>
<testsuites><testsuite name="pytest" tests="3">
<testcase classname="a" name="one"/>
<testcase classname="a" name="two"/>
<testcase classname="a" name="three"><skipped message="no"/></testcase>
</testsuite></testsuites>"""

FAILING = """<?xml version="1.0"?>
<testsuite name="pytest"><testcase name="x"><failure message="boom"/></testcase>
<testcase name="y"><error message="fixture"/></testcase><testcase name="z"/></testsuite>"""


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_counts_across_nested_reports(tmp_path: Path) -> None:
    write(tmp_path, {"a/one.xml": PASSING, "b/two.xml": FAILING})
    assert summarize(tmp_path) == Counts(passed=3, failed=2, skipped=1, reports=2)


def test_render_is_the_plain_closing_line() -> None:
    assert render(Counts(passed=5, failed=1, skipped=2, reports=3)) == (
        "tests: 5 passed, 1 failed, 2 skipped (3 test targets)"
    )


@pytest.mark.parametrize(
    "files, exit_code",
    [
        ({"ok.xml": PASSING}, 0),
        ({"ok.xml": PASSING, "bad.xml": FAILING}, 1),
        ({"broken.xml": "<not xml"}, 1),
        ({}, 2),
    ],
)
def test_exit_status(tmp_path: Path, files: dict[str, str], exit_code: int) -> None:
    write(tmp_path, files)
    assert main([str(tmp_path)]) == exit_code


def test_missing_directory_means_nothing_ran(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "absent")]) == 2
    assert "nothing was tested" in capsys.readouterr().err
