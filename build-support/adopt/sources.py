"""Where a project comes from: a git repository, an sdist (.tar.gz/.zip) or a directory.

`classify` decides which (without touching anything), `stage` makes a readable copy in a
scratch directory (a clone, an extraction) and lists the project's files.
"""

from __future__ import annotations

import os
import re
import subprocess
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional

from adopt.layout import JUNK

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")
_REMOTE_GIT = re.compile(r"^(?:(?:https?|ssh|git|file)://|[\w.-]+@[\w.-]+:)")


class SourceError(Exception):
    """SOURCE is missing, unreadable or not one of the supported kinds (message says how)."""


@dataclass(frozen=True)
class Staged:
    kind: str  # "git", "sdist" or "directory"
    root: Path  # the project's top directory
    files: tuple[str, ...]  # relative, `/`-separated
    empty: tuple[str, ...]  # those among `files` with no content
    git_dir: Optional[Path] = None  # the clone to fetch history from (kind "git")


def classify(source: str) -> str:
    if _REMOTE_GIT.match(source):
        return "git"
    path = Path(source)
    if not path.exists():
        if source.endswith(".git"):
            return "git"
        raise SourceError(
            f"SOURCE {source!r} does not exist; give a git repository (path or URL), an sdist "
            "(.tar.gz or .zip) or a directory"
        )
    if not os.access(path, os.R_OK):
        raise SourceError(f"SOURCE {source!r} is not readable; check its permissions")
    if path.is_dir():
        return "git" if (path / ".git").exists() else "directory"
    if source.endswith(ARCHIVE_SUFFIXES):
        return "sdist"
    raise SourceError(
        f"SOURCE {source!r} is a file but not an sdist; give a .tar.gz or .zip source "
        "distribution (pip download --no-deps --no-binary :all: NAME), a git repository or a "
        "directory"
    )


def _git(*args: str, cwd: Optional[Path] = None) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=_git_env())
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["(no message)"]
        reason = next((line for line in lines if line.startswith("fatal:")), lines[-1])
        raise SourceError(f"git {' '.join(args)} failed: {reason}")
    return result.stdout


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"  # a URL that needs credentials fails instead of asking
    return env


def stage(source: str, kind: str, scratch: Path) -> Staged:
    if kind == "git":
        clone = scratch / "clone"
        _git("clone", "--quiet", source, str(clone))
        files = [f for f in _git("ls-files", "-z", cwd=clone).split("\0") if f]
        return _staged(kind, clone, files, git_dir=clone)
    if kind == "sdist":
        root = _extract(Path(source), scratch / "extract")
    else:
        root = Path(source).resolve()
    files = []
    for directory, subdirs, names in os.walk(root):
        relative = Path(directory).relative_to(root).as_posix()
        subdirs[:] = sorted(d for d in subdirs if not JUNK.search(f"{d}/"))
        for name in names:
            path = f"{relative}/{name}" if relative != "." else name
            if not os.path.islink(os.path.join(directory, name)):
                files.append(path)
    return _staged(kind, root, files)


def _staged(kind: str, root: Path, files: list[str], git_dir: Optional[Path] = None) -> Staged:
    files = sorted(f for f in files if (root / f).is_file())
    empty = tuple(f for f in files if (root / f).stat().st_size == 0)
    return Staged(kind, root, tuple(files), empty, git_dir)


def _extract(archive: Path, destination: Path) -> Path:
    destination.mkdir(parents=True)
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    _check_member(archive, member)
                zf.extractall(destination)
        else:
            with tarfile.open(archive) as tf:
                members = [m for m in tf.getmembers() if m.isfile() or m.isdir()]
                for tar_member in members:
                    _check_member(archive, tar_member.name)
                tf.extractall(destination, members=members)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as error:
        raise SourceError(f"cannot read sdist {str(archive)!r}: {error}") from None
    entries = list(destination.iterdir())
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else destination


def _check_member(archive: Path, name: str) -> None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise SourceError(f"sdist {str(archive)!r} has an unsafe member path {name!r}; refusing")
