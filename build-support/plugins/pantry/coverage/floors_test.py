from __future__ import annotations

import json

import pytest
from pantry.coverage import floors
from pantry.coverage.floors import FileFigures, ProjectCoverage

PATTERNS = ("services/*", "libs/shared/*", "libs/internal/*")


@pytest.mark.parametrize(
    "path, project",
    [
        ("services/index/src/index/app.py", "services/index"),
        ("services/index", "services/index"),
        ("libs/shared/simplerepo/src/simplerepo", "libs/shared/simplerepo"),
        ("libs/internal/feature-flags/tests/test_x.py", "libs/internal/feature-flags"),
        ("libs/other/x/y.py", None),
        ("libs/shared", None),
        ("build-support/ci/run", None),
    ],
)
def test_project_of(path: str, project: str | None) -> None:
    assert floors.project_of(path, PATTERNS) == project


@pytest.mark.parametrize(
    "path, own",
    [
        ("services/index/src/index/app.py", True),
        ("services/index/tests/index_test_support.py", False),
        ("services/index/src/index/conftest.py", False),
        ("services/index/src/index/test_app.py", False),
        ("services/index/deploy/gunicorn.conf.py", True),
    ],
)
def test_is_own_source(path: str, own: bool) -> None:
    assert floors.is_own_source(path, "services/index") is own


def test_one_floor() -> None:
    assert floors.one_floor("libs/shared/a", {"a:t1": 100.0, "a:t2": 100.0}) == 100.0
    assert floors.one_floor("libs/shared/a", {"a:t1": None}) is None
    assert floors.one_floor("libs/shared/a", {}) is None
    with pytest.raises(floors.CoverageFloorError) as exc_info:
        floors.one_floor("libs/shared/a", {"a:t1": 100.0, "a:t2": None})
    assert str(exc_info.value) == (
        "libs/shared/a: its test targets disagree on `coverage_floor` (a:t1=100.0, a:t2=None). "
        "A floor is per project: declare it once, with `__defaults__({(python_test, "
        "python_tests): dict(coverage_floor=N)})` in libs/shared/a/BUILD, and remove the others."
    )


@pytest.mark.parametrize(
    "lines, ranges",
    [([], ""), ([7], "7"), ([3, 1, 2, 7, 9, 10], "1-3,7,9-10"), ([5, 5, 6], "5-6")],
)
def test_line_ranges(lines: list[int], ranges: str) -> None:
    assert floors.line_ranges(lines) == ranges


def entry(statements: int, missing: list[int], branches: int = 0, arcs=()) -> dict:
    return {
        "summary": {"num_statements": statements, "num_branches": branches},
        "missing_lines": missing,
        "missing_branches": [list(a) for a in arcs],
    }


def project(floor: float | None, **files: dict) -> ProjectCoverage:
    return floors.projects_from_report(
        {"libs/shared/a": {f"libs/shared/a/src/a/{k}.py": v for k, v in files.items()}},
        {"libs/shared/a": floor},
        {"libs/shared/a": ["libs/shared/a/tests/test_a.py"]},
    )[0]


def test_full_coverage_meets_100() -> None:
    p = project(100, x=entry(10, [], 4))
    assert (p.covered, p.total, p.percent, p.below_floor) == (14, 14, 100.0, False)
    assert p.line() == "libs/shared/a: 100.0% (14/14 lines+branches), floor 100%, ok"


def test_one_partial_branch_fails_100_and_names_its_line() -> None:
    p = project(100, x=entry(200, [], 100, [(12, 14)]), y=entry(3, [2, 3]))
    assert (p.covered, p.total) == (300, 303)
    assert p.percent == 99.0
    assert p.below_floor
    assert p.line() == (
        "libs/shared/a: 99.0% (300/303 lines+branches), floor 100%, FAIL; uncovered: "
        "libs/shared/a/src/a/x.py:12 libs/shared/a/src/a/y.py:2-3"
    )


def test_percent_is_never_rounded_up_to_the_floor() -> None:
    p = project(100, x=entry(9999, [5]))
    assert p.percent == 99.9 and p.below_floor


def test_a_lower_floor_and_no_floor() -> None:
    assert not project(90, x=entry(10, [1])).below_floor
    assert project(95, x=entry(10, [1])).below_floor
    free = project(None, x=entry(10, [1, 2, 3]))
    assert not free.below_floor
    assert free.line() == "libs/shared/a: 70.0% (7/10 lines+branches), no floor, ok"


def test_a_project_without_tests_fails_its_floor() -> None:
    p = floors.projects_from_report({}, {"services/x": 100.0}, {})[0]
    assert p.files == () and not p.below_floor  # nothing to measure
    q = ProjectCoverage(
        "services/x", 100.0, (FileFigures("services/x/src/x/a.py", 3, (1, 2, 3), 0, ()),), ()
    )
    assert q.below_floor
    assert q.line() == "services/x: FAIL (no tests), floor 100%"


def test_render_and_summary() -> None:
    ok = project(100, x=entry(10, []))
    bad = project(100, x=entry(10, [4]))
    text = floors.render([ok, bad], ran=["libs/shared/a/tests/test_a.py"], from_cache=2)
    assert text.splitlines() == [
        "Coverage per project (its own tests over its own sources, lines+branches):",
        "  libs/shared/a: 100.0% (10/10 lines+branches), floor 100%, ok",
        "  libs/shared/a: 90.0% (9/10 lines+branches), floor 100%, FAIL; uncovered: "
        "libs/shared/a/src/a/x.py:4",
        "  2 test target(s) outside this run: coverage data from the cache.",
        "  1 test target(s) outside this run had no cached coverage data and were run: "
        "libs/shared/a/tests/test_a.py",
        "  1 project(s) below their coverage floor: libs/shared/a — add tests for the "
        "uncovered lines (or lower `coverage_floor` in the project's BUILD).",
    ]
    summary = json.loads(floors.summary_json([bad], [], 0))
    assert summary["projects"][0]["uncovered"] == ["libs/shared/a/src/a/x.py:4"]
