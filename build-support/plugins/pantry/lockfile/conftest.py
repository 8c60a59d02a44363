"""A tiny repository with one resolve, for the goals' and util rules' RuleRunner tests.

`write_repo` writes requirement inputs, their BUILD target and a lockfile whose header is
made by Pants' own metadata code, so a fixture lock looks exactly like a generated one.
"""

from __future__ import annotations

import json
import subprocess
from typing import Iterable, Sequence

from pants.backend.python.macros import python_requirements
from pants.backend.python.macros.python_requirements import PythonRequirementsTargetGenerator
from pants.backend.python.pip_requirement import PipRequirement
from pants.backend.python.target_types import PythonRequirementTarget
from pants.backend.python.target_types_rules import rules as target_types_rules
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.lockfile_metadata import PythonLockfileMetadata
from pants.core.target_types import TargetGeneratorSourcesHelperTarget
from pants.engine.goal import Goal
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner

LOCK_PATH = "3rdparty/python/default.lock"
INTERPRETER_CONSTRAINTS = "CPython>=3.9,<3.14"
REQUIREMENTS = ("idna>=3", "requests>=2")
# (name, version, hashes, requires_dists)
PROJECTS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("certifi", "2026.10.18", ("c1",), ()),
    ("idna", "3.10", ("i1", "i2"), ()),
    ("requests", "2.32.5", ("r1",), ("certifi>=2017.4.17", "idna<4,>=2.5")),
)

# What a RuleRunner needs to read `python_requirements` targets.
TARGET_TYPES = [
    PythonRequirementsTargetGenerator,
    PythonRequirementTarget,
    TargetGeneratorSourcesHelperTarget,
]
REQUIREMENTS_RULES = [*target_types_rules(), *python_requirements.rules()]

OPTIONS = [
    "--python-enable-resolves",
    # The synthetic `_lockfiles` targets need the generate-lockfiles rules; not tested here.
    "--no-python-enable-lockfile-targets",
    "--python-default-resolve=python-default",
    f"--python-resolves={{'python-default': '{LOCK_PATH}'}}",
    "--python-resolves-to-interpreter-constraints="
    f"{{'python-default': ['{INTERPRETER_CONSTRAINTS}']}}",
    f"--python-interpreter-constraints=['{INTERPRETER_CONSTRAINTS}']",
]


def lock_text(
    projects: Iterable[tuple[str, str, Sequence[str], Sequence[str]]] = PROJECTS,
    requirements: Iterable[str] = REQUIREMENTS,
) -> str:
    body = {
        "allow_builds": True,
        "locked_resolves": [
            {
                "locked_requirements": [
                    {
                        "artifacts": [
                            {
                                "algorithm": "sha256",
                                "hash": digest,
                                "url": f"https://files.example/{name}-{version}-{digest}.whl",
                            }
                            for digest in hashes
                        ],
                        "project_name": name,
                        "requires_dists": list(requires),
                        "requires_python": ">=3.9",
                        "version": version,
                    }
                    for name, version, hashes, requires in projects
                ],
                "platform_tag": None,
            }
        ],
        "pex_version": "2.19.1",
        "requirements": list(requirements),
        "style": "universal",
    }
    metadata = PythonLockfileMetadata.new(
        valid_for_interpreter_constraints=InterpreterConstraints([INTERPRETER_CONSTRAINTS]),
        requirements={PipRequirement.parse(r) for r in requirements},
        manylinux="manylinux2014",
        requirement_constraints=set(),
        only_binary=set(),
        no_binary=set(),
    )
    return metadata.add_header_to_lockfile(
        (json.dumps(body, indent=2, sort_keys=True) + "\n").encode(),
        regenerate_command="./pants generate-lockfiles --resolve=python-default",
        delimeter="//",
    ).decode()


def write_repo(
    rule_runner: RuleRunner,
    *,
    requirements: Sequence[str] = REQUIREMENTS,
    lock: str | None = None,
    extra_files: dict[str, str] | None = None,
) -> None:
    rule_runner.write_files(
        {
            "3rdparty/python/BUILD": 'python_requirements(name="reqs", source="reqs.txt")\n',
            "3rdparty/python/reqs.txt": "".join(f"{r}\n" for r in requirements),
            LOCK_PATH: lock_text() if lock is None else lock,
            **(extra_files or {}),
        }
    )
    rule_runner.set_options(OPTIONS, env_inherit={"PATH"})


def run_goal(rule_runner: RuleRunner, goal: type[Goal], *args: str) -> GoalRuleResult:
    """`run_goal_rule` sets options anew: pass the repository's along."""
    return rule_runner.run_goal_rule(goal, global_args=OPTIONS, args=args, env_inherit={"PATH"})


def git(rule_runner: RuleRunner, *args: str) -> str:
    return subprocess.run(
        [
            "git",
            "-c",
            "user.name=Pantry Test",
            "-c",
            "user.email=test@pantry.invalid",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=rule_runner.build_root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def pytest_configure(config) -> None:
    # README "Tests that need the package index": the few tests that talk to the outside
    # index carry this marker (and their Pants target the `index` tag).
    config.addinivalue_line(
        "markers",
        "index: talks to the outside package index (deselect with -m 'not index'; "
        "skip the target with ./pants --tag=-index test ::)",
    )
