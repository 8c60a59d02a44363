"""`coverage_floor`: a project's minimum coverage, a field of its `python_test(s)` targets."""

from __future__ import annotations

from typing import Any, Optional

from pants.backend.python.target_types import PythonTestsGeneratorTarget, PythonTestTarget
from pants.engine.addresses import Address
from pants.engine.target import FloatField, InvalidFieldException
from pants.util.strutil import softwrap


class PythonTestCoverageFloorField(FloatField):
    alias = "coverage_floor"
    default = None
    help = softwrap(
        """
        The minimum coverage, in percent of lines and branches, of this project's own sources
        by this project's own tests; `./pants test --use-coverage` fails when the project is
        below it. Declare it once per project, for all its tests, in the project's BUILD:
        `__defaults__({(python_test, python_tests): dict(coverage_floor=100)})`. Unset: the
        project's figure is reported but not held to a floor.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Any], address: Address) -> Optional[float]:
        if isinstance(raw_value, int) and not isinstance(raw_value, bool):
            raw_value = float(raw_value)  # coverage_floor=100 reads better than 100.0
        value = super().compute_value(raw_value, address)
        if value is not None and not 0 <= value <= 100:
            raise InvalidFieldException(
                f"The `{cls.alias}` field of {address} is {raw_value!r}, but it must be a "
                "percentage from 0 to 100 (e.g. coverage_floor=100)."
            )
        return value


def rules():
    return [
        PythonTestTarget.register_plugin_field(PythonTestCoverageFloorField),
        PythonTestsGeneratorTarget.register_plugin_field(PythonTestCoverageFloorField),
    ]
