"""`[coverage-floors]`: which directories are projects, judged by `./pants test --use-coverage`."""

from __future__ import annotations

from pants.engine.rules import collect_rules
from pants.option.option_types import StrListOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap


class CoverageFloors(Subsystem):
    options_scope = "coverage-floors"
    help = softwrap(
        """
        Per-project coverage floors. With `--use-coverage`, `./pants test` reports each project
        its tests touch (one line each: lines+branches covered by the project's own tests over
        its own sources, its `coverage_floor`, the uncovered lines when below), writes
        coverage.xml and HTML per project under `dist/coverage/`, and fails when a project is
        below its floor. The data of the project's tests that were not part of the run comes
        from Pants' cache; what is missing there is run, and said so.
        """
    )

    projects = StrListOption(
        default=["services/*", "libs/shared/*", "libs/internal/*"],
        help=softwrap(
            """
            Path patterns naming project directories (`*` is one path segment). A project's
            sources are the Python files of its `python_source` targets outside `tests/`
            directories; its tests are its `python_test` targets.
            """
        ),
    )


def rules():
    return [*collect_rules()]
