"""`Repository` against real git repositories in temporary directories."""

from __future__ import annotations

from pathlib import Path

import pytest
from pantry.vcs.git import Base, FileChanges, GitError, Repository
from pantry_testing import fixture_repo


def git(root: Path, *args: str) -> str:
    return fixture_repo.git(root, *args).strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "a.txt").write_text("one\n")
    (root / "gone.txt").write_text("bye\n")
    (root / "dir").mkdir()
    (root / "dir" / "b.txt").write_text("b\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one")
    return root


def test_named_revision(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    (repo / "a.txt").write_text("two\n")
    git(repo, "commit", "-q", "-am", "two")
    assert Repository(repo).resolve_base("HEAD~1", "--base") == Base(first, "HEAD~1")


def test_default_base_is_merge_base_with_main(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "a.txt").write_text("feature\n")
    git(repo, "commit", "-q", "-am", "feature")
    git(repo, "checkout", "-q", "main")
    (repo / "a.txt").write_text("main moved on\n")
    git(repo, "commit", "-q", "-am", "main")
    git(repo, "checkout", "-q", "feature")
    assert Repository(repo).resolve_base(None, "--base") == Base(base, "merge-base with main")


def test_bad_revision(repo: Path) -> None:
    with pytest.raises(GitError) as error:
        Repository(repo).resolve_base("no-such-ref", "--base")
    assert str(error.value) == (
        f"--base is 'no-such-ref', which is not a commit in the git repository at {repo}."
        " Give a branch, tag or commit, e.g. `--base=origin/main` or `--base=HEAD~1`."
    )


def test_no_main_branch(repo: Path) -> None:
    git(repo, "branch", "-q", "-m", "main", "trunk")
    with pytest.raises(GitError) as error:
        Repository(repo).resolve_base(None, "--affected-base")
    message = str(error.value)
    assert message.startswith(
        "Cannot find where this branch left main: neither main nor origin/main shares history"
        f" with HEAD in {repo} (git: fatal: "
    )
    assert message.endswith(
        "Name the base explicitly, e.g. `--affected-base=origin/main` or `--affected-base=HEAD~1`."
    )


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="^`git rev-parse .*` failed in .*: fatal: not a git repo"):
        Repository(tmp_path).resolve_base("HEAD", "--base")
    with pytest.raises(GitError) as error:
        Repository(tmp_path).changed_files("HEAD")
    assert str(error.value).startswith("`git diff --name-status --no-renames --relative -z HEAD")
    assert (
        f"failed in {tmp_path} (exit code 129): warning: Not a git repository. Use --no-index to"
        " compare two paths outside a working tree usage: git diff --no-index [<options>]"
        f" <path> <path>. Check that {tmp_path} is a git repository that git on PATH can read"
        " (`git status` there)."
    ) in str(error.value)


def test_no_git_on_path(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "empty"))
    with pytest.raises(GitError, match="^`git` is not installed or not on PATH, and is needed"):
        Repository(repo).resolve_base("HEAD", "--base")


def test_changed_files_include_untracked_but_not_ignored(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    (repo / "a.txt").write_text("changed\n")
    (repo / "gone.txt").unlink()
    (repo / "new.txt").write_text("new\n")
    (repo / "staged.txt").write_text("staged\n")
    git(repo, "add", "staged.txt")
    (repo / ".gitignore").write_text("ignored.txt\n")
    (repo / "ignored.txt").write_text("x\n")
    changes = Repository(repo).changed_files(base)
    assert changes == FileChanges(
        modified=("a.txt",), added=(".gitignore", "new.txt", "staged.txt"), deleted=("gone.txt",)
    )
    assert changes.all == (".gitignore", "a.txt", "gone.txt", "new.txt", "staged.txt")


def test_paths_are_relative_to_a_root_below_the_top_level(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    (repo / "a.txt").write_text("outside the root\n")
    (repo / "dir" / "b.txt").write_text("changed\n")
    (repo / "dir" / "c.txt").write_text("new\n")
    below = Repository(repo / "dir")
    assert below.changed_files(base) == FileChanges(modified=("b.txt",), added=("c.txt",))
    assert below.file_at(base, "b.txt") == b"b\n"


def test_file_at(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    (repo / "a.txt").write_text("two\n")
    git(repo, "commit", "-q", "-am", "two")
    repository = Repository(repo)
    assert repository.file_at(base, "a.txt") == b"one\n"
    assert repository.file_at("HEAD", "a.txt") == b"two\n"
    assert repository.file_at(base, "dir/b.txt") == b"b\n"
    assert repository.file_at(base, "new.txt") is None
    assert repository.file_at(base, "dir/missing.txt") is None
    assert repository.file_at(base, "dir") is None  # a directory, not a file


def test_file_at_unknown_commit_is_an_error_not_a_missing_file(repo: Path) -> None:
    with pytest.raises(GitError, match="^`git ls-tree -z 0{40} -- a.txt` failed in"):
        Repository(repo).file_at("0" * 40, "a.txt")
