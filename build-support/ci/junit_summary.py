"""Print one summary of every test Pants ran, from the JUnit XML reports it wrote.

Usage: junit_summary.py REPORTS_DIR

Exit status: 0 when tests ran and none failed; 1 when any failed or errored; 2 when the
directory holds no test at all (so "nothing ran" can never pass silently).
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    reports: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.passed + other.passed,
            self.failed + other.failed,
            self.skipped + other.skipped,
            self.reports + other.reports,
        )

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.skipped


def count_report(path: Path) -> Counts:
    """Count one JUnit XML file; a file that is not JUnit XML counts as one failure."""
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError:
        return Counts(failed=1, reports=1)
    failed = skipped = total = 0
    for case in root.iter("testcase"):
        total += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
    return Counts(passed=total - failed - skipped, failed=failed, skipped=skipped, reports=1)


def summarize(reports_dir: Path) -> Counts:
    counts = Counts()
    for path in sorted(reports_dir.rglob("*.xml")):
        counts += count_report(path)
    return counts


def render(counts: Counts) -> str:
    return (
        f"tests: {counts.passed} passed, {counts.failed} failed, {counts.skipped} skipped"
        f" ({counts.reports} test targets)"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    reports_dir = Path(argv[0])
    counts = summarize(reports_dir) if reports_dir.is_dir() else Counts()
    print(render(counts))
    if counts.total == 0:
        print(f"error: no test results under {reports_dir}: nothing was tested.", file=sys.stderr)
        return 2
    return 1 if counts.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
