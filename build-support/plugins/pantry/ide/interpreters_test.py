from __future__ import annotations

import pytest
from pantry.ide.interpreters import venv_interpreter_constraints

UNIVERSE = ["3.9", "3.10", "3.11", "3.12", "3.13"]


@pytest.mark.parametrize(
    "resolve, project, expected",
    [
        # The project default, when the resolve allows it.
        (["CPython>=3.9,<3.14"], ["CPython==3.11.*"], ["CPython<3.14,==3.11.*,>=3.9"]),
        # A resolve that excludes it keeps its own.
        (["CPython==3.9.*"], ["CPython==3.11.*"], ["CPython==3.9.*"]),
        # Different interpreters cannot be merged.
        (["PyPy==3.9.*"], ["CPython==3.11.*"], ["PyPy==3.9.*"]),
        (["CPython==3.12.*"], ["CPython==3.12.*"], ["CPython==3.12.*"]),
    ],
)
def test_venv_interpreter_constraints(resolve, project, expected) -> None:
    constraints = venv_interpreter_constraints(resolve, project, UNIVERSE)
    assert sorted(str(c) for c in constraints) == expected
