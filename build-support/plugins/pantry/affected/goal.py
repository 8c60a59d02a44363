"""`./pants affected`: the targets a change affects, exactly, for CI to test only those."""

from __future__ import annotations

from enum import Enum

from pants.engine.goal import Goal, GoalSubsystem, LineOriented
from pants.option.option_types import BoolOption, EnumOption, StrOption
from pants.util.strutil import softwrap


class AffectedKind(Enum):
    ALL = "all"
    TESTS = "tests"


class AffectedSubsystem(LineOriented, GoalSubsystem):
    name = "affected"
    help = softwrap(
        """
        List the targets affected by the changes since a base commit (working tree included),
        one address per line, sorted: the owners of changed files and their transitive
        dependents. A change to a global input (pants.toml, the launcher, the plugins, ...)
        affects every target; a lockfile change affects only the dependents of the
        requirements whose locked closure changed; a BUILD edit that changes no target
        definition affects nothing.
        """
    )

    base = StrOption(
        default=None,
        help="Commit, branch or tag to compare with. Default: the merge-base of HEAD and main.",
    )
    why = BoolOption(
        default=False,
        help="After each address, print the chain that selected it: `changed file → … → target`.",
    )
    kind = EnumOption(
        default=AffectedKind.ALL,
        help="`tests`: only test targets (for `./pants test`); `all`: every affected target.",
    )


class Affected(Goal):
    subsystem_cls = AffectedSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY
