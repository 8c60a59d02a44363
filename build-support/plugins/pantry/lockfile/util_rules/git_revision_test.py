from __future__ import annotations

import pytest
from pantry.lockfile.conftest import git
from pantry.lockfile.util_rules import git_revision
from pantry.lockfile.util_rules.git_revision import (
    FileAtRevision,
    FileAtRevisionRequest,
    GitRevisionError,
)
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner, engine_error


@pytest.fixture
def rule_runner() -> RuleRunner:
    rule_runner = RuleRunner(
        rules=[*git_revision.rules(), QueryRule(FileAtRevision, [FileAtRevisionRequest])]
    )
    rule_runner.set_options([], env_inherit={"PATH"})
    git(rule_runner, "init", "-q")
    rule_runner.write_files({"a.txt": "one\n"})
    git(rule_runner, "add", "a.txt")
    git(rule_runner, "commit", "-q", "-m", "one")
    return rule_runner


def read(rule_runner: RuleRunner, path: str, revision: str | None) -> FileAtRevision:
    return rule_runner.request(FileAtRevision, [FileAtRevisionRequest(path, revision, "--base")])


def test_reads_file_at_named_revision(rule_runner: RuleRunner) -> None:
    first = git(rule_runner, "rev-parse", "HEAD")
    rule_runner.write_files({"a.txt": "two\n"})
    git(rule_runner, "commit", "-q", "-am", "two")
    result = read(rule_runner, "a.txt", "HEAD~1")
    assert result == FileAtRevision(label="HEAD~1", commit=first, content=b"one\n")


def test_default_is_merge_base_with_main(rule_runner: RuleRunner) -> None:
    base = git(rule_runner, "rev-parse", "HEAD")
    git(rule_runner, "checkout", "-q", "-b", "feature")
    rule_runner.write_files({"a.txt": "feature\n"})
    git(rule_runner, "commit", "-q", "-am", "feature")
    git(rule_runner, "checkout", "-q", "main")
    rule_runner.write_files({"a.txt": "main moved on\n"})
    git(rule_runner, "commit", "-q", "-am", "main")
    git(rule_runner, "checkout", "-q", "feature")
    result = read(rule_runner, "a.txt", None)
    assert result == FileAtRevision(label="merge-base with main", commit=base, content=b"one\n")


def test_file_missing_at_revision(rule_runner: RuleRunner) -> None:
    assert read(rule_runner, "new.txt", "HEAD").content is None


def test_bad_revision(rule_runner: RuleRunner) -> None:
    with engine_error(
        GitRevisionError,
        contains="--base is 'no-such-ref', which is not a commit in the git repository at "
        f"{rule_runner.build_root}. Give a branch, tag or commit, e.g. `--base=origin/main` or "
        "`--base=HEAD~1`.",
    ):
        read(rule_runner, "a.txt", "no-such-ref")


def test_no_main_branch(rule_runner: RuleRunner) -> None:
    git(rule_runner, "branch", "-q", "-m", "main", "trunk")
    with engine_error(GitRevisionError, contains="Cannot find where this branch left main"):
        read(rule_runner, "a.txt", None)
