"""`./pants lock-diff [--base=REF]`: what a change does to the lockfile, as a review table."""

from __future__ import annotations

from pantry.lockfile.diff_table import render_diff
from pantry.lockfile.lock_analysis import diff_locks
from pantry.lockfile.lock_model import parse_lock
from pantry.lockfile.util_rules.resolve_lock import (
    ResolveFreshness,
    ResolveFreshnessRequest,
)
from pantry.vcs.git import DEFAULT_BASE_BRANCHES, Repository
from pants.base.build_root import BuildRoot
from pants.engine.console import Console
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, collect_rules, goal_rule
from pants.option.option_types import StrOption
from pants.util.strutil import softwrap


class LockDiffSubsystem(GoalSubsystem):
    name = "lock-diff"
    help = softwrap(
        f"""
        Print a table of the projects added, removed, upgraded and downgraded in a resolve's
        lockfile between a git revision (`[lock-diff].base`, by default where this branch
        left {DEFAULT_BASE_BRANCHES[0]}) and the working tree. Meant for pull-request review.
        """
    )

    base = StrOption(
        default=None,
        help=softwrap(
            f"""
            The git revision (branch, tag or commit) to compare the working tree's lockfile
            with. Default: the merge-base of HEAD with {' or '.join(DEFAULT_BASE_BRANCHES)}.
            """
        ),
    )
    resolve = StrOption(
        default=None,
        help="The resolve whose lockfile to compare. Default: `[python].default_resolve`.",
    )


class LockDiffGoal(Goal):
    subsystem_cls = LockDiffSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


@goal_rule
async def lock_diff(
    console: Console, subsystem: LockDiffSubsystem, build_root: BuildRoot
) -> LockDiffGoal:
    freshness = await Get(
        ResolveFreshness, ResolveFreshnessRequest(subsystem.resolve, "[lock-diff].resolve")
    )
    lock = freshness.lock
    # git runs here, in the goal rule (run on every invocation), so a moved branch is never
    # answered from pantsd's memory; a bad --base raises vcs.git.GitError, a PantryError.
    repository = Repository(build_root.pathlib_path)
    base = repository.resolve_base(subsystem.base, "--base")
    content = repository.file_at(base.commit, lock.path)
    old_label = f"{base.label} ({base.commit[:10]})"
    if content is None:
        old, old_label = {}, f"{old_label}, which has no {lock.path}"
    else:
        old = parse_lock(content.decode("utf-8"), source=f"{lock.path} at {base.label}")
    diff = diff_locks(old, lock.projects)
    console.print_stdout(
        render_diff(diff, resolve=lock.resolve, old_label=old_label, new_label="working tree"),
        end="",
    )
    if freshness.has_problems:
        console.print_stderr(f"\nWarning: {freshness.message()}")
    return LockDiffGoal(exit_code=0)


def rules():
    return collect_rules()
