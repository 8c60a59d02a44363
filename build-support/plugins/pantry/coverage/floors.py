"""Per-project coverage floors: which project a path belongs to, and the judgement.

Engine-free: `rules.py` gathers the data and runs coverage.py (`analyze.py`, in the tool's
venv); this module turns its per-file figures into one line per project and decides.

A project's figure is lines + branches, as coverage.py counts them: (executed statements +
taken branches) / (statements + branches). A floor of 100 therefore tolerates no missing
line and no partial branch. The comparison is exact (integers), never a rounded percentage.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Sequence

from pantry.errors import PantryError


class CoverageFloorError(PantryError):
    """Bad coverage-floor configuration; the message says where, what and how to fix it."""


def project_of(path: str, patterns: Sequence[str]) -> str | None:
    """The project directory `path` lives in: the first pattern matching a leading part of it.

    Patterns are path globs where `*` is one segment (`services/*`, `libs/shared/*`).
    """
    parts = path.split("/")
    for pattern in patterns:
        depth = len(pattern.split("/"))
        if len(parts) >= depth and fnmatch.fnmatchcase("/".join(parts[:depth]), pattern):
            if all("/" not in p for p in parts[:depth]):
                return "/".join(parts[:depth])
    return None


def is_own_source(path: str, project: str) -> bool:
    """Whether a Python source file of `project` is measured: code, not its tests' helpers."""
    relative = path[len(project) + 1 :].split("/")
    name = relative[-1]
    return "tests" not in relative[:-1] and name != "conftest.py" and not name.startswith("test_")


def one_floor(project: str, floors: Mapping[str, float | None]) -> float | None:
    """The project's floor, given each of its test targets' `coverage_floor` (address → value).

    Every test target of a project must agree (declare it once, in `__defaults__`).
    """
    values = sorted({v for v in floors.values()}, key=lambda v: (v is not None, v or 0))
    if len(values) > 1:
        listed = ", ".join(f"{a}={v!r}" for a, v in sorted(floors.items()))
        raise CoverageFloorError(
            f"{project}: its test targets disagree on `coverage_floor` ({listed}). A floor is "
            f"per project: declare it once, with `__defaults__({{(python_test, python_tests): "
            f"dict(coverage_floor=N)}})` in {project}/BUILD, and remove the others."
        )
    return values[0] if values else None


def line_ranges(lines: Iterable[int]) -> str:
    """`[1, 2, 3, 7, 9, 10]` → `1-3,7,9-10`."""
    ordered = sorted(set(lines))
    spans: list[str] = []
    start: Optional[int] = None
    prev = 0
    for n in ordered:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            spans.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = n
    if start is not None:
        spans.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ",".join(spans)


@dataclass(frozen=True)
class FileFigures:
    path: str
    statements: int
    missing_lines: tuple[int, ...]
    branches: int
    missing_branches: tuple[tuple[int, int], ...]

    @classmethod
    def from_json(cls, path: str, entry: Mapping) -> FileFigures:
        """From one file of coverage.py's JSON report (format 2/3)."""
        summary = entry["summary"]
        return cls(
            path=path,
            statements=int(summary["num_statements"]),
            missing_lines=tuple(entry.get("missing_lines", ())),
            branches=int(summary.get("num_branches", 0)),
            missing_branches=tuple(tuple(arc) for arc in entry.get("missing_branches", ())),
        )

    @property
    def uncovered(self) -> str | None:
        """`path:12-14,20` (lines never run and lines with a branch never taken), or None."""
        lines = set(self.missing_lines) | {a for a, _ in self.missing_branches}
        return f"{self.path}:{line_ranges(lines)}" if lines else None


@dataclass(frozen=True)
class ProjectCoverage:
    project: str
    floor: float | None
    files: tuple[FileFigures, ...]
    tests: tuple[str, ...]  # the test targets whose data was combined

    @property
    def total(self) -> int:
        return sum(f.statements + f.branches for f in self.files)

    @property
    def covered(self) -> int:
        return sum(
            f.statements - len(f.missing_lines) + f.branches - len(f.missing_branches)
            for f in self.files
        )

    @property
    def percent(self) -> float:
        """Covered percentage, rounded DOWN to 0.1 so 99.96 never shows as 100.0."""
        if not self.total:
            return 100.0
        return int(1000 * self.covered / self.total) / 10

    @property
    def below_floor(self) -> bool:
        if self.floor is None:
            return False
        if not self.tests and self.files:
            return True
        return self.covered * 100 < self.floor * self.total

    @property
    def uncovered(self) -> tuple[str, ...]:
        return tuple(u for f in self.files if (u := f.uncovered))

    def line(self) -> str:
        floor = "no floor" if self.floor is None else f"floor {self.floor:g}%"
        if not self.tests and self.files:
            status = "FAIL (no tests)" if self.floor is not None else "no tests"
            return f"{self.project}: {status}, {floor}"
        status = "FAIL" if self.below_floor else "ok"
        figure = f"{self.percent:.1f}% ({self.covered}/{self.total} lines+branches)"
        text = f"{self.project}: {figure}, {floor}, {status}"
        if self.below_floor:
            text += "; uncovered: " + " ".join(self.uncovered)
        return text

    def to_json(self) -> dict:
        return {
            "project": self.project,
            "percent": self.percent,
            "covered": self.covered,
            "total": self.total,
            "floor": self.floor,
            "below_floor": self.below_floor,
            "uncovered": list(self.uncovered),
            "tests": list(self.tests),
        }


def projects_from_report(
    report: Mapping, floors: Mapping[str, float | None], tests: Mapping[str, Sequence[str]]
) -> tuple[ProjectCoverage, ...]:
    """`report`: {project: {path: coverage.py JSON file entry}} as analyze.py writes it."""
    return tuple(
        ProjectCoverage(
            project=project,
            floor=floors.get(project),
            files=tuple(
                FileFigures.from_json(path, entry)
                for path, entry in sorted(report.get(project, {}).items())
            ),
            tests=tuple(sorted(tests.get(project, ()))),
        )
        for project in sorted(floors)
    )


def render(
    projects: Sequence[ProjectCoverage], ran: Sequence[str] = (), from_cache: int = 0
) -> str:
    """The console report: one line per project, then why tests outside the run were run."""
    lines = ["Coverage per project (its own tests over its own sources, lines+branches):"]
    lines += [f"  {p.line()}" for p in projects]
    if from_cache:
        lines.append(
            f"  {from_cache} test target(s) outside this run: coverage data from the cache."
        )
    if ran:
        lines.append(
            f"  {len(ran)} test target(s) outside this run had no cached coverage data and were "
            f"run: {', '.join(ran)}"
        )
    failing = [p.project for p in projects if p.below_floor]
    if failing:
        lines.append(
            f"  {len(failing)} project(s) below their coverage floor: {', '.join(failing)} — "
            "add tests for the uncovered lines (or lower `coverage_floor` in the project's BUILD)."
        )
    return "\n".join(lines)


def summary_json(projects: Sequence[ProjectCoverage], ran: Sequence[str], from_cache: int) -> str:
    """dist/coverage/summary.json, which build-support/ci's summary turns into a table."""
    return json.dumps(
        {
            "projects": [p.to_json() for p in projects],
            "ran_for_coverage": list(ran),
            "from_cache": from_cache,
        },
        indent=2,
        sort_keys=True,
    )
