from __future__ import annotations

import pytest
from pantry.ide.interpreters import InvalidInterpreterConstraint, venv_interpreter_constraints

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
        # A bare specifier set is CPython's.
        (["==3.12.*"], ["CPython>=3.12"], ["CPython==3.12.*,>=3.12"]),
        # OR-ed alternatives: only those the default leaves satisfiable are kept.
        (["CPython==3.9.*", "CPython==3.11.*"], ["CPython==3.11.*"], ["CPython==3.11.*"]),
        (
            ["CPython==3.10.*", "CPython==3.12.*"],
            ["CPython>=3.10,<3.13"],
            ["CPython<3.13,==3.10.*,>=3.10", "CPython<3.13,==3.12.*,>=3.10"],
        ),
        # A patch release bound still allows its major.minor.
        (["CPython>=3.11.4"], ["CPython==3.11.*"], ["CPython==3.11.*,>=3.11.4"]),
        # Allowed by both, but by no version of the universe: the resolve's own.
        (["CPython>=3.9"], ["CPython==3.14.*"], ["CPython>=3.9"]),
    ],
)
def test_venv_interpreter_constraints(resolve, project, expected) -> None:
    constraints = venv_interpreter_constraints(resolve, project, UNIVERSE)
    assert sorted(constraints) == expected


def test_an_invalid_constraint_names_itself_and_the_options() -> None:
    with pytest.raises(InvalidInterpreterConstraint) as error:
        venv_interpreter_constraints(["CPython>=3.9,<<3.14"], ["CPython==3.11.*"], UNIVERSE)
    message = str(error.value)
    assert "'CPython>=3.9,<<3.14'" in message
    assert "[python].interpreter_constraints" in message
