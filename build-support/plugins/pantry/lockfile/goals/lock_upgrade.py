"""`./pants lock-upgrade -- NAME...`: upgrade only the named projects, keep every other pin.

pex's own lock-update machinery (`pex3 lock update -p NAME`) re-resolves the named projects
(and whatever their new versions newly require) within the lock's top-level requirements,
leaving every other pin as it was. Pants' metadata header is kept verbatim: the requirement
inputs have not changed, so the lock stays fresh. A name may carry a specifier that narrows
the range, e.g. `'idna<3.10'` to step back from a bad release.
"""

from __future__ import annotations

import difflib
from typing import Any

from pantry.errors import PantryError
from pantry.lockfile.diff_table import render_diff
from pantry.lockfile.lock_analysis import diff_locks, parse_requirement
from pantry.lockfile.lock_model import LockfileParseError, parse_lock, split_header
from pantry.lockfile.util_rules.pex_lock_update import PexLockUpdate, PexLockUpdateRequest
from pantry.lockfile.util_rules.resolve_lock import (
    ResolveFreshness,
    ResolveFreshnessRequest,
)
from pantry.pants_patch import require_pants_version
from pants.engine.console import Console
from pants.engine.fs import CreateDigest, Digest, FileContent, Workspace
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, collect_rules, goal_rule
from pants.option.option_types import StrListOption, StrOption
from pants.util.docutil import bin_name
from pants.util.strutil import softwrap


class NoProjectsError(PantryError):
    """`lock-upgrade` was given no project to upgrade."""


class UnknownProjectError(PantryError):
    """A name given to `lock-upgrade` that the lock does not pin."""


class _PassthroughStrListOption(StrListOption):
    """A list option that also takes the words after `--`, as `ArgsListOption` does.

    Pants reads a bare word after a goal as another goal, so `lock-upgrade black` would be
    "Unknown goal: black"; `lock-upgrade -- black` is how a goal takes free arguments.
    Pants 2.17 offers `passthrough` only to `ArgsListOption`, which sets the private
    `_extra_kwargs` entry this sets; guarded like every patch of Pants (`pantry.pants_patch`).
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> _PassthroughStrListOption:
        require_pants_version(
            "pantry.lockfile's lock-upgrade (sets StrListOption._extra_kwargs['passthrough'])",
            "the private `_extra_kwargs` of pants.option.option_types options",
        )
        instance = super().__new__(cls, *args, **kwargs)
        instance._extra_kwargs["passthrough"] = True
        return instance


class LockUpgradeSubsystem(GoalSubsystem):
    name = "lock-upgrade"
    help = softwrap(
        f"""
        Upgrade only the named projects in a resolve's lockfile (and what their new versions
        newly require), keeping every other pin, then print the lock-diff table, e.g.
        `{bin_name()} lock-upgrade -- black 'idna<3.10'`.
        """
    )

    projects = _PassthroughStrListOption(
        help=softwrap(
            """
            The projects to upgrade: names the lock already pins, optionally with a version
            specifier that narrows the range (`'idna<3.10'`). Usually given after `--`. To add a
            new requirement, add it to a requirements file instead and run
            `generate-lockfiles`.
            """
        ),
    )
    resolve = StrOption(
        default=None,
        help="The resolve whose lockfile to upgrade. Default: `[python].default_resolve`.",
    )


class LockUpgradeGoal(Goal):
    subsystem_cls = LockUpgradeSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def check_project_names(requested: tuple[str, ...], locked: set[str], lock_path: str) -> None:
    """Every request must name a project the lock pins (pex would add unknown ones as new
    top-level requirements, which the lock's header does not list)."""
    problems = []
    for requirement in requested:
        try:
            name = parse_requirement(requirement).name
        except LockfileParseError:
            problems.append(f"{requirement!r} is not a project name or requirement")
            continue
        if name not in locked:
            close = difflib.get_close_matches(name, sorted(locked), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            problems.append(f"{requirement!r}: {lock_path} pins no project {name!r}{hint}")
    if problems:
        raise UnknownProjectError(
            "lock-upgrade upgrades projects the lock already pins:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
            + "\nTo add a new requirement, add it to a requirements file (3rdparty/python/*.txt)"
            f" and run `{bin_name()} generate-lockfiles`."
        )


@goal_rule
async def lock_upgrade(
    console: Console, subsystem: LockUpgradeSubsystem, workspace: Workspace
) -> LockUpgradeGoal:
    if not subsystem.projects:
        raise NoProjectsError(
            f"Name the projects to upgrade, e.g. `{bin_name()} lock-upgrade -- black idna`."
        )
    option = "[lock-upgrade].resolve"
    freshness = await Get(ResolveFreshness, ResolveFreshnessRequest(subsystem.resolve, option))
    lock = freshness.lock
    # Upgrading a stale lock would keep a header that no longer describes its inputs.
    freshness.raise_if_stale()
    check_project_names(subsystem.projects, set(lock.projects), lock.path)

    header, body = split_header(lock.text)
    names = ", ".join(subsystem.projects)
    updated = await Get(
        PexLockUpdate,
        PexLockUpdateRequest(
            resolve=lock.resolve,
            body=body,
            selection=tuple(f"--project={project}" for project in subsystem.projects),
            description=f"Upgrade {names} in {lock.path}",
        ),
    )
    if updated.body is None:
        console.print_stderr(
            f"pex could not upgrade {names} in {lock.path} (resolve `{lock.resolve}`); the "
            f"lockfile is unchanged. pex said:\n\n{updated.stderr}"
        )
        return LockUpgradeGoal(exit_code=1)

    new_text = header + updated.body
    new_projects = parse_lock(new_text, source=f"{lock.path} as pex updated it")
    diff = diff_locks(lock.projects, new_projects)
    if not diff.is_empty:
        workspace.write_digest(
            await Get(Digest, CreateDigest([FileContent(lock.path, new_text.encode("utf-8"))]))
        )
    console.print_stdout(
        render_diff(
            diff,
            resolve=lock.resolve,
            old_label=lock.path,
            new_label=f"after lock-upgrade {' '.join(subsystem.projects)}",
        ),
        end="",
    )
    if not diff.is_empty:
        console.print_stderr(
            f"\nWrote {lock.path}. Refresh the exported constraints with "
            f"`{bin_name()} export-constraints`."
        )
    return LockUpgradeGoal(exit_code=0)


def rules():
    return collect_rules()
