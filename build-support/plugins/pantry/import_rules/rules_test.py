"""The glue end to end: a tiny repository, the real checker PEX (grimp from the lock).

Slow the first time: it builds the tool's PEX (later runs hit Pants' process cache).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping

import pytest
from pantry.import_rules import register
from pantry.import_rules.goals.baseline import (
    ImportRulesBaseline,
    ImportRulesBaselineSubsystem,
    NoTargetsError,
)
from pantry.import_rules.rules import ImportRulesFieldSet, ImportRulesRequest, ImportRulesScope
from pantry.modern_python import pip_version
from pants.backend.python import target_types_rules
from pants.backend.python.target_types import PythonSourcesGeneratorTarget, PythonSourceTarget
from pants.core.goals.lint import LintResult, Partitions
from pants.core.target_types import FilesGeneratorTarget, FileTarget, GenericTarget
from pants.core.target_types import rules as core_target_types_rules
from pants.core.util_rules import config_files, source_files
from pants.engine.rules import QueryRule
from pants.engine.target import AllTargets
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner, engine_error

# The repository's own files this test reads (see the BUILD file).
REPO_ROOT = Path(__file__).resolve().parents[4]
PANTS_TOML = REPO_ROOT / "pants.toml"
LOCKFILE = REPO_ROOT / "3rdparty/python/default.lock"

RULES = """\
[trees]
service = ["services/*"]
service-infra = ["services/*/infra"]
lib = ["libs/*"]

[[rules]]
id = 1
text = "nothing may import a service other than itself"
tree = "service"
may-be-imported-by = ["itself"]

[[rules]]
id = 6
text = "only the top-level infra/ may import a service's infra"
tree = "service-infra"
may-be-imported-by = ["itself"]

[[rules]]
id = 4
text = "everything may import libs"
tree = "lib"
may-be-imported-by = ["*"]
"""

CLEAN = {
    "build-support/import-rules.toml": RULES,
    "services/a/src/a/BUILD": "python_sources()\n",
    "services/a/src/a/__init__.py": "",
    "services/a/src/a/app.py": "from a import models\n",
    "services/a/src/a/models.py": "",
    "services/b/src/b/BUILD": "python_sources()\n",
    "services/b/src/b/__init__.py": "",
    "services/b/src/b/api.py": "",
    "services/b/infra/BUILD": 'files(name="infra", sources=["*.tf"])\n',
    "services/b/infra/main.tf": 'module "db" {\n  source = "./modules/db"\n}\n',
}

VIOLATIONS = {
    **CLEAN,
    "services/a/src/a/app.py": "from a import models\nfrom b import api\n",
    "services/a/BUILD": 'target(name="deploy", dependencies=["services/b/src/b"])\n',
    "services/a/infra/BUILD": 'files(name="infra", sources=["*.tf"])\n',
    "services/a/infra/main.tf": 'module "b" {\n  source = "../../b/infra"\n}\n',
}


def _pex_cli_options() -> list[str]:
    """The pex PEX the ./pants launcher built (Pants' default download is unreachable here).

    [pex-cli] pins it in pants.toml; the launcher keeps it in its cache (see
    build-support/launcher/bootstrap.py, `build_pex_pex`), which this test finds the same way.
    """
    pex_cli = PANTS_TOML.read_text().split("[pex-cli]", 1)[1]
    version = re.search(r'^version = "v([^"]+)"', pex_cli, re.MULTILINE)
    known = re.search(r"^known_versions = (\[.*?\])", pex_cli, re.MULTILINE | re.DOTALL)
    assert version and known, f"{PANTS_TOML} has no [pex-cli] version and known_versions"
    sha256 = re.search(r"\|([0-9a-f]{64})\|", known.group(1))
    assert sha256, f"{PANTS_TOML}: [pex-cli].known_versions has no sha256"
    cache = os.environ.get("PANTRY_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "pantry"
    )
    pex_pex = Path(cache, "pex", f"pex-{version.group(1)}-{sha256.group(1)[:16]}.pex")
    assert pex_pex.is_file(), f"{pex_pex} is missing: run ./pants once to bootstrap it"
    return [
        f"--pex-cli-version=v{version.group(1)}",
        f"--pex-cli-known-versions={known.group(1)}",
        f"--pex-cli-url-template=file://{pex_pex}",
    ]


def _options() -> list[str]:
    return [
        "--source-root-patterns=['/services/*/src', '/libs/*/src']",
        "--python-enable-resolves",
        "--python-resolves={'python-default': '3rdparty/python/default.lock'}",
        "--python-interpreter-constraints=['CPython==3.11.*']",
        "--python-bootstrap-search-path=['<PYENV>']",
        "--subprocess-environment-env-vars=['PIP_CONFIG_FILE=/dev/null']",
        "--import-rules-install-from-resolve=python-default",
        "--import-rules-requirements=['grimp', 'tomli']",
        *_pex_cli_options(),
    ]


ENV_INHERIT = {"PATH", "PYENV_ROOT", "HOME"}


@pytest.fixture
def rule_runner() -> RuleRunner:
    pip_version.raise_pip_version()  # As in the repository: pantry.modern_python.
    rule_runner = RuleRunner(
        rules=[
            *register.rules(),
            *source_files.rules(),
            *config_files.rules(),
            *target_types_rules.rules(),
            *core_target_types_rules(),
            QueryRule(AllTargets, []),
            QueryRule(Partitions, [ImportRulesRequest.PartitionRequest]),
            QueryRule(LintResult, [ImportRulesRequest.Batch]),
        ],
        target_types=[
            PythonSourcesGeneratorTarget,
            PythonSourceTarget,
            FilesGeneratorTarget,
            FileTarget,
            GenericTarget,
        ],
    )
    rule_runner.set_options(_options(), env_inherit=ENV_INHERIT)
    return rule_runner


def _lint(rule_runner: RuleRunner, files: Mapping[str, str], directory: str) -> LintResult:
    """Write `files` as the whole repository, and lint the targets under `directory` ("": all)."""
    rule_runner.write_files({**files, "3rdparty/python/default.lock": LOCKFILE.read_text()})
    field_sets = tuple(
        ImportRulesFieldSet.create(t)
        for t in rule_runner.request(AllTargets, [])
        if not directory or f"{t.address.spec_path}/".startswith(f"{directory}/")
    )
    (partition,) = rule_runner.request(
        Partitions, [ImportRulesRequest.PartitionRequest(field_sets)]
    )
    assert partition.elements == (ImportRulesScope(tuple(sorted(f.address for f in field_sets))),)
    return rule_runner.request(
        LintResult, [ImportRulesRequest.Batch("", partition.elements, partition.metadata)]
    )


def test_violations_of_every_kind(rule_runner: RuleRunner) -> None:
    result = _lint(rule_runner, VIOLATIONS, "services")
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout.splitlines() == [
        "services/a/BUILD:1: services/a:deploy depends on services/b/src/b (services/b) — rule 1: "
        "nothing may import a service other than itself",
        "services/a/infra/main.tf:2: module.b sources services/b/infra (services/b) — rule 6: "
        "only the top-level infra/ may import a service's infra",
        "services/a/src/a/app.py:2: a.app imports b.api (services/b) — rule 1: nothing may "
        "import a service other than itself",
        "3 violations in 8 files checked.",
    ]


def test_clean(rule_runner: RuleRunner) -> None:
    result = _lint(rule_runner, CLEAN, "services")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "0 violations in 6 files checked.\n",
        "",
    )


def test_only_the_given_targets_are_checked(rule_runner: RuleRunner) -> None:
    """services/a's files are context (they resolve imports) but are not checked."""
    result = _lint(rule_runner, VIOLATIONS, "services/b")
    assert (result.exit_code, result.stdout) == (0, "0 violations in 3 files checked.\n")


def test_malformed_rules_file_is_one_line(rule_runner: RuleRunner) -> None:
    files = {**CLEAN, "build-support/import-rules.toml": RULES.replace('"itself"]', '"self"]', 1)}
    result = _lint(rule_runner, files, "services")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: build-support/import-rules.toml: rules[1].may-be-imported-by[1]: expected one "
        "of: 'itself', '*', 'service', 'service-infra', 'lib', got 'self'.\n"
    )


BASELINE = "build-support/import-rules-baseline.txt"
STALE_FIX = "delete the line, or regenerate the baseline with ./pants import-rules-baseline ::"


def test_stale_baseline_entries_fail(rule_runner: RuleRunner) -> None:
    files = {
        **VIOLATIONS,
        BASELINE: (
            "# accepted\n"
            "services/a/src/a/app.py: a.app imports b.api\n"
            "services/a/src/a/app.py: a.app imports b.gone\n"
            # A deleted file: judged only because every target is linted.
            "services/gone/src/gone/x.py: gone.x imports b.api\n"
        ),
    }
    result = _lint(rule_runner, files, "services")
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout.splitlines()[:2] == [
        f"{BASELINE}:3: stale baseline entry, no longer found: services/a/src/a/app.py: a.app "
        f"imports b.gone — {STALE_FIX}",
        f"{BASELINE}:4: stale baseline entry, no longer found: services/gone/src/gone/x.py: "
        f"gone.x imports b.api — {STALE_FIX}",
    ]
    assert result.stdout.splitlines()[-1] == (
        f"2 violations in 8 files checked (1 more accepted by {BASELINE}); "
        "2 stale baseline entries."
    )
    # The command the message names is this backend's goal.
    assert f"./pants {ImportRulesBaselineSubsystem.name} ::" in STALE_FIX


def test_linting_some_targets_judges_only_their_entries(rule_runner: RuleRunner) -> None:
    """services/a's entry cannot be judged when only services/b is linted."""
    files = {**VIOLATIONS, BASELINE: "services/a/src/a/app.py: a.app imports b.gone\n"}
    result = _lint(rule_runner, files, "services/b")
    assert (result.exit_code, result.stdout) == (0, "0 violations in 3 files checked.\n")


def test_projects_importing_each_other_are_a_cycle_even_where_allowed(
    rule_runner: RuleRunner,
) -> None:
    files = {
        **CLEAN,
        "libs/x/src/x/BUILD": "python_sources()\n",
        "libs/x/src/x/__init__.py": "",
        "libs/x/src/x/core.py": "import os\n\nfrom y import util\n",
        "libs/y/src/y/BUILD": "python_sources()\n",
        "libs/y/src/y/__init__.py": "",
        "libs/y/src/y/util.py": "from x.core import helper\n",
    }
    result = _lint(rule_runner, files, "")
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout.splitlines() == [
        "libs/x/src/x/core.py:3: x.core imports y.util (libs/y) — project cycle: libs/x -> "
        "libs/y -> libs/x, back via libs/y/src/y/util.py:1: y.util imports x.core (libs/x)",
        "0 violations in 10 files checked; 1 project cycle.",
    ]


def _write_baseline(rule_runner: RuleRunner, *specs: str) -> GoalRuleResult:
    return rule_runner.run_goal_rule(
        ImportRulesBaseline, global_args=_options(), args=specs, env_inherit=ENV_INHERIT
    )


def test_the_goal_writes_the_baseline_into_the_workspace(rule_runner: RuleRunner) -> None:
    files = {**VIOLATIONS, BASELINE: "services/a/src/a/app.py: a.app imports b.gone\n"}
    assert _lint(rule_runner, files, "services").exit_code == 1

    result = _write_baseline(rule_runner, "::")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        f"Wrote 3 baseline entries to {BASELINE}.\n",
        "",
    )
    written = Path(rule_runner.build_root, BASELINE).read_text()
    assert written.splitlines()[-3:] == [
        "services/a/BUILD: services/a:deploy depends on services/b/src/b",
        "services/a/infra/main.tf: module.b sources services/b/infra",
        "services/a/src/a/app.py: a.app imports b.api",
    ]
    assert "b.gone" not in written

    # `_lint` rewrites the files, so put the written baseline back.
    lint = _lint(rule_runner, {**VIOLATIONS, BASELINE: written}, "services")
    assert (lint.exit_code, lint.stdout) == (
        0,
        f"0 violations in 8 files checked (3 more accepted by {BASELINE}).\n",
    )


def test_the_goal_writes_nothing_without_targets(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({**VIOLATIONS, BASELINE: "kept\n"})
    with engine_error(
        NoTargetsError,
        contains=f"No targets given, so {BASELINE} was not written. To regenerate all of it: "
        "./pants import-rules-baseline ::",
    ):
        _write_baseline(rule_runner)
    assert Path(rule_runner.build_root, BASELINE).read_text() == "kept\n"
