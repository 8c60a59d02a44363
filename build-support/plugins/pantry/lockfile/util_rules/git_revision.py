"""Read a file as it is at a git revision (`git show REV:PATH`), for `lock-diff`.

Git runs as a local process against the build root's repository; its results are never
cached across runs (`PER_SESSION`), since branches move.
"""

from __future__ import annotations

from dataclasses import dataclass

from pantry.errors import PantryError
from pants.base.build_root import BuildRoot
from pants.core.util_rules.system_binaries import GitBinary
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

# What `lock-diff` compares against when no base is given: where the branch left main.
DEFAULT_BASE_BRANCHES = ("main", "origin/main")


class GitRevisionError(PantryError):
    """A revision git cannot resolve in this repository."""


@dataclass(frozen=True)
class FileAtRevisionRequest:
    """`revision` None means the merge-base of HEAD with main (or origin/main)."""

    path: str
    revision: str | None
    option: str


@dataclass(frozen=True)
class FileAtRevision:
    # What to call the revision in a report: the name given, or `merge-base with main`.
    label: str
    commit: str
    # None when the file does not exist at that commit.
    content: bytes | None


async def _git(git: GitBinary, *args: str, description: str) -> FallibleProcessResult:
    return await Get(
        FallibleProcessResult,
        Process(
            argv=(git.path, "-C", BuildRoot().path, *args),
            description=description,
            level=LogLevel.DEBUG,
            cache_scope=ProcessCacheScope.PER_SESSION,
        ),
    )


def _stderr(result: FallibleProcessResult) -> str:
    return result.stderr.decode("utf-8", "replace").strip()


@rule(desc="Read a file at a git revision")
async def read_file_at_revision(request: FileAtRevisionRequest, git: GitBinary) -> FileAtRevision:
    if request.revision:
        label, revision = request.revision, request.revision
    else:
        revision = ""
        for branch in DEFAULT_BASE_BRANCHES:
            merge_base = await _git(
                git, "merge-base", "HEAD", branch, description=f"Find the merge-base with {branch}"
            )
            if merge_base.exit_code == 0:
                revision = merge_base.stdout.decode().strip()
                label = f"merge-base with {branch}"
                break
        if not revision:
            raise GitRevisionError(
                softwrap(
                    f"""
                    Cannot find where this branch left main: neither
                    {' nor '.join(DEFAULT_BASE_BRANCHES)} shares history with HEAD in
                    {BuildRoot().path}. Name the base explicitly, e.g.
                    `{request.option}=origin/main` or `{request.option}=HEAD~1`.
                    """
                )
            )

    resolved = await _git(
        git,
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        f"{revision}^{{commit}}",
        description=f"Resolve the git revision {revision}",
    )
    if resolved.exit_code != 0:
        raise GitRevisionError(
            softwrap(
                f"""
                {request.option} is {revision!r}, which is not a commit in the git repository
                at {BuildRoot().path}. Give a branch, tag or commit, e.g.
                `{request.option}=origin/main` or `{request.option}=HEAD~1`.
                """
            )
        )
    commit = resolved.stdout.decode().strip()
    shown = await _git(
        git, "show", f"{commit}:./{request.path}", description=f"Read {request.path} at {label}"
    )
    if shown.exit_code == 0:
        return FileAtRevision(label=label, commit=commit, content=shown.stdout)
    if "exist" in _stderr(shown):
        # "path '...' does not exist in '...'" or "exists on disk, but not in '...'".
        return FileAtRevision(label=label, commit=commit, content=None)
    raise GitRevisionError(
        f"Cannot read {request.path} at {label} ({commit[:12]}) with git: {_stderr(shown)}"
    )


def rules():
    return collect_rules()
