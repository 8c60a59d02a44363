from __future__ import annotations

from pathlib import Path

import pytest
from pantry.lockfile.conftest import (
    LOCK_PATH,
    REQUIREMENTS_RULES,
    TARGET_TYPES,
    run_goal,
    write_repo,
)
from pantry.lockfile.goals import export_constraints
from pantry.lockfile.goals.export_constraints import ExportConstraintsGoal
from pantry.lockfile.util_rules import resolve_lock
from pantry.lockfile.util_rules.resolve_lock import StaleLockfileError
from pants.testutil.rule_runner import RuleRunner, engine_error

CONSTRAINTS = "3rdparty/python/constraints.txt"
EXPECTED = """\
#
# This file is generated from 3rdparty/python/default.lock (resolve `python-default`) in pip-tools'
# --generate-hashes format. Do not edit it by hand; to regenerate it, run:
#
#    pants export-constraints
#
certifi==2026.10.18 \\
    --hash=sha256:c1
idna==3.10 \\
    --hash=sha256:i1 \\
    --hash=sha256:i2
requests==2.32.5 \\
    --hash=sha256:r1
"""


@pytest.fixture
def rule_runner() -> RuleRunner:
    rule_runner = RuleRunner(
        rules=[
            *export_constraints.rules(),
            *resolve_lock.rules(),
            *REQUIREMENTS_RULES,
        ],
        target_types=TARGET_TYPES,
    )
    write_repo(rule_runner)
    return rule_runner


def constraints(rule_runner: RuleRunner) -> str:
    return Path(rule_runner.build_root, CONSTRAINTS).read_text()


def test_export_writes_file_beside_lock(rule_runner: RuleRunner) -> None:
    result = run_goal(rule_runner, ExportConstraintsGoal)
    assert result.exit_code == 0
    assert result.stderr == (
        f"Wrote {CONSTRAINTS}: 3 projects from {LOCK_PATH} (resolve `python-default`).\n"
    )
    assert constraints(rule_runner) == EXPECTED


def test_check_passes_when_current(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({CONSTRAINTS: EXPECTED})
    result = run_goal(rule_runner, ExportConstraintsGoal, "--check")
    assert (result.exit_code, result.stderr) == (
        0,
        f"{CONSTRAINTS} is up to date with {LOCK_PATH}.\n",
    )


@pytest.mark.parametrize(
    "current, problem",
    [
        (EXPECTED.replace("idna==3.10", "idna==3.9"), "is out of date with"),
        (None, "does not exist; it is generated from"),
    ],
)
def test_check_fails_when_stale_or_missing(
    rule_runner: RuleRunner, current: str | None, problem: str
) -> None:
    if current is not None:
        rule_runner.write_files({CONSTRAINTS: current})
    result = run_goal(rule_runner, ExportConstraintsGoal, "--check")
    assert result.exit_code == 1
    assert result.stderr == (
        f"{CONSTRAINTS} {problem} {LOCK_PATH} (resolve `python-default`). Regenerate it with "
        "`pants export-constraints` and commit the result.\n"
    )
    # --check writes nothing.
    assert (Path(rule_runner.build_root, CONSTRAINTS).exists()) == (current is not None)


def test_output_option_and_command_in_header(rule_runner: RuleRunner) -> None:
    result = run_goal(rule_runner, ExportConstraintsGoal, "--output=dist/c.txt")
    assert result.exit_code == 0
    text = Path(rule_runner.build_root, "dist/c.txt").read_text()
    assert "#    pants export-constraints --output=dist/c.txt\n" in text


def test_stale_lock_is_not_exported(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"3rdparty/python/reqs.txt": "idna>=3\nrequests>=2\nurllib3\n"})
    with engine_error(StaleLockfileError, contains="  - added: `urllib3`"):
        run_goal(rule_runner, ExportConstraintsGoal, "--check")
