"""One summary of every test Pants ran: per project and Python version, then one closing line.

Reads the JUnit XML reports `./pants test` writes (`[test].report`) and, optionally, the
console log of that run, to count targets served from cache ("cached locally/remotely").

Skipped tests are listed by reason under the table (pytest's skip message, e.g. "podman is not
installed: ..."), so a check that could not run on this machine is visible, never silent.

Exit status: 0 when tests ran and none failed; 1 when any failed or errored; 2 when there
is no test result at all (so "nothing ran" never passes silently, unless --allow-empty).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

# `✓ services/index/tests/test_app.py succeeded in 0.32s (cached locally).`
RESULT_LINE = re.compile(
    r"^[✓✕] (?P<address>\S+) (?:succeeded|failed) in .*\((?P<cache>cached \w+)\)"
)
PARAMETRIZED_PYTHON = re.compile(r"@interpreter_constraints=py(?P<major>\d)(?P<minor>\d+)")
# Project roots by their leading path segments (count of segments naming the project).
PROJECT_DEPTH = {"services": 2, "libs": 3, "build-support": 2, "infra": 1, "external": 1}


@dataclass(frozen=True)
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    targets: int = 0
    cached: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.passed + other.passed,
            self.failed + other.failed,
            self.skipped + other.skipped,
            self.targets + other.targets,
            self.cached + other.cached,
        )

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.skipped


def count_report(path: Path, cached: bool = False) -> Counts:
    """Count one JUnit XML file; a file that is not JUnit XML counts as one failure."""
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError:
        return Counts(failed=1, targets=1, cached=int(cached))
    failed = skipped = total = 0
    for case in root.iter("testcase"):
        total += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
    return Counts(total - failed - skipped, failed, skipped, targets=1, cached=int(cached))


def skip_reasons(path: Path) -> Counter[str]:
    """How many tests of one JUnit XML file were skipped, per one-line reason."""
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError:
        return Counter()
    reasons: Counter[str] = Counter()
    for skipped in root.iter("skipped"):
        message = (skipped.get("message") or skipped.text or "no reason given").strip()
        reasons[message.splitlines()[0] if message else "no reason given"] += 1
    return reasons


def summarize_skips(reports_dir: Path) -> Counter[tuple[str, str]]:
    """(project, reason) -> number of tests skipped for it, over every report."""
    skips: Counter[tuple[str, str]] = Counter()
    for path in sorted(reports_dir.rglob("*.xml")) if reports_dir.is_dir() else []:
        project = project_of(path.name[: -len(".xml")])
        for reason, count in skip_reasons(path).items():
            skips[(project, reason)] += count
    return skips


def render_skips(skips: Counter[tuple[str, str]]) -> list[str]:
    """One line per project and reason, most frequent first within a project."""
    if not skips:
        return []
    ordered = sorted(skips.items(), key=lambda item: (item[0][0], -item[1], item[0][1]))
    return [
        "skipped, by reason:",
        *(f"- {project}: {count} × {reason}" for (project, reason), count in ordered),
    ]


def report_stem(address: str) -> str:
    """The report file stem Pants uses for a test address (`/` and `:` become `.`)."""
    return address.replace("/", ".").replace(":", ".")


def project_of(stem: str) -> str:
    parts = stem.split(".")
    # Each plugin backend (build-support/plugins/pantry/<backend>) counts as a project.
    depth = 4 if parts[:2] == ["build-support", "plugins"] else PROJECT_DEPTH.get(parts[0], 1)
    return "/".join(parts[:depth])


def python_of(stem: str) -> str:
    match = PARAMETRIZED_PYTHON.search(stem)
    return f"{match['major']}.{match['minor']}" if match else "default"


def cached_stems(log_text: str) -> set[str]:
    return {
        report_stem(match["address"])
        for match in map(RESULT_LINE.match, log_text.splitlines())
        if match
    }


def summarize(reports_dir: Path, cached: set[str]) -> dict[tuple[str, str], Counts]:
    groups: dict[tuple[str, str], Counts] = defaultdict(Counts)
    for path in sorted(reports_dir.rglob("*.xml")) if reports_dir.is_dir() else []:
        stem = path.name[: -len(".xml")]
        groups[(project_of(stem), python_of(stem))] += count_report(path, stem in cached)
    return dict(groups)


def total_of(groups: dict[tuple[str, str], Counts]) -> Counts:
    return sum(groups.values(), Counts())


def render_table(groups: dict[tuple[str, str], Counts]) -> list[str]:
    """A markdown table, one row per project and Python, then the total row."""
    header = ["project", "python", "targets", "passed", "failed", "skipped", "from cache"]
    rows = [
        [project, python, *map(str, (c.targets, c.passed, c.failed, c.skipped, c.cached))]
        for (project, python), c in sorted(groups.items())
    ]
    total = total_of(groups)
    rows.append(
        [
            "**total**",
            "",
            *map(str, (total.targets, total.passed, total.failed, total.skipped, total.cached)),
        ]
    )
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def render_coverage(summary_path: Path) -> list[str]:
    """The coverage table from `./pants test --use-coverage`'s dist/coverage/summary.json.

    One row per judged project: lines+branches covered by its own tests, its floor, and the
    uncovered `file:lines` when below; then which tests had to run for lack of cached data.
    A missing file (no coverage run, or nothing was tested) gives no table.
    """
    if not summary_path.is_file():
        return []
    summary = json.loads(summary_path.read_text())
    rows = ["| project | coverage | floor | status |", "|---|---|---|---|"]
    for p in summary.get("projects", ()):
        floor = "-" if p["floor"] is None else f"{p['floor']:g}%"
        status = "ok"
        if p["below_floor"]:
            status = "**below floor**: " + " ".join(f"`{u}`" for u in p["uncovered"])
        rows.append(f"| {p['project']} | {p['percent']:.1f}% | {floor} | {status} |")
    ran = summary.get("ran_for_coverage", [])
    notes = [f"{summary.get('from_cache', 0)} test targets outside the run: data from the cache"]
    if ran:
        notes.append(f"{len(ran)} run for lack of cached data: {', '.join(ran)}")
    return [*rows, "", "coverage: " + "; ".join(notes)]


def closing_line(total: Counts) -> str:
    return f"tests: {total.passed} passed, {total.failed} failed, {total.skipped} skipped"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports_dir", type=Path, help="where `./pants test` wrote JUnit XML")
    parser.add_argument("--log", type=Path, help="the console log of that `./pants test` run")
    parser.add_argument("--markdown", type=Path, help="also write the table here (CI job summary)")
    parser.add_argument(
        "--coverage", type=Path, help="dist/coverage/summary.json of a --use-coverage run"
    )
    parser.add_argument(
        "--allow-empty", action="store_true", help="exit 0 when no test ran (nothing affected)"
    )
    args = parser.parse_args(argv)
    cached = cached_stems(args.log.read_text(errors="replace")) if args.log else set()
    groups = summarize(args.reports_dir, cached)
    total = total_of(groups)
    table = render_table(groups)
    skips = render_skips(summarize_skips(args.reports_dir))
    coverage = render_coverage(args.coverage) if args.coverage else []
    print("\n".join(table))
    if skips:
        print("\n".join(skips))
    if coverage:
        print("\n" + "\n".join(coverage))
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        skip_text = "\n" + "\n".join(skips) + "\n" if skips else ""
        coverage_text = "\n## Coverage\n\n" + "\n".join(coverage) + "\n" if coverage else ""
        args.markdown.write_text(
            "## Tests\n\n"
            + "\n".join(table)
            + f"\n{skip_text}\n{closing_line(total)}\n{coverage_text}"
        )
    print(f"{total.targets} test targets, {total.cached} from cache")
    print(closing_line(total))
    if total.total == 0:
        if args.allow_empty:
            return 0
        print(
            f"error: no test results under {args.reports_dir}: nothing was tested.", file=sys.stderr
        )
        return 2
    return 1 if total.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
