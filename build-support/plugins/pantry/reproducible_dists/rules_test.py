from __future__ import annotations

import pytest
from pantry.reproducible_dists import rules as reproducible_dists
from pantry.reproducible_dists.rules import (
    BACKEND_MODULE,
    BUILD_PYPROJECT,
    ReproducibleSdistBuildEnvironmentRequest,
    backend_source,
)
from pants.backend.python.macros.python_artifact import PythonArtifact
from pants.backend.python.target_types import PythonDistribution
from pants.engine.addresses import Address
from pants.testutil.rule_runner import RuleRunner


@pytest.fixture
def rule_runner() -> RuleRunner:
    return RuleRunner(
        rules=[*reproducible_dists.rules()],
        target_types=[PythonDistribution],
        objects={"python_artifact": PythonArtifact},
    )


@pytest.mark.parametrize(
    "field, applicable",
    [("", True), ("reproducible_sdist=True,", True), ("reproducible_sdist=False,", False)],
)
def test_every_distribution_uses_the_backend_unless_opted_out(
    rule_runner: RuleRunner, field: str, applicable: bool
) -> None:
    build = f"python_distribution(name='dist', {field} provides=python_artifact(name='lib'))"
    rule_runner.write_files({"lib/BUILD": build})
    target = rule_runner.get_target(Address("lib", target_name="dist"))
    assert ReproducibleSdistBuildEnvironmentRequest.is_applicable(target) is applicable


def test_the_build_pyproject_names_the_shipped_backend_and_requires_nothing() -> None:
    assert f'build-backend = "{BACKEND_MODULE}"' in BUILD_PYPROJECT
    assert "requires = []" in BUILD_PYPROJECT
    assert b"def build_sdist(" in backend_source()
