"""Which interpreter an editor's virtualenv is built on (engine-free)."""

from __future__ import annotations

from typing import Iterable

from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints


def venv_interpreter_constraints(
    resolve_constraints: Iterable[str],
    project_constraints: Iterable[str],
    interpreter_universe: Iterable[str],
) -> InterpreterConstraints:
    """The project's default interpreter if the resolve allows it, else the resolve's own.

    `./pants export` builds on the lowest interpreter the resolve allows (3.9 for a lock
    valid for 3.9-3.13), so an editor would flag 3.10+ syntax in code that runs on 3.11.
    The project default (`[python].interpreter_constraints`) is what most code runs on;
    a resolve that excludes it (the plugins' 3.9-only resolve) keeps its own constraints.
    """
    universe = tuple(interpreter_universe)
    resolve_ics = InterpreterConstraints(resolve_constraints)
    project_ics = InterpreterConstraints(project_constraints)
    try:
        merged = InterpreterConstraints.merge([resolve_ics, project_ics])
        # Raises, or is empty, when no version in the universe satisfies both.
        if merged and merged.partition_into_major_minor_versions(universe):
            return merged
    except ValueError:
        pass
    return resolve_ics
