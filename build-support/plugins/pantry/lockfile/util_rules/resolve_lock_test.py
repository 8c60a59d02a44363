from __future__ import annotations

import pytest
from pantry.lockfile.conftest import (
    LOCK_PATH,
    OPTIONS,
    REQUIREMENTS_RULES,
    TARGET_TYPES,
    lock_text,
    write_repo,
)
from pantry.lockfile.lock_model import LockfileParseError
from pantry.lockfile.util_rules import resolve_lock
from pantry.lockfile.util_rules.resolve_lock import (
    DuplicateRequirementError,
    MissingLockfileError,
    ResolveFreshness,
    ResolveFreshnessRequest,
    ResolveLock,
    ResolveLockRequest,
    UnknownResolveError,
)
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner, engine_error


@pytest.fixture
def rule_runner() -> RuleRunner:
    return RuleRunner(
        rules=[
            *resolve_lock.rules(),
            *REQUIREMENTS_RULES,
            QueryRule(ResolveLock, [ResolveLockRequest]),
            QueryRule(ResolveFreshness, [ResolveFreshnessRequest]),
        ],
        target_types=TARGET_TYPES,
    )


def freshness(rule_runner: RuleRunner) -> ResolveFreshness:
    return rule_runner.request(ResolveFreshness, [ResolveFreshnessRequest(None, "[x].resolve")])


def test_read_resolve_lock_parses_projects(rule_runner: RuleRunner) -> None:
    write_repo(rule_runner)
    lock = rule_runner.request(ResolveLock, [ResolveLockRequest(None, "[x].resolve")])
    assert (lock.resolve, lock.path) == ("python-default", LOCK_PATH)
    assert {name: p.version for name, p in lock.projects.items()} == {
        "certifi": "2026.10.18",
        "idna": "3.10",
        "requests": "2.32.5",
    }


def test_unknown_resolve(rule_runner: RuleRunner) -> None:
    write_repo(rule_runner)
    with engine_error(
        UnknownResolveError,
        contains="[x].resolve is 'nope', which is not a resolve: `[python].resolves` defines "
        "'python-default'.",
    ):
        rule_runner.request(ResolveLock, [ResolveLockRequest("nope", "[x].resolve")])


def test_missing_lockfile(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"BUILD": ""})
    rule_runner.set_options(OPTIONS)
    with engine_error(
        MissingLockfileError,
        contains=f"The lockfile {LOCK_PATH} of the resolve `python-default` does not exist. "
        "Create it with `pants generate-lockfiles --resolve=python-default`.",
    ):
        rule_runner.request(ResolveLock, [ResolveLockRequest(None, "[x].resolve")])


def test_unparsable_lockfile(rule_runner: RuleRunner) -> None:
    write_repo(rule_runner, lock=lock_text().replace('"locked_resolves"', "locked_resolves"))
    with engine_error(LockfileParseError, contains=f"{LOCK_PATH}:24: not a pex lockfile"):
        rule_runner.request(ResolveLock, [ResolveLockRequest(None, "[x].resolve")])


def test_fresh_lock(rule_runner: RuleRunner) -> None:
    # Same requirements, spelled differently from the header: Pants' equality, not text.
    write_repo(rule_runner, requirements=["requests >= 2", "IDNA>=3"])
    assert not freshness(rule_runner).is_stale


def test_stale_lock_names_each_difference_and_origin(rule_runner: RuleRunner) -> None:
    # A change the locked idna 3.10 still satisfies: only the header can tell.
    write_repo(rule_runner, requirements=["idna>=3.1", "urllib3>=2"])
    result = freshness(rule_runner)
    assert result.is_stale
    assert result.message() == (
        f"{LOCK_PATH} is stale: the resolve `python-default` was locked from different inputs "
        "than are declared now.\n"
        "  - changed: `idna>=3.1` (3rdparty/python:reqs#idna); the lock has `idna>=3`\n"
        "  - removed: `requests>=2` is in the lock but declared nowhere\n"
        "  - added: `urllib3>=2` (3rdparty/python:reqs#urllib3); not in the lock\n"
        "Regenerate the lock (this resolves against the package index): "
        "pants generate-lockfiles --resolve=python-default\n"
        "then review the result with `pants lock-diff`."
    )


def test_stale_interpreter_constraints(rule_runner: RuleRunner) -> None:
    write_repo(rule_runner)
    rule_runner.set_options(
        [*OPTIONS, "--python-resolves-to-interpreter-constraints={'python-default': ['==3.11.*']}"]
    )
    assert "  - interpreter constraints: `CPython==3.11.*` now; the lock was made for " in (
        freshness(rule_runner).message()
    )


def test_lock_without_header(rule_runner: RuleRunner) -> None:
    write_repo(rule_runner, lock=lock_text().split("// --- END PANTS LOCKFILE METADATA ---")[1])
    with engine_error(LockfileParseError, contains="has no Pants metadata header"):
        freshness(rule_runner)


def test_project_declared_in_two_inputs(rule_runner: RuleRunner) -> None:
    write_repo(
        rule_runner,
        extra_files={
            "3rdparty/python/BUILD": (
                'python_requirements(name="reqs", source="reqs.txt")\n'
                'python_requirements(name="tools", source="tools.txt")\n'
            ),
            "3rdparty/python/tools.txt": "idna<3\n",
        },
    )
    result = freshness(rule_runner)
    assert result.duplicates and result.has_problems
    assert result.message().startswith(
        "The resolve `python-default` declares a project in more than one place:\n"
        "  - idna: `idna<3` (3rdparty/python:tools#idna), `idna>=3` (3rdparty/python:reqs#idna)\n"
        "Declare each project once"
    )
    with pytest.raises(DuplicateRequirementError, match="  - idna: `idna<3`"):
        result.raise_if_stale()
