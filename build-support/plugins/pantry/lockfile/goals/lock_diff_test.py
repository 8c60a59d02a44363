from __future__ import annotations

import pytest
from pantry.lockfile.conftest import (
    LOCK_PATH,
    PROJECTS,
    REQUIREMENTS_RULES,
    TARGET_TYPES,
    git,
    lock_text,
    run_goal,
    write_repo,
)
from pantry.lockfile.goals import lock_diff
from pantry.lockfile.goals.lock_diff import LockDiffGoal
from pantry.lockfile.util_rules import resolve_lock
from pantry.vcs.git import GitError
from pants.testutil.rule_runner import RuleRunner, engine_error


@pytest.fixture
def rule_runner() -> RuleRunner:
    rule_runner = RuleRunner(
        rules=[
            *lock_diff.rules(),
            *resolve_lock.rules(),
            *REQUIREMENTS_RULES,
        ],
        target_types=TARGET_TYPES,
    )
    write_repo(rule_runner)
    git(rule_runner, "init", "-q")
    git(rule_runner, "add", ".")
    git(rule_runner, "commit", "-q", "-m", "base")
    return rule_runner


def test_lock_diff_against_merge_base(rule_runner: RuleRunner) -> None:
    base = git(rule_runner, "rev-parse", "HEAD")
    git(rule_runner, "checkout", "-q", "-b", "bump")
    certifi, idna, requests = PROJECTS
    rule_runner.write_files(
        {
            LOCK_PATH: lock_text(
                [
                    ("idna", "3.11", ("i3",), ()),
                    ("requests", "2.32.5", ("r1", "r2"), requests[3]),
                    ("urllib3", "2.6.3", ("u1",), ()),
                ]
            )
        }
    )
    result = run_goal(rule_runner, LockDiffGoal)
    assert result.exit_code == 0
    assert result.stdout == (
        f"Lockfile changes in resolve `python-default`: merge-base with main ({base[:10]}) -> "
        "working tree\n"
        "\n"
        "| change            | project  | from       | to    |\n"
        "|-------------------|----------|------------|-------|\n"
        "| upgraded          | idna     | 3.10       | 3.11  |\n"
        "| added             | urllib3  |            | 2.6.3 |\n"
        "| removed           | certifi  | 2026.10.18 |       |\n"
        "| artifacts changed | requests |            |       |\n"
        "\n"
        "4 projects changed: 1 upgraded, 1 added, 1 removed, 1 with changed artifacts.\n"
    )
    assert result.stderr == ""


def test_lock_diff_with_base_and_downgrade(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({LOCK_PATH: lock_text([("idna", "3.9", ("i0",), ()), *PROJECTS[::2]])})
    result = run_goal(rule_runner, LockDiffGoal, "--base=HEAD")
    assert "| downgraded | idna    | 3.10 | 3.9 |\n" in result.stdout
    assert result.stdout.startswith("Lockfile changes in resolve `python-default`: HEAD (")


def test_lock_diff_unchanged_and_stale_warning(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"3rdparty/python/reqs.txt": "idna>=3\nrequests>=2.1\n"})
    result = run_goal(rule_runner, LockDiffGoal)
    assert result.exit_code == 0
    assert result.stdout.endswith("-> working tree\n\nNo locked project changed.\n")
    assert result.stderr.startswith(
        f"\nWarning: {LOCK_PATH} is stale: the resolve `python-default` was locked from"
    )
    assert "  - changed: `requests>=2.1` (3rdparty/python:reqs#requests)" in result.stderr


def test_lock_diff_when_base_has_no_lock(rule_runner: RuleRunner) -> None:
    git(rule_runner, "rm", "-q", LOCK_PATH)
    git(rule_runner, "commit", "-q", "-m", "no lock yet")
    rule_runner.write_files({LOCK_PATH: lock_text()})
    result = run_goal(rule_runner, LockDiffGoal, "--base=HEAD")
    assert f", which has no {LOCK_PATH} -> working tree" in result.stdout
    assert "3 projects changed: 3 added.\n" in result.stdout


def test_lock_diff_bad_base(rule_runner: RuleRunner) -> None:
    with engine_error(
        GitError,
        contains="--base is 'no-such-ref', which is not a commit in the git repository at "
        f"{rule_runner.build_root}. Give a branch, tag or commit, e.g. `--base=origin/main` or "
        "`--base=HEAD~1`.",
    ):
        run_goal(rule_runner, LockDiffGoal, "--base=no-such-ref")


def test_lock_diff_without_main(rule_runner: RuleRunner) -> None:
    git(rule_runner, "branch", "-q", "-m", "main", "trunk")
    with engine_error(GitError, contains="Cannot find where this branch left main"):
        run_goal(rule_runner, LockDiffGoal)
