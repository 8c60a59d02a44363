"""`lock-upgrade` against a stand-in for `pex3 lock update` (the real one needs the index).

The stand-in is a real process with pex's contract: it reads the lock JSON named by the last
argument, "upgrades" each `--project` to version 99.0 with a new artifact, and writes the
file back; a project named `unresolvable` fails the way pex does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pantry.lockfile.conftest import (
    LOCK_PATH,
    REQUIREMENTS_RULES,
    TARGET_TYPES,
    lock_text,
    run_goal,
    write_repo,
)
from pantry.lockfile.goals import lock_upgrade
from pantry.lockfile.goals.lock_upgrade import (
    LockUpgradeGoal,
    NoProjectsError,
    UnknownProjectError,
)
from pantry.lockfile.lock_model import split_header
from pantry.lockfile.util_rules import pex_lock_update, resolve_lock
from pantry.lockfile.util_rules.resolve_lock import StaleLockfileError
from pantry.pants_patch import PantsPatchError
from pants.backend.python.util_rules.pex_cli import PexCliProcess
from pants.engine.fs import EMPTY_DIGEST
from pants.engine.process import Process
from pants.engine.rules import rule
from pants.testutil.rule_runner import RuleRunner, engine_error

FAKE_PEX_LOCK_UPDATE = """
import json, sys
args = sys.argv[1:]
assert args[:2] == ["lock", "update"], args
assert "--indent=2" in args and "--no-pypi" in args, args
path = args[-1]
lock = json.load(open(path))
for arg in args:
    if not arg.startswith("--project="):
        continue
    name = arg.split("=", 1)[1]
    if name == "unresolvable":
        sys.exit("Dependency on unresolvable not satisfied")
    for project in lock["locked_resolves"][0]["locked_requirements"]:
        if project["project_name"] == name:
            project["version"] = "99.0"
            project["artifacts"] = [
                {"algorithm": "sha256", "hash": "new", "url": "https://files.example/new.whl"}
            ]
json.dump(lock, open(path, "w"), indent=2, sort_keys=True)
open(path, "a").write("\\n")
"""


@rule
def fake_pex_cli(request: PexCliProcess) -> Process:
    return Process(
        argv=(
            sys.executable,
            "-c",
            FAKE_PEX_LOCK_UPDATE,
            *request.subcommand,
            *request.extra_args,
        ),
        input_digest=request.additional_input_digest or EMPTY_DIGEST,
        output_files=request.output_files,
        description=request.description,
    )


@pytest.fixture
def rule_runner() -> RuleRunner:
    rule_runner = RuleRunner(
        rules=[
            *lock_upgrade.rules(),
            *pex_lock_update.rules(),
            *resolve_lock.rules(),
            *REQUIREMENTS_RULES,
            fake_pex_cli,
        ],
        target_types=TARGET_TYPES,
    )
    write_repo(rule_runner, requirements=["idna>=3", "requests>=2", "unresolvable"])
    rule_runner.write_files(
        {
            LOCK_PATH: lock_text(
                [
                    ("idna", "3.10", ("i1",), ()),
                    ("requests", "2.32.5", ("r1",), ()),
                    ("unresolvable", "1.0", ("u1",), ()),
                ],
                requirements=["idna>=3", "requests>=2", "unresolvable"],
            )
        }
    )
    return rule_runner


def lock_on_disk(rule_runner: RuleRunner) -> str:
    return Path(rule_runner.build_root, LOCK_PATH).read_text()


def test_upgrade_rewrites_lock_keeping_header_and_prints_diff(rule_runner: RuleRunner) -> None:
    before = lock_on_disk(rule_runner)
    result = run_goal(rule_runner, LockUpgradeGoal, "--", "idna")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"Lockfile changes in resolve `python-default`: {LOCK_PATH} -> after lock-upgrade idna\n"
        "\n"
        "| change   | project | from | to   |\n"
        "|----------|---------|------|------|\n"
        "| upgraded | idna    | 3.10 | 99.0 |\n"
        "\n"
        "1 project changed: 1 upgraded.\n"
    )
    assert result.stderr == (
        f"\nWrote {LOCK_PATH}. Refresh the exported constraints with "
        "`pants export-constraints`.\n"
    )
    after = lock_on_disk(rule_runner)
    assert split_header(after)[0] == split_header(before)[0]
    assert '"version": "99.0"' in after and '"version": "2.32.5"' in after


def test_failed_upgrade_leaves_lock_alone(rule_runner: RuleRunner) -> None:
    before = lock_on_disk(rule_runner)
    result = run_goal(rule_runner, LockUpgradeGoal, "--", "unresolvable")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"pex could not upgrade unresolvable in {LOCK_PATH} (resolve `python-default`); the "
        "lockfile is unchanged. pex said:\n\nDependency on unresolvable not satisfied"
    )
    assert lock_on_disk(rule_runner) == before


def test_no_names(rule_runner: RuleRunner) -> None:
    with engine_error(
        NoProjectsError,
        contains="Name the projects to upgrade, e.g. `pants lock-upgrade -- black idna`.",
    ):
        run_goal(rule_runner, LockUpgradeGoal)


def test_unknown_names_are_refused_with_suggestions(rule_runner: RuleRunner) -> None:
    with engine_error(
        UnknownProjectError,
        contains=(
            "lock-upgrade upgrades projects the lock already pins:\n"
            f"  - 'idnaa': {LOCK_PATH} pins no project 'idnaa' (did you mean idna?)\n"
            "  - '>=2' is not a project name or requirement\n"
            "To add a new requirement, add it to a requirements file (3rdparty/python/*.txt) and "
            "run `pants generate-lockfiles`."
        ),
    ):
        run_goal(rule_runner, LockUpgradeGoal, "--", "idnaa", ">=2", "requests")


def test_stale_lock_is_not_upgraded(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"3rdparty/python/reqs.txt": "idna>=3.5\nrequests>=2\nunresolvable\n"})
    with engine_error(StaleLockfileError, contains="  - changed: `idna>=3.5`"):
        run_goal(rule_runner, LockUpgradeGoal, "--", "idna")


def test_the_passthrough_option_refuses_another_pants(monkeypatch: pytest.MonkeyPatch) -> None:
    from pants import version

    assert lock_upgrade._PassthroughStrListOption(help="h")._extra_kwargs["passthrough"] is True
    monkeypatch.setattr(version, "VERSION", "2.18.0")
    with pytest.raises(PantsPatchError, match=r"^pantry.lockfile's lock-upgrade \(sets "):
        lock_upgrade._PassthroughStrListOption(help="h")
