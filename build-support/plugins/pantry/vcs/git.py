"""The git questions Pantry's goals ask of the repository at the build root.

Plain subprocess calls to the git on PATH, no Pants: `affected` (which files changed since
a base) and `lock-diff` (a file as it was at a base) share one way to name the base, read
history, and report a failure (`GitError`). Like Pants' own `--changed-since`, this reads
the working tree as it is now, so only goals that are local by nature call it, from their
goal rule (re-run on every invocation, so a moved branch is never answered from a cache).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from pantry.errors import PantryError

# Where a branch is taken to have left from, when no base is named: the first that exists.
DEFAULT_BASE_BRANCHES = ("main", "origin/main")


class GitError(PantryError):
    """git cannot answer: no git, no repository, or a revision it does not know.

    The message names the repository, what was asked, what git said, and how to fix it.
    """


@dataclass(frozen=True)
class Base:
    """A resolved base commit, and how to name it in a report."""

    commit: str
    # The revision as given (`HEAD~1`), or `merge-base with main`.
    label: str


@dataclass(frozen=True)
class FileChanges:
    """Paths changed between a base commit and the working tree (untracked files included)."""

    modified: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(sorted({*self.modified, *self.added, *self.deleted}))


@dataclass(frozen=True)
class _Result:
    exit_code: int
    stdout: bytes
    stderr: str


@dataclass(frozen=True)
class Repository:
    """The git repository at `root` (the build root); paths are relative to `root`."""

    root: Path

    def _run(self, *args: str) -> _Result:
        try:
            result = subprocess.run(
                ["git", "-C", str(self.root), *args], capture_output=True, check=False
            )
        except FileNotFoundError:
            raise GitError(
                f"`git` is not installed or not on PATH, and is needed to read the history of"
                f" {self.root}. Install git (e.g. `apt-get install git`) or put it on PATH."
            ) from None
        # The first lines say what is wrong; git may follow them with its whole usage text.
        stderr = [line for line in result.stderr.decode("utf-8", "replace").splitlines() if line]
        return _Result(result.returncode, result.stdout, " ".join(stderr[:2]))

    def _failed(self, args: tuple[str, ...], result: _Result) -> GitError:
        return GitError(
            f"`git {' '.join(args)}` failed in {self.root} (exit code {result.exit_code}):"
            f" {result.stderr or 'no message'}. Check that {self.root} is a git repository"
            " that git on PATH can read (`git status` there)."
        )

    def _output(self, *args: str) -> bytes:
        result = self._run(*args)
        if result.exit_code != 0:
            raise self._failed(args, result)
        return result.stdout

    def resolve_base(self, revision: str | None, option: str) -> Base:
        """`revision` as a commit, or (None) the merge-base of HEAD with main or origin/main.

        `option` names where the revision came from (`--base`), for the error message.
        """
        if not revision:
            return self._merge_base_with_main(option)
        args = ("rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
        resolved = self._run(*args)
        if resolved.exit_code == 1:  # --quiet: exit code 1 only for "no such commit"
            raise GitError(
                f"{option} is {revision!r}, which is not a commit in the git repository at"
                f" {self.root}. Give a branch, tag or commit, e.g. `{option}=origin/main` or"
                f" `{option}=HEAD~1`."
            )
        if resolved.exit_code != 0:
            raise self._failed(args, resolved)
        return Base(resolved.stdout.decode().strip(), revision)

    def _merge_base_with_main(self, option: str) -> Base:
        said = ""
        for branch in DEFAULT_BASE_BRANCHES:
            merge_base = self._run("merge-base", "HEAD", branch)
            if merge_base.exit_code == 0:
                return Base(merge_base.stdout.decode().strip(), f"merge-base with {branch}")
            said = merge_base.stderr or said
        raise GitError(
            f"Cannot find where this branch left main: neither"
            f" {' nor '.join(DEFAULT_BASE_BRANCHES)} shares history with HEAD in"
            f" {self.root}{f' (git: {said})' if said else ''}. Name the base explicitly, e.g."
            f" `{option}=origin/main` or `{option}=HEAD~1`."
        )

    def changed_files(self, commit: str) -> FileChanges:
        """What changed between `commit` and the working tree, below the root."""
        modified: list[str] = []
        added: list[str] = []
        deleted: list[str] = []
        # --relative: paths relative to the root (and only below it), like ls-files prints.
        diff = self._output(
            "diff", "--name-status", "--no-renames", "--relative", "-z", commit, "--"
        ).decode()
        fields = [field for field in diff.split("\0") if field]
        for status, path in zip(fields[::2], fields[1::2]):
            {"D": deleted, "A": added}.get(status[0], modified).append(path)
        untracked = self._output("ls-files", "--others", "--exclude-standard", "-z").decode()
        added.extend(path for path in untracked.split("\0") if path)
        return FileChanges(tuple(sorted(modified)), tuple(sorted(added)), tuple(sorted(deleted)))

    def file_at(self, commit: str, path: str) -> bytes | None:
        """The content of the file `path` at `commit`, or None if there is no file there."""
        # ls-tree answers "not there" with empty output, so no message of git's is parsed.
        entry = self._output("ls-tree", "-z", commit, "--", path).decode()
        if not entry:
            return None
        mode_type_object, _, _ = entry.partition("\t")
        _, kind, object_id = mode_type_object.split(" ")
        if kind != "blob":
            return None
        return self._output("cat-file", "blob", object_id)
