"""The few git questions `affected` asks, answered by the git on PATH in the build root.

Like Pants' own `--changed-since`, this reads the working tree as it is, so it runs only in
goals that are local by nature.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from pantry.errors import PantryError

DEFAULT_BRANCHES = ("main", "origin/main")


class GitError(PantryError):
    """git failed; the message says which command and what git printed."""


@dataclass(frozen=True)
class FileChanges:
    """Paths changed between a base commit and the working tree (untracked files included)."""

    modified: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(sorted({*self.modified, *self.added, *self.deleted}))


def _git(build_root: Path, *args: str) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=build_root, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise GitError("`git` is not installed or not on PATH.") from error
    if result.returncode != 0:
        raise GitError(f"`git {' '.join(args)}` failed: {result.stderr.strip()}")
    return result.stdout


def resolve_base(build_root: Path, base: str | None) -> str:
    """The commit to compare with: `base` itself, or the merge-base of HEAD with main."""
    if base:
        return _git(build_root, "rev-parse", "--verify", f"{base}^{{commit}}").strip()
    for branch in DEFAULT_BRANCHES:
        try:
            return _git(build_root, "merge-base", "HEAD", branch).strip()
        except GitError:
            continue
    raise GitError(
        "no --base given and no `main` or `origin/main` branch to take the merge-base with; "
        "pass --base=REF (a commit, branch or tag)."
    )


def changed_files(build_root: Path, base: str) -> FileChanges:
    modified: list[str] = []
    added: list[str] = []
    deleted: list[str] = []
    diff = _git(build_root, "diff", "--name-status", "--no-renames", "-z", base, "--")
    fields = [field for field in diff.split("\0") if field]
    for status, path in zip(fields[::2], fields[1::2]):
        {"D": deleted, "A": added}.get(status[0], modified).append(path)
    untracked = _git(build_root, "ls-files", "--others", "--exclude-standard", "-z")
    added.extend(path for path in untracked.split("\0") if path)
    return FileChanges(tuple(sorted(modified)), tuple(sorted(added)), tuple(sorted(deleted)))


def file_at(build_root: Path, commit: str, path: str) -> str | None:
    """The text of `path` at `commit`, or None if it did not exist there."""
    try:
        return _git(build_root, "show", f"{commit}:{path}")
    except GitError:
        return None
