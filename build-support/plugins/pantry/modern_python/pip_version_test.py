from __future__ import annotations

import pytest
from pantry.modern_python import pip_version
from pants.backend.python.subsystems.setup import PythonSetup
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner


@pytest.fixture
def rule_runner() -> RuleRunner:
    pip_version.raise_pip_version()
    return RuleRunner(rules=[*PythonSetup.rules(), QueryRule(PythonSetup, [])])


def test_pants_hands_pex_the_raised_pip(rule_runner: RuleRunner) -> None:
    python_setup = rule_runner.request(PythonSetup, [])
    assert python_setup.pip_version.value == "24.2"


def test_raised_pip_supports_every_python_in_the_matrix() -> None:
    # pip 24.2 is the first pip that pex 2.19.1 ships which installs on CPython 3.13.
    major, minor = (int(part) for part in pip_version.PIP_VERSION.split(".")[:2])
    assert (major, minor) >= (24, 2)
