"""End-to-end: the checker on the fixture monorepo of `conftest.py`."""

from __future__ import annotations

import io
import json
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable, Mapping

import pytest
from pantry.import_rules.checker import check as check_module
from pantry.import_rules.checker.grimp_imports import GrimpImports, scan_with_grimp
from pantry.import_rules.checker.main import main

R1 = "rule 1: nothing may import a service other than itself"
R5 = (
    "rule 5: only services and internal libs may import internal libs "
    "(published code cannot depend on unpublished code)"
)
APP = "services/index/src/index/app.py"

R2 = "rule 2: nothing may import the top-level infra/"
R6 = "rule 6: only the top-level infra/ may import a service's infra"
STATS = "(services/stats)"
FLAGS = "(libs/internal/flags)"
INDEX = "(services/index)"

# infra/ may source services/index/infra, whose project imports services/stats, whose infra
# sources infra/modules: each edge but the first is a violation, and together a cycle.
CYCLE = (
    "infra/main.tf:2: module.index sources services/index/infra (services/index) — project "
    "cycle: infra -> services/index -> services/stats -> infra, back via services/index/BUILD:4: "
    "services/index:tests depends on //services/stats/src/stats:lib (services/stats), "
    "services/stats/infra/main.tf:2: module.dns sources infra/modules/dns (infra)"
)

# The shared lib names depends on the internal lib flags (rule 5), which imports names.
LIB_CYCLE = (
    "libs/internal/flags/src/flags/core.py:1: flags.core imports names.norm (libs/shared/names) "
    "— project cycle: libs/internal/flags -> libs/shared/names -> libs/internal/flags, back via "
    "libs/shared/names/BUILD:2: libs/shared/names:names depends on libs/internal/flags/src/flags "
    f"{FLAGS}"
)

ENGINE_FREE = (
    "rule engine-free: a pure plugin module may not import Pants; engine glue goes in "
    "register.py, rules.py, subsystem.py, target_types.py, goal.py, goals/ or util_rules/"
)

EXPECTED = [
    "build-support/plugins/pantry/toy/logic.py:5: pantry.toy.logic imports pants.engine.fs "
    f"(not first-party) — {ENGINE_FREE}",
    f"build-support/plugins/toolbox/peek.py:1: toolbox.peek imports index.app (services/index) "
    f"— {R1}",
    CYCLE,
    LIB_CYCLE,
    "libs/shared/names/BUILD:2: libs/shared/names:names depends on libs/internal/flags/src/flags "
    f"{FLAGS} — {R5}",
    f"libs/shared/names/src/names/norm.py:4: names.norm imports flags.core {FLAGS} — {R5}",
    "services/index/BUILD:4: services/index:tests depends on //services/stats/src/stats:lib "
    f"{STATS} — {R1}",
    f"services/index/infra/main.tf:7: module.stats_db sources services/stats/infra {STATS} — {R6}",
    f"{APP}:8: index.app imports stats.parse {STATS} — {R1}",
    f"{APP}:9: index.app imports stats.models {STATS} — {R1}",
    f"{APP}:10: index.app imports stats.parse {STATS} — {R1}",
    f"{APP}:11: index.app imports stats.parse {STATS} — {R1}",
    f"{APP}:22: index.app imports stats.models {STATS} — {R1}",
    f"{APP}:26: index.app imports stats {STATS} — {R1}",
    f"{APP}:27: index.app imports stats.parse {STATS} — {R1}",
    f"{APP}:30: index.app imports stats.models {STATS} — {R1}",
    f"services/index/tests/test_app.py:3: test_app imports stats.parse {STATS} — {R1}",
    f"services/stats/infra/main.tf:2: module.dns sources infra/modules/dns (infra) — {R2}",
    # 21 checked Python files (one is context only), 2 BUILD files, 3 Terraform files.
    "16 violations in 26 files checked; 2 project cycles.",
]


def _run(repo: Any, **overrides: Any) -> tuple[int, list[str], str]:
    request = repo.write_request(**overrides)
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main([str(request), "--build-root", str(repo.root)], stdout=stdout, stderr=stderr)
    return code, stdout.getvalue().splitlines(), stderr.getvalue()


@pytest.fixture(params=["grimp", "ast"])
def engine(request: Any, monkeypatch: pytest.MonkeyPatch) -> Mapping[str, GrimpImports]:
    """Run each end-to-end test twice: static imports from grimp, and from ast alone."""
    scans: dict[str, GrimpImports] = {}

    def spy(packages: Mapping[str, Any]) -> GrimpImports:
        scans["result"] = scan_with_grimp(packages)
        return scans["result"]

    def no_grimp(packages: Mapping[str, Any]) -> GrimpImports:
        return GrimpImports()

    monkeypatch.setattr(
        check_module, "scan_with_grimp", spy if request.param == "grimp" else no_grimp
    )
    scans["engine"] = request.param
    return scans


def test_every_violation_of_the_fixture_repo(fixture_repo: Any, engine: Mapping[str, Any]) -> None:
    code, lines, stderr = _run(fixture_repo)
    assert (code, stderr) == (1, "")
    assert lines == EXPECTED
    if engine["engine"] == "grimp":
        # The grimp run really used grimp for the packages (and ast for loose modules).
        scan = engine["result"]
        assert scan.failure is None
        assert scan.scanned("index.app") and scan.scanned("names.norm")
        assert not scan.scanned("test_app")
        # This test runs inside our own `pantry`, so grimp leaves the fixture's to ast.
        assert scan.skipped == {"pantry": "already imported by the checker's process"}


def test_baseline_accepts_and_fails_on_stale_entries(fixture_repo: Any, engine: Any) -> None:
    baseline = "build-support/import-rules-baseline.txt"
    code, lines, _ = _run(fixture_repo, write_baseline=baseline)
    # 16 violations, but the 8 in app.py are 3 entries (one per imported module); 2 cycles.
    assert (code, lines) == (0, [f"Wrote 13 baseline entries to {baseline}."])
    written = (fixture_repo.root / baseline).read_text()
    assert "services/index/src/index/app.py: index.app imports stats.parse\n" in written
    assert "project cycle: infra, services/index, services/stats\n" in written

    code, lines, _ = _run(fixture_repo)
    assert (code, lines) == (
        0,
        [f"0 violations in 26 files checked (18 more accepted by {baseline})."],
    )

    # The plugin imports another service instead: one new violation, one stale entry.
    peek = fixture_repo.root / "build-support/plugins/toolbox/peek.py"
    peek.write_text("import stats\n")
    code, lines, _ = _run(fixture_repo)
    stale_line = (
        written.splitlines().index(
            "build-support/plugins/toolbox/peek.py: toolbox.peek imports index.app"
        )
        + 1
    )
    assert (code, lines) == (
        1,
        [
            f"{baseline}:{stale_line}: stale baseline entry, no longer found: "
            "build-support/plugins/toolbox/peek.py: toolbox.peek imports index.app — delete "
            "the line, or regenerate the baseline with ./pants import-rules-baseline ::",
            f"build-support/plugins/toolbox/peek.py:1: toolbox.peek imports stats {STATS} — {R1}",
            f"1 violation in 26 files checked (17 more accepted by {baseline}); "
            "1 stale baseline entry.",
        ],
    )

    # Paid down: the stale entry alone still fails, so the baseline can only shrink.
    peek.write_text("import names\n")
    code, lines, _ = _run(fixture_repo)
    assert code == 1
    assert lines[-1] == (
        f"0 violations in 26 files checked (17 more accepted by {baseline}); "
        "1 stale baseline entry."
    )

    # Regenerating drops it.
    code, lines, _ = _run(fixture_repo, write_baseline=baseline)
    assert (code, lines) == (0, [f"Wrote 12 baseline entries to {baseline}."])
    assert "peek" not in (fixture_repo.root / baseline).read_text()
    code, lines, _ = _run(fixture_repo)
    assert (code, lines) == (
        0,
        [f"0 violations in 26 files checked (17 more accepted by {baseline})."],
    )


def test_partial_runs_judge_only_the_entries_of_the_files_they_check(
    fixture_repo: Any, engine: Any
) -> None:
    """Linting some targets must not call the baseline entries of the others stale, nor
    drop them when the baseline is regenerated; a whole-repository run judges all."""
    baseline = fixture_repo.root / "build-support/import-rules-baseline.txt"
    gone = "services/gone/src/gone/app.py: gone.app imports stats.parse"
    cycle = "project cycle: libs/internal/x, libs/internal/y"
    baseline.write_text(f"{gone}\n{cycle}\n")
    only_peek = [
        {**f, "check": f["path"] == "build-support/plugins/toolbox/peek.py"}
        for f in fixture_repo.request["python_files"]
    ]
    partial: dict[str, Any] = dict(
        python_files=only_peek, build_dependencies=[], terraform_files=[]
    )
    code, lines, _ = _run(fixture_repo, **partial)
    assert (code, lines) == (1, [EXPECTED[1], "1 violation in 1 file checked."])

    code, lines, _ = _run(
        fixture_repo, **partial, write_baseline="build-support/import-rules-baseline.txt"
    )
    assert (code, lines) == (
        0,
        [
            "Wrote 3 baseline entries to build-support/import-rules-baseline.txt (2 kept as "
            "they were: about files this run did not check)."
        ],
    )
    assert baseline.read_text().splitlines()[-3:] == [
        "build-support/plugins/toolbox/peek.py: toolbox.peek imports index.app",
        cycle,
        gone,
    ]

    code, lines, _ = _run(fixture_repo, **partial, whole_repository=True)
    header = len(baseline.read_text().splitlines()) - 3
    stale = "stale baseline entry, no longer found"
    fix = "delete the line, or regenerate the baseline with ./pants import-rules-baseline ::"
    assert (code, lines) == (
        1,
        [
            f"build-support/import-rules-baseline.txt:{header + 2}: {stale}: {cycle} — {fix}",
            f"build-support/import-rules-baseline.txt:{header + 3}: {stale}: {gone} — {fix}",
            "0 violations in 1 file checked (1 more accepted by "
            "build-support/import-rules-baseline.txt); 2 stale baseline entries.",
        ],
    )


def test_without_a_baseline_file(fixture_repo: Any, engine: Any) -> None:
    code, lines, _ = _run(fixture_repo, baseline_file=None)
    assert (code, lines) == (1, EXPECTED)


def test_string_imports_are_optional(fixture_repo: Any, engine: Any) -> None:
    (fixture_repo.root / "libs/shared/names/src/names/registry.py").write_text(
        'PLUGINS = ["stats.parse.Parser", "flags.core", "not.a.module"]\n'
    )
    python_files = [
        *fixture_repo.request["python_files"],
        {"path": "libs/shared/names/src/names/registry.py", "source_root": "libs/shared/names/src"},
    ]
    code, lines, _ = _run(fixture_repo, python_files=python_files)
    assert lines[-1] == "16 violations in 27 files checked; 2 project cycles."

    code, lines, _ = _run(fixture_repo, python_files=python_files, string_imports_min_dots=1)
    registry_py = "libs/shared/names/src/names/registry.py"
    registry = [line for line in lines if line.startswith(registry_py)]
    assert registry == [
        f"{registry_py}:1: names.registry imports flags.core {FLAGS} — {R5}",
        f"{registry_py}:1: names.registry imports stats.parse {STATS} — {R1}",
    ]
    # The two cycles are now one tangle: names reaches stats, stats' infra infra/, infra/
    # services/index, and services/index both libraries.
    assert lines[-1] == "18 violations in 27 files checked; 1 project cycle."
    assert [line for line in lines if " — project cycle" in line] == [
        f"{CYCLE} (one tangle of 5 projects: infra, libs/internal/flags, libs/shared/names, "
        "services/index, services/stats)"
    ]


def test_unparsable_files_fail_the_run_and_the_rest_is_still_checked(
    fixture_repo: Any, engine: Any
) -> None:
    (fixture_repo.root / "libs/shared/names/src/names/__init__.py").write_text("def broken(:\n")
    code, lines, _ = _run(fixture_repo)
    version = ".".join(map(str, sys.version_info[:2]))
    # norm.py is in the same package: grimp cannot scan it, so ast does.
    assert (code, lines) == (
        1,
        [
            *EXPECTED[:5],
            "libs/shared/names/src/names/__init__.py:1: cannot check imports: invalid syntax "
            f"(as parsed by Python {version})",
            *EXPECTED[5:-1],
            "16 violations in 26 files checked; 2 project cycles; 1 file could not be parsed.",
        ],
    )


def _repo(tmp_path: Path, files: Mapping[str, str]) -> Callable[..., tuple[int, list[str], str]]:
    for path, content in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(textwrap.dedent(content))

    def run(**request: Any) -> tuple[int, list[str], str]:
        path = tmp_path / "request.json"
        path.write_text(json.dumps({"version": 1, "rules_file": "rules.toml", **request}))
        stdout, stderr = io.StringIO(), io.StringIO()
        code = main([str(path), "--build-root", str(tmp_path)], stdout=stdout, stderr=stderr)
        return code, stdout.getvalue().splitlines(), stderr.getvalue()

    return run


CORE_RULES = """
[trees]
core = ["proj/src/app/core"]

[[rules]]
id = "c"
text = "only core may import core"
tree = "core"
may-be-imported-by = ["itself"]
"""


def test_relative_imports_are_checked(tmp_path: Path, engine: Any) -> None:
    """A boundary inside one package, so relative imports can cross it."""
    run = _repo(
        tmp_path,
        {
            "rules.toml": CORE_RULES,
            "proj/src/app/__init__.py": "",
            "proj/src/app/core/__init__.py": "",
            "proj/src/app/core/engine.py": "from . import engine\nfrom .. import ui\n",
            "proj/src/app/ui/__init__.py": "",
            "proj/src/app/ui/view.py": """\
                from typing import TYPE_CHECKING
                from ..core import engine
                from ..core.engine import run
                def later():
                    from .. import core
                if TYPE_CHECKING:
                    from ..core import engine as e
                """,
        },
    )
    files = [
        {"path": p, "source_root": "proj/src"}
        for p in (
            "proj/src/app/__init__.py",
            "proj/src/app/core/__init__.py",
            "proj/src/app/core/engine.py",
            "proj/src/app/ui/__init__.py",
            "proj/src/app/ui/view.py",
        )
    ]
    code, lines, stderr = run(python_files=files)
    rule = "(proj/src/app/core) — rule c: only core may import core"
    assert (code, stderr) == (1, "")
    assert lines == [
        f"proj/src/app/ui/view.py:2: app.ui.view imports app.core.engine {rule}",
        f"proj/src/app/ui/view.py:3: app.ui.view imports app.core.engine {rule}",
        f"proj/src/app/ui/view.py:5: app.ui.view imports app.core {rule}",
        f"proj/src/app/ui/view.py:7: app.ui.view imports app.core.engine {rule}",
        "4 violations in 5 files checked.",
    ]


def test_imports_of_packages_grimp_skips_keep_their_full_names(tmp_path: Path, engine: Any) -> None:
    """`stats` is a namespace package (no __init__.py): grimp cannot scan it and sees
    `import stats.parse` from a package it does scan as just `stats`."""
    run = _repo(
        tmp_path,
        {
            "rules.toml": SERVICE_RULES,
            "services/index/src/index/__init__.py": "",
            "services/index/src/index/app.py": "import stats.parse\nfrom stats import models\n",
            "services/stats/src/stats/parse.py": "from index import app\n",
            "services/stats/src/stats/models.py": "",
        },
    )
    files = [
        {"path": f"services/{p}", "source_root": f"services/{p.split('/')[0]}/src"}
        for p in (
            "index/src/index/__init__.py",
            "index/src/index/app.py",
            "stats/src/stats/parse.py",
            "stats/src/stats/models.py",
        )
    ]
    code, lines, _ = run(python_files=files)
    assert lines == [
        f"{APP}:1: index.app imports stats.parse {STATS} — project cycle: services/index -> "
        "services/stats -> services/index, back via services/stats/src/stats/parse.py:1: "
        f"stats.parse imports index.app {INDEX}",
        f"{APP}:1: index.app imports stats.parse {STATS} — {R1}",
        f"{APP}:2: index.app imports stats.models {STATS} — {R1}",
        f"services/stats/src/stats/parse.py:1: stats.parse imports index.app {INDEX} — {R1}",
        "3 violations in 4 files checked; 1 project cycle.",
    ]
    if engine["engine"] == "grimp":
        assert engine["result"].scanned("index.app")
        assert engine["result"].skipped == {"stats": "not a regular package (no __init__.py)"}


SERVICE_RULES = """
[trees]
service = ["services/*"]

[[rules]]
id = 1
text = "nothing may import a service other than itself"
tree = "service"
may-be-imported-by = ["itself"]
"""


def test_build_dependency_lines_are_found_when_not_given(tmp_path: Path) -> None:
    run = _repo(
        tmp_path,
        {
            "rules.toml": CORE_RULES,
            "proj/src/app/BUILD": """\
                python_sources(
                    dependencies=["proj/src/app/core:lib"],
                )
                """,
        },
    )
    dependency = {"build_file": "proj/src/app/BUILD", "target": "proj/src/app:app"}
    code, lines, _ = run(
        build_dependencies=[
            {**dependency, "dependency": "proj/src/app/core:lib"},
            {**dependency, "dependency": "//proj/src/app/core", "line": 9},
            {**dependency, "dependency": "proj/src/app/core/x.py"},
            {**dependency, "build_file": "gone/BUILD", "dependency": "proj/src/app/core:lib"},
        ]
    )
    rule = "(proj/src/app/core) — rule c: only core may import core"
    assert lines == [
        f"gone/BUILD:1: proj/src/app:app depends on proj/src/app/core:lib {rule}",
        f"proj/src/app/BUILD:1: proj/src/app:app depends on proj/src/app/core/x.py {rule}",
        f"proj/src/app/BUILD:2: proj/src/app:app depends on proj/src/app/core:lib {rule}",
        f"proj/src/app/BUILD:9: proj/src/app:app depends on //proj/src/app/core {rule}",
        "4 violations in 2 files checked.",
    ]


@pytest.mark.parametrize(
    "request_overrides, error",
    [
        (
            {"python_files": [{"path": "proj/src/gone.py", "source_root": "proj/src"}]},
            "python_files[1].path: expected a readable file under the build root {root!r}, "
            "got 'proj/src/gone.py' (No such file or directory).",
        ),
        (
            {"terraform_files": ["infra/gone.tf"]},
            "terraform_files[1]: expected a readable file under the build root {root!r}, "
            "got 'infra/gone.tf' (No such file or directory).",
        ),
        (
            {"rules_file": "nope.toml"},
            "nope.toml: expected a readable file, got 'No such file or directory'.",
        ),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(
    tmp_path: Path, request_overrides: Mapping[str, Any], error: str
) -> None:
    run = _repo(tmp_path, {"rules.toml": CORE_RULES})
    code, lines, stderr = run(**request_overrides)
    request_path = tmp_path / "request.json"
    prefix = "" if "rules_file" in request_overrides else f"{request_path}: "
    assert (code, lines) == (2, [])
    assert stderr == f"error: {prefix}{error.format(root=str(tmp_path))}\n"


def test_invalid_rules_file_is_one_error_line_and_exit_2(tmp_path: Path) -> None:
    run = _repo(tmp_path, {"rules.toml": CORE_RULES.replace('"itself"', '"themselves"')})
    code, lines, stderr = run()
    assert (code, lines) == (2, [])
    assert stderr == (
        "error: rules.toml: rules[1].may-be-imported-by[1]: expected one of: 'itself', '*', "
        "'core', got 'themselves'.\n"
    )


@pytest.mark.parametrize(
    "source, string_imports, may",
    [
        (b"import os\nfrom stats import parse\n", True, False),  # grimp sees static imports
        (b"x = importlib.import_module(name)\n", False, True),
        (b"m = __import__('a')\n", False, True),
        (b"# -*- coding: latin-1 -*-\nx = 1\n", False, True),  # not searchable as UTF-8
        (b"#!/usr/bin/env python\n# vim: set fileencoding=latin-1 :\n", False, True),
        (b"\n\n# coding: latin-1 (too late to count)\n", False, False),
        (b'PLUGINS = ["stats.parse.Parser"]\n', True, True),
        (b'PLUGINS = ["stats.parse.Parser"]\n', False, False),  # string imports off
        (b"'''index.app: docs'''\n", True, True),  # may be: ast decides
        (b'x = "statsd.client"\n', True, False),  # another name
    ],
)
def test_which_files_grimp_scanned_still_need_ast(
    source: bytes, string_imports: bool, may: bool
) -> None:
    pattern = check_module._by_name_pattern(["index", "stats"]) if string_imports else None
    assert check_module._may_import_by_name(source, pattern) is may
