from __future__ import annotations

import pytest
from pantry.import_rules.baseline import BaselineEntry, StaleEntry
from pantry.import_rules.cycles import ProjectCycle, ProjectEdge
from pantry.import_rules.violations import (
    EdgeKind,
    ParseFailure,
    Report,
    Violation,
    pluralize,
)

RULE_1 = "nothing may import a service other than itself"


def _violation(
    path: str = "services/index/src/index/app.py", line: int = 12, **kw: object
) -> Violation:
    fields: dict = dict(
        path=path,
        line=line,
        importer="index.app",
        kind=EdgeKind.PYTHON_IMPORT,
        imported="stats.parse",
        project="services/stats",
        rule_id="1",
        rule_text=RULE_1,
    )
    fields.update(kw)
    return Violation(**fields)


@pytest.mark.parametrize(
    "violation, line, entry",
    [
        (
            _violation(),
            "services/index/src/index/app.py:12: index.app imports stats.parse "
            "(services/stats) — rule 1: nothing may import a service other than itself",
            "services/index/src/index/app.py: index.app imports stats.parse",
        ),
        (
            _violation(
                path="services/index/BUILD",
                line=7,
                importer="services/index:app",
                kind=EdgeKind.BUILD_DEPENDENCY,
                imported="services/stats/src/stats:lib",
            ),
            "services/index/BUILD:7: services/index:app depends on services/stats/src/stats:lib "
            "(services/stats) — rule 1: nothing may import a service other than itself",
            "services/index/BUILD: services/index:app depends on services/stats/src/stats:lib",
        ),
        (
            _violation(
                path="services/a/infra/main.tf",
                line=3,
                importer="module.b",
                kind=EdgeKind.TERRAFORM_MODULE,
                imported="services/b/infra",
                project="services/b",
                rule_id="6",
                rule_text="only infra/ may import it",
            ),
            "services/a/infra/main.tf:3: module.b sources services/b/infra (services/b) "
            "— rule 6: only infra/ may import it",
            "services/a/infra/main.tf: module.b sources services/b/infra",
        ),
    ],
)
def test_render_and_baseline_entry(violation: Violation, line: str, entry: str) -> None:
    assert violation.render() == line
    assert violation.baseline_entry == entry


def test_report_sorts_by_path_then_line_number_not_text() -> None:
    report = Report(
        violations=(
            _violation(path="b.py", line=2),
            _violation(path="b.py", line=10),
            _violation(path="a.py", line=30),
            _violation(path="b.py", line=10, imported="stats.models"),
        ),
        files_checked=41,
    )
    assert report.render().splitlines() == [
        f"a.py:30: index.app imports stats.parse (services/stats) — rule 1: {RULE_1}",
        f"b.py:2: index.app imports stats.parse (services/stats) — rule 1: {RULE_1}",
        f"b.py:10: index.app imports stats.models (services/stats) — rule 1: {RULE_1}",
        f"b.py:10: index.app imports stats.parse (services/stats) — rule 1: {RULE_1}",
        "4 violations in 41 files checked.",
    ]
    assert report.exit_code == 1


@pytest.mark.parametrize(
    "report, rendered, exit_code",
    [
        (Report(violations=(), files_checked=0), "0 violations in 0 files checked.\n", 0),
        (Report(violations=(), files_checked=1), "0 violations in 1 file checked.\n", 0),
        (
            Report(violations=(_violation(),), files_checked=2),
            f"services/index/src/index/app.py:12: index.app imports stats.parse "
            f"(services/stats) — rule 1: {RULE_1}\n1 violation in 2 files checked.\n",
            1,
        ),
        (
            Report(
                violations=(),
                files_checked=3,
                accepted=2,
                baseline_path="baseline.txt",
                notes=("z note", "a note"),
            ),
            "note: a note\nnote: z note\n"
            "0 violations in 3 files checked (2 more accepted by baseline.txt).\n",
            0,
        ),
        (
            Report(
                violations=(_violation(path="z.py"),),
                files_checked=3,
                parse_failures=(ParseFailure("a.py", 4, "invalid syntax (oops)"),),
            ),
            "a.py:4: cannot check imports: invalid syntax (oops)\n"
            f"z.py:12: index.app imports stats.parse (services/stats) — rule 1: {RULE_1}\n"
            "1 violation in 3 files checked; 1 file could not be parsed.\n",
            1,
        ),
        (
            Report(
                violations=(),
                files_checked=3,
                parse_failures=(ParseFailure("a.py", 4, "x"), ParseFailure("b.py", 1, "y")),
            ),
            "a.py:4: cannot check imports: x\nb.py:1: cannot check imports: y\n"
            "0 violations in 3 files checked; 2 files could not be parsed.\n",
            1,
        ),
    ],
)
def test_report(report: Report, rendered: str, exit_code: int) -> None:
    assert report.render() == rendered
    assert report.exit_code == exit_code


def test_cycles_and_stale_entries_are_sorted_with_violations_counted_and_fail() -> None:
    edge = ProjectEdge("libs/a/x.py", 3, "a.x", EdgeKind.PYTHON_IMPORT, "b.y", "libs/a", "libs/b")
    back = ProjectEdge("libs/b/y.py", 5, "b.y", EdgeKind.PYTHON_IMPORT, "a.z", "libs/b", "libs/a")
    cycle = ProjectCycle(edges=(edge, back), group=("libs/a", "libs/b"))
    stale = StaleEntry("bl.txt", BaselineEntry(7, "gone.py: g imports stats.parse"))
    report = Report(
        violations=(_violation(path="z.py"),),
        files_checked=4,
        accepted=1,
        baseline_path="bl.txt",
        cycles=(cycle,),
        stale=(stale, StaleEntry("bl.txt", BaselineEntry(2, "project cycle: a, b"))),
    )
    assert report.render().splitlines() == [
        "bl.txt:2: stale baseline entry, no longer found: project cycle: a, b — delete the line, "
        "or regenerate the baseline with ./pants import-rules-baseline ::",
        "bl.txt:7: stale baseline entry, no longer found: gone.py: g imports stats.parse — "
        "delete the line, or regenerate the baseline with ./pants import-rules-baseline ::",
        "libs/a/x.py:3: a.x imports b.y (libs/b) — project cycle: libs/a -> libs/b -> libs/a, "
        "back via libs/b/y.py:5: b.y imports a.z (libs/a)",
        f"z.py:12: index.app imports stats.parse (services/stats) — rule 1: {RULE_1}",
        "1 violation in 4 files checked (1 more accepted by bl.txt); 1 project cycle; "
        "2 stale baseline entries.",
    ]
    assert report.exit_code == 1


@pytest.mark.parametrize(
    "report",
    [
        Report(violations=(), files_checked=1, cycles=(object(),)),  # type: ignore[arg-type]
        Report(violations=(), files_checked=1, stale=(object(),)),  # type: ignore[arg-type]
    ],
)
def test_a_cycle_or_a_stale_entry_alone_fails(report: Report) -> None:
    assert report.exit_code == 1


@pytest.mark.parametrize(
    "count, noun, text",
    [(0, "file", "0 files"), (1, "file", "1 file"), (2, "violation", "2 violations")],
)
def test_pluralize(count: int, noun: str, text: str) -> None:
    assert pluralize(count, noun) == text
