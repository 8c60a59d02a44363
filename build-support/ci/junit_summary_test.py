from __future__ import annotations

import json
from pathlib import Path

import pytest
from ci.junit_summary import (
    Counts,
    cached_stems,
    closing_line,
    main,
    project_of,
    python_of,
    render_skips,
    render_table,
    summarize,
    summarize_skips,
)

PASSING = """<?xml version="1.0"?>
<testsuites><testsuite name="pytest" tests="3">
<testcase classname="a" name="one"/>
<testcase classname="a" name="two"/>
<testcase classname="a" name="three">
<skipped message="podman is not installed: runs images"/></testcase>
</testsuite></testsuites>"""

FAILING = """<?xml version="1.0"?>
<testsuite name="pytest"><testcase name="x"><failure message="boom"/></testcase>
<testcase name="y"><error message="fixture"/></testcase><testcase name="z"/></testsuite>"""

SHARED_310 = "libs.shared.simplerepo.tests.test_html.py@interpreter_constraints=py310.xml"
SHARED_39 = "libs.shared.simplerepo.tests.test_html.py@interpreter_constraints=py39.xml"
SERVICE = "services.index.tests.test_app.py.xml"

SHARED = "libs/shared/simplerepo/tests/test_html.py@interpreter_constraints="
LOG = f"""\
✓ {SHARED}py310 succeeded in 0.2s (cached locally).
✓ {SHARED}py39 succeeded in 0.2s.
✕ services/index/tests/test_app.py failed in 0.3s (cached remotely).
"""


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    "stem, project, python",
    [
        (SHARED_310[:-4], "libs/shared/simplerepo", "3.10"),
        (SHARED_39[:-4], "libs/shared/simplerepo", "3.9"),
        (SERVICE[:-4], "services/index", "default"),
        ("build-support.launcher.bootstrap_test.py.tests", "build-support/launcher", "default"),
        (
            "build-support.plugins.pantry.affected.selection_test.py.tests",
            "build-support/plugins/pantry/affected",
            "default",
        ),
    ],
)
def test_project_and_python_from_report_names(stem: str, project: str, python: str) -> None:
    assert (project_of(stem), python_of(stem)) == (project, python)


def test_cached_targets_come_from_the_log() -> None:
    assert cached_stems(LOG) == {SHARED_310[:-4], SERVICE[:-4]}


def test_groups_per_project_and_python(tmp_path: Path) -> None:
    write(tmp_path, {SHARED_310: PASSING, SHARED_39: PASSING, f"nested/{SERVICE}": FAILING})
    groups = summarize(tmp_path, cached_stems(LOG))
    assert groups == {
        ("libs/shared/simplerepo", "3.10"): Counts(2, 0, 1, targets=1, cached=1),
        ("libs/shared/simplerepo", "3.9"): Counts(2, 0, 1, targets=1, cached=0),
        ("services/index", "default"): Counts(1, 2, 0, targets=1, cached=1),
    }
    assert render_table(groups)[-1] == "| **total** |  | 3 | 5 | 2 | 2 | 2 |"


def test_closing_line_is_the_plain_counts_line() -> None:
    assert closing_line(Counts(5, 1, 2)) == "tests: 5 passed, 1 failed, 2 skipped"


@pytest.mark.parametrize(
    "files, extra_args, exit_code",
    [
        ({SERVICE: PASSING}, [], 0),
        ({SERVICE: PASSING, SHARED_39: FAILING}, [], 1),
        ({SERVICE: "<not xml"}, [], 1),
        ({}, [], 2),
        ({}, ["--allow-empty"], 0),
    ],
)
def test_exit_status(tmp_path: Path, files: dict[str, str], extra_args, exit_code: int) -> None:
    write(tmp_path / "reports", files)
    assert main([str(tmp_path / "reports"), *extra_args]) == exit_code


def test_markdown_for_the_job_summary(tmp_path: Path) -> None:
    write(tmp_path / "reports", {SERVICE: PASSING})
    markdown = tmp_path / "summary.md"
    assert main([str(tmp_path / "reports"), "--markdown", str(markdown)]) == 0
    text = markdown.read_text()
    assert "| services/index | default | 1 | 2 | 0 | 1 | 0 |" in text
    assert "- services/index: 1 × podman is not installed: runs images" in text
    assert text.endswith("tests: 2 passed, 0 failed, 1 skipped\n")


def test_missing_directory_means_nothing_ran(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "absent")]) == 2
    assert "nothing was tested" in capsys.readouterr().err


def test_skips_are_listed_by_project_and_reason(tmp_path: Path) -> None:
    two_skips = PASSING.replace(
        'name="two"/>', 'name="two"><skipped message="no network"/></testcase>'
    )
    reports = write(tmp_path / "reports", {SERVICE: PASSING, SHARED_39: two_skips})
    assert render_skips(summarize_skips(reports)) == [
        "skipped, by reason:",
        "- libs/shared/simplerepo: 1 × no network",
        "- libs/shared/simplerepo: 1 × podman is not installed: runs images",
        "- services/index: 1 × podman is not installed: runs images",
    ]


def test_no_skips_no_section(tmp_path: Path) -> None:
    reports = write(tmp_path / "reports", {SHARED_39: FAILING})
    assert render_skips(summarize_skips(reports)) == []


def test_coverage_table_in_the_job_summary(tmp_path: Path) -> None:
    write(tmp_path / "reports", {SERVICE: PASSING})
    summary = tmp_path / "coverage" / "summary.json"
    summary.parent.mkdir()
    summary.write_text(
        json.dumps(
            {
                "projects": [
                    {
                        "project": "libs/shared/a",
                        "percent": 100.0,
                        "floor": 100.0,
                        "below_floor": False,
                        "uncovered": [],
                    },
                    {
                        "project": "services/b",
                        "percent": 97.5,
                        "floor": 99.0,
                        "below_floor": True,
                        "uncovered": ["services/b/src/b/x.py:3-4"],
                    },
                    {
                        "project": "services/c",
                        "percent": 80.0,
                        "floor": None,
                        "below_floor": False,
                        "uncovered": ["services/c/src/c/y.py:1"],
                    },
                ],
                "ran_for_coverage": ["libs/shared/a/tests/test_a.py"],
                "from_cache": 3,
            }
        )
    )
    markdown = tmp_path / "summary.md"
    args = [str(tmp_path / "reports"), "--markdown", str(markdown), "--coverage", str(summary)]
    assert main(args) == 0
    coverage = markdown.read_text().split("## Coverage\n\n", 1)[1].splitlines()
    assert coverage == [
        "| project | coverage | floor | status |",
        "|---|---|---|---|",
        "| libs/shared/a | 100.0% | 100% | ok |",
        "| services/b | 97.5% | 99% | **below floor**: `services/b/src/b/x.py:3-4` |",
        "| services/c | 80.0% | - | ok |",
        "",
        "coverage: 3 test targets outside the run: data from the cache; 1 run for lack of "
        "cached data: libs/shared/a/tests/test_a.py",
    ]


def test_no_coverage_file_no_coverage_table(tmp_path: Path) -> None:
    write(tmp_path / "reports", {SERVICE: PASSING})
    markdown = tmp_path / "summary.md"
    absent = str(tmp_path / "absent.json")
    assert main([str(tmp_path / "reports"), "--markdown", str(markdown), "--coverage", absent]) == 0
    assert "Coverage" not in markdown.read_text()
