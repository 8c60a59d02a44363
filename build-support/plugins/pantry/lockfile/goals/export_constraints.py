"""`./pants export-constraints [--check]`: the lock as a hash-pinned pip requirements file.

For consumers outside Pants (pip, pip-tools, dependency bots, other build systems); see
`pantry.lockfile.constraints` for the format.
"""

from __future__ import annotations

import os

from pantry.lockfile.constraints import render_constraints
from pantry.lockfile.util_rules.resolve_lock import (
    ResolveFreshness,
    ResolveFreshnessRequest,
)
from pants.engine.console import Console
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, PathGlobs, Workspace
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, collect_rules, goal_rule
from pants.option.option_types import BoolOption, StrOption
from pants.util.docutil import bin_name
from pants.util.strutil import softwrap

DEFAULT_FILE_NAME = "constraints.txt"


class ExportConstraintsSubsystem(GoalSubsystem):
    name = "export-constraints"
    help = softwrap(
        f"""
        Write a resolve's lockfile as a pip requirements file in pip-tools' `--generate-hashes`
        format (`name==version` and a `--hash` per artifact), for tools outside Pants. By
        default it is `{DEFAULT_FILE_NAME}` beside the lockfile, e.g.
        `3rdparty/python/{DEFAULT_FILE_NAME}`.
        """
    )

    check = BoolOption(
        default=False,
        help=softwrap(
            """
            Write nothing; fail if the file is missing or differs from what the lockfile
            gives, or if the lockfile itself is stale. CI runs this.
            """
        ),
    )
    resolve = StrOption(
        default=None,
        help="The resolve to export. Default: `[python].default_resolve`.",
    )
    output = StrOption(
        default=None,
        help=f"Where to write, relative to the build root. Default: `{DEFAULT_FILE_NAME}` "
        "beside the lockfile.",
    )

    def command(self) -> str:
        args = [f"{bin_name()} export-constraints"]
        if self.resolve:
            args.append(f"--resolve={self.resolve}")
        if self.output:
            args.append(f"--output={self.output}")
        return " ".join(args)


class ExportConstraintsGoal(Goal):
    subsystem_cls = ExportConstraintsSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


@goal_rule
async def export_constraints(
    console: Console, subsystem: ExportConstraintsSubsystem, workspace: Workspace
) -> ExportConstraintsGoal:
    option = "[export-constraints].resolve"
    freshness = await Get(ResolveFreshness, ResolveFreshnessRequest(subsystem.resolve, option))
    lock = freshness.lock
    # Exporting a stale lock would hand pins to other tools that Pants itself refuses.
    freshness.raise_if_stale()
    output = subsystem.output or os.path.join(os.path.dirname(lock.path), DEFAULT_FILE_NAME)
    rendered = render_constraints(
        lock.projects, lock_path=lock.path, resolve=lock.resolve, command=subsystem.command()
    )

    if subsystem.check:
        current = await Get(DigestContents, PathGlobs([output]))
        if current and current[0].content.decode("utf-8") == rendered:
            console.print_stderr(f"{output} is up to date with {lock.path}.")
            return ExportConstraintsGoal(exit_code=0)
        problem = "is out of date with" if current else "does not exist; it is generated from"
        console.print_stderr(
            f"{output} {problem} {lock.path} (resolve `{lock.resolve}`). "
            f"Regenerate it with `{subsystem.command()}` and commit the result."
        )
        return ExportConstraintsGoal(exit_code=1)

    digest = await Get(Digest, CreateDigest([FileContent(output, rendered.encode("utf-8"))]))
    workspace.write_digest(digest)
    console.print_stderr(
        f"Wrote {output}: {len(lock.projects)} projects from {lock.path} "
        f"(resolve `{lock.resolve}`)."
    )
    return ExportConstraintsGoal(exit_code=0)


def rules():
    return collect_rules()
