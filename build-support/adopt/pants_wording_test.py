"""adopt reads Pants' unowned-import warning as text (`adopt.pants_toml`): Pants itself writes
one here, so a Pants upgrade that rewords it fails this test, not an adoption.

It runs in the plugins' resolve, where Pants is importable (see BUILD).
"""

from __future__ import annotations

import pytest
from adopt.pants_toml import unowned_imports
from pants.backend.python import target_types_rules
from pants.backend.python.dependency_inference import rules as dependency_inference
from pants.backend.python.dependency_inference.rules import (
    InferPythonImportDependencies,
    PythonImportDependenciesInferenceFieldSet,
)
from pants.backend.python.target_types import PythonSourcesGeneratorTarget, PythonSourceTarget
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.target import InferredDependencies
from pants.testutil.rule_runner import QueryRule, RuleRunner


def test_adopt_reads_the_unowned_imports_pants_reports() -> None:
    rule_runner = RuleRunner(
        rules=[
            *dependency_inference.rules(),
            *target_types_rules.rules(),
            QueryRule(InferredDependencies, [InferPythonImportDependencies]),
        ],
        target_types=[PythonSourcesGeneratorTarget, PythonSourceTarget],
    )
    rule_runner.set_options(
        [
            "--python-infer-unowned-dependency-behavior=error",
            # As pants.toml: imports parsed in Pants' own process, no interpreter needed.
            "--python-infer-use-rust-parser",
        ]
    )
    rule_runner.write_files(
        {
            "src/app/BUILD": "python_sources()",
            "src/app/main.py": "import os\n\nimport six.moves.zip\nfrom nowhere import thing\n",
        }
    )
    target = rule_runner.get_target(Address("src/app", relative_file_path="main.py"))
    request = InferPythonImportDependencies(
        PythonImportDependenciesInferenceFieldSet.create(target)
    )
    # adopt runs with `warning`; `error` raises the same text, here without log capturing.
    with pytest.raises(ExecutionError) as failure:
        rule_runner.request(InferredDependencies, [request])
    assert unowned_imports(str(failure.value)) == ["nowhere.thing", "six.moves.zip"]
