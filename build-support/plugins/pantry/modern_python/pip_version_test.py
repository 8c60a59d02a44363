from __future__ import annotations

from typing import Iterator

import pytest
from pantry.modern_python import pip_version
from pantry.pants_patch import PantsPatchError
from pants import version
from pants.backend.python.subsystems.setup import PythonSetup
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner


@pytest.fixture
def restored_python_setup(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Whatever a test does to `PythonSetup.pip_version`, the option is back afterwards."""
    original = PythonSetup.__dict__["pip_version"]
    monkeypatch.setattr(PythonSetup, "pip_version", original)  # restored on teardown
    yield


@pytest.fixture
def rule_runner(restored_python_setup: None) -> RuleRunner:
    pip_version.raise_pip_version()
    return RuleRunner(rules=[*PythonSetup.rules(), QueryRule(PythonSetup, [])])


def test_pants_hands_pex_the_raised_pip(rule_runner: RuleRunner) -> None:
    python_setup = rule_runner.request(PythonSetup, [])
    assert python_setup.pip_version.value == "24.2"


def test_raised_pip_supports_every_python_in_the_matrix() -> None:
    # pip 24.2 is the first pip that pex 2.19.1 ships which installs on CPython 3.13.
    major, minor = (int(part) for part in pip_version.PIP_VERSION.split(".")[:2])
    assert (major, minor) >= (24, 2)


def test_another_pants_is_not_patched(
    restored_python_setup: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = PythonSetup.__dict__["pip_version"]
    monkeypatch.setattr(version, "VERSION", "2.18.0")
    with pytest.raises(PantsPatchError, match=r"^pantry.modern_python \(replaces PythonSetup"):
        pip_version.raise_pip_version()
    assert PythonSetup.__dict__["pip_version"] is original
