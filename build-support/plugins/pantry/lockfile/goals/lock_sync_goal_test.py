"""`lock-sync` through the engine, against a stand-in for pex (the real one needs the index).

The stand-in is a real process with pex's contract: `lock create` locks each requirement it
is given at 1.0 into `--output`; `lock update` moves each `--replace-project` to 99.0 in the
lock named by its last argument. These tests run every Get of the goal's rule, which the
rule-graph check alone does not (a Get awaited outside the rule body fails only when run).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from pantry.lockfile.conftest import (
    INTERPRETER_CONSTRAINTS,
    LOCK_PATH,
    OPTIONS,
    REQUIREMENTS_RULES,
    TARGET_TYPES,
    run_goal,
    write_repo,
)
from pantry.lockfile.goals import lock_sync
from pantry.lockfile.goals.lock_sync import InterpreterConstraintsChangedError, LockSyncGoal
from pantry.lockfile.lock_model import split_header
from pantry.lockfile.util_rules import pex_lock_update, resolve_lock
from pants.backend.python.util_rules.pex_cli import PexCliProcess
from pants.engine.fs import EMPTY_DIGEST
from pants.engine.process import Process
from pants.engine.rules import rule
from pants.testutil.rule_runner import RuleRunner, engine_error

FAKE_PEX = """
import json, sys
args = sys.argv[1:]
valued = {"--pip-version", "--resolver-version", "--target-system", "--interpreter-constraint",
          "--manylinux"}
if args[:2] == ["lock", "create"]:
    output = next(a.split("=", 1)[1] for a in args if a.startswith("--output="))
    requirements, skip = [], False
    for arg in args[2:]:
        if skip:
            skip = False
        elif arg in valued:
            skip = True
        elif not arg.startswith("-"):
            requirements.append(arg)
    projects = [
        {"artifacts": [{"algorithm": "sha256", "hash": "n1", "url": "https://files.example/n.whl"}],
         "project_name": r.split(">")[0].split("=")[0], "requires_dists": [],
         "requires_python": ">=3.9", "version": "1.0"}
        for r in requirements
    ]
    lock = {"allow_builds": True, "pex_version": "2.19.1", "requirements": requirements,
            "style": "universal",
            "locked_resolves": [{"locked_requirements": projects, "platform_tag": None}]}
    json.dump(lock, open(output, "w"))
elif args[:2] == ["lock", "update"]:
    path = args[-1]
    lock = json.load(open(path))
    for arg in args:
        if arg.startswith("--replace-project="):
            name = arg.split("=", 1)[1].split(">")[0].split("<")[0]
            for project in lock["locked_resolves"][0]["locked_requirements"]:
                if project["project_name"] == name:
                    project["version"] = "99.0"
    json.dump(lock, open(path, "w"), indent=2, sort_keys=True)
else:
    sys.exit(f"unexpected pex command {args}")
"""


@rule
def fake_pex_cli(request: PexCliProcess) -> Process:
    return Process(
        argv=(sys.executable, "-c", FAKE_PEX, *request.subcommand, *request.extra_args),
        input_digest=request.additional_input_digest or EMPTY_DIGEST,
        output_files=request.output_files,
        description=request.description,
    )


@pytest.fixture
def rule_runner() -> RuleRunner:
    return RuleRunner(
        rules=[
            *lock_sync.rules(),
            *pex_lock_update.rules(),
            *resolve_lock.rules(),
            *REQUIREMENTS_RULES,
            fake_pex_cli,
        ],
        target_types=TARGET_TYPES,
    )


def lock_body(rule_runner: RuleRunner) -> dict:
    return json.loads(split_header(Path(rule_runner.build_root, LOCK_PATH).read_text())[1])


def versions(body: dict) -> dict[str, str]:
    return {
        p["project_name"]: p["version"] for p in body["locked_resolves"][0]["locked_requirements"]
    }


def test_an_added_requirement_is_locked_alone_and_merged(rule_runner: RuleRunner) -> None:
    write_repo(rule_runner, requirements=["idna>=3", "requests>=2", "newproj>=1"])
    result = run_goal(rule_runner, LockSyncGoal)
    assert result.exit_code == 0, result.stderr
    assert f"Wrote {LOCK_PATH} (add newproj>=1)." in result.stderr
    body = lock_body(rule_runner)
    assert versions(body) == {
        "certifi": "2026.10.18", "idna": "3.10", "requests": "2.32.5", "newproj": "1.0"
    }  # fmt: skip
    assert "newproj>=1" in body["requirements"]
    header = split_header(Path(rule_runner.build_root, LOCK_PATH).read_text())[0]
    assert '"newproj>=1"' in header  # the header describes the inputs declared now


def test_a_changed_requirement_goes_through_pex_lock_update(rule_runner: RuleRunner) -> None:
    write_repo(rule_runner, requirements=["idna>=3.5", "requests>=2"])
    result = run_goal(rule_runner, LockSyncGoal)
    assert result.exit_code == 0, result.stderr
    assert versions(lock_body(rule_runner))["idna"] == "99.0"
    assert "| idna " in result.stdout


def test_changed_interpreter_constraints_are_refused(rule_runner: RuleRunner) -> None:
    write_repo(rule_runner)
    before = Path(rule_runner.build_root, LOCK_PATH).read_text()
    options = [o.replace(INTERPRETER_CONSTRAINTS, "CPython>=3.10,<3.14") for o in OPTIONS]
    with engine_error(
        InterpreterConstraintsChangedError,
        contains=f"{LOCK_PATH} was locked for CPython<3.14,>=3.9, the resolve `python-default`"
        " now needs CPython<3.14,>=3.10 ([python].resolves_to_interpreter_constraints): that is"
        " a new resolve, not an update, so lock-sync changed nothing. Run `",
    ):
        rule_runner.run_goal_rule(LockSyncGoal, global_args=options, env_inherit={"PATH"})
    assert Path(rule_runner.build_root, LOCK_PATH).read_text() == before
