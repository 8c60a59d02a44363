"""Which interpreter an editor's virtualenv is built on (engine-free).

Interpreter constraints are Pants' strings (`[python].interpreter_constraints`): an
interpreter name and a PEP 440 specifier set, `CPython>=3.9,<3.14` or `PyPy==3.9.*`; a bare
specifier means CPython, and a list of them is OR-ed. They are read with `packaging`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from packaging.requirements import InvalidRequirement, Requirement  # pants: no-infer-dep
from packaging.specifiers import SpecifierSet  # pants: no-infer-dep
from packaging.utils import canonicalize_name  # pants: no-infer-dep
from pantry.errors import PantryError

# Patch releases tried for each major.minor of the universe: a constraint allows 3.11 when
# some 3.11.N satisfies it (`==3.11.*`, `>=3.11.4`), as Pants decides.
_PATCHES = range(0, 40)


class InvalidInterpreterConstraint(PantryError):
    """An interpreter constraint that is not `[name]<PEP 440 specifiers>`."""


@dataclass(frozen=True)
class InterpreterConstraint:
    """One OR-ed alternative: an interpreter and the versions of it allowed."""

    interpreter: str
    specifiers: SpecifierSet

    @classmethod
    def parse(cls, text: str) -> InterpreterConstraint:
        # A bare specifier set is CPython's (Pants' default interpreter).
        requirement_text = f"CPython{text}" if text.lstrip()[:1] in "<>=!~" else text
        try:
            requirement = Requirement(requirement_text)
        except InvalidRequirement as error:
            raise InvalidInterpreterConstraint(
                f"Interpreter constraint {text!r} is not an interpreter name and PEP 440"
                f" specifiers ({error}). Write it like `CPython>=3.9,<3.14` or `==3.11.*`"
                " ([python].interpreter_constraints,"
                " [python.resolves_to_interpreter_constraints])."
            ) from None
        return cls(requirement.name, requirement.specifier)

    def __str__(self) -> str:
        return f"{self.interpreter}{self.specifiers}"

    def same_interpreter(self, other: InterpreterConstraint) -> bool:
        return canonicalize_name(self.interpreter) == canonicalize_name(other.interpreter)

    def allows_any(self, universe: Iterable[str]) -> bool:
        """True if some release of some major.minor in `universe` satisfies it."""
        return any(
            self.specifiers.contains(f"{major_minor}.{patch}")
            for major_minor in universe
            for patch in _PATCHES
        )


def venv_interpreter_constraints(
    resolve_constraints: Iterable[str],
    project_constraints: Iterable[str],
    interpreter_universe: Iterable[str],
) -> tuple[str, ...]:
    """The project's default interpreter if the resolve allows it, else the resolve's own.

    `./pants export` builds on the lowest interpreter the resolve allows (3.9 for a lock
    valid for 3.9-3.13), so an editor would flag 3.10+ syntax in code that runs on 3.11.
    The project default (`[python].interpreter_constraints`) is what most code runs on;
    a resolve that excludes it (the plugins' 3.9-only resolve) keeps its own constraints.
    Each alternative of one is ANDed with each of the other (same interpreter only), and
    the alternatives no version of the universe satisfies are dropped.
    """
    universe = tuple(interpreter_universe)
    resolve = [InterpreterConstraint.parse(text) for text in resolve_constraints]
    project = [InterpreterConstraint.parse(text) for text in project_constraints]
    merged: set[str] = set()
    for ours in resolve:
        for default in project:
            if not ours.same_interpreter(default):
                continue
            both = InterpreterConstraint(ours.interpreter, ours.specifiers & default.specifiers)
            if both.allows_any(universe):
                merged.add(str(both))
    if merged:
        return tuple(sorted(merged))
    return tuple(str(constraint) for constraint in resolve)
