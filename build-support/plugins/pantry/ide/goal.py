"""`./pants ide`: virtualenvs and editor settings under which every import resolves."""

from __future__ import annotations

from pants.engine.goal import Goal, GoalSubsystem
from pants.option.option_types import BoolOption
from pants.util.strutil import softwrap


class IdeSubsystem(GoalSubsystem):
    name = "ide"
    help = softwrap(
        """
        Export one virtualenv per resolve that owns first-party Python code (with Pants' own
        export machinery, under dist/export/python/virtualenvs/), make every source root of
        that resolve importable from it (a `.pth` file in its site-packages), and merge the
        interpreter and import paths into `pyrightconfig.json` and `.vscode/settings.json`.
        A venv is re-exported only when its lockfile, interpreter constraints or interpreter
        changed; settings you added to those files are kept.
        """
    )

    force = BoolOption(
        default=False, help="Re-export every virtualenv, even those that are up to date."
    )
    pyright = BoolOption(
        default=True,
        help="Write `pyrightconfig.json` (pyright, Pylance, and editors that embed them).",
    )
    vscode = BoolOption(default=True, help="Write `.vscode/settings.json`.")


class Ide(Goal):
    subsystem_cls = IdeSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY
