"""All-or-nothing file writes for `./pants ide` (engine-free, plain file system).

`write_all` first writes every new content to a temporary file beside its destination, and
only when all of them are written renames each into place with `os.replace` (atomic on
POSIX). A failure before that removes the temporary files (and directories it created), so
nothing is half-written. Files whose content is already right are not touched at all.
"""

from __future__ import annotations

import errno
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from pantry.errors import PantryError


class UnwritableFileError(PantryError):
    """A file `./pants ide` must write cannot be written."""


@dataclass(frozen=True)
class PlannedWrite:
    path: Path
    content: str
    label: str  # how to name the file in messages, e.g. `.vscode/settings.json`


def read_text(path: Path, label: str) -> str | None:
    """The file's text, None if it does not exist; unreadable -> `UnwritableFileError`."""
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):  # `check_writable` says what is wrong
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise UnwritableFileError(
            f"{label}: cannot read it ({_reason(error)}), so `./pants ide` cannot merge its"
            " settings into it and wrote nothing. Fix its permissions or encoding (UTF-8), or"
            " move it aside."
        ) from None


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.errno is not None:
        return f"{os.strerror(error.errno)}: {error.filename or ''}".rstrip(": ")
    return str(error)


def _missing_dirs(directory: Path) -> list[Path]:
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    return missing


def check_writable(path: Path, label: str) -> None:
    """Fail early, before any work, if `path` clearly cannot be (re)written."""
    if path.is_dir():
        raise UnwritableFileError(
            f"{label}: is a directory, so `./pants ide` cannot write it and wrote nothing."
            " Remove or rename that directory."
        )
    missing = _missing_dirs(path.parent)
    existing = missing[-1].parent if missing else path.parent
    if not existing.is_dir():
        raise UnwritableFileError(
            f"{label}: {existing} is not a directory, so `./pants ide` cannot create the file"
            " and wrote nothing. Remove or rename it."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UnwritableFileError(
            f"{label}: the directory {existing} is not writable, so `./pants ide` cannot"
            " replace the file and wrote nothing. Fix its permissions (e.g. `chmod u+w"
            f" {existing}`)."
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise UnwritableFileError(
            f"{label}: is read-only, so `./pants ide` will not replace it and wrote nothing."
            f" Make it writable (`chmod u+w {path}`) or move it aside."
        )


def _new_file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_all(writes: Sequence[PlannedWrite]) -> list[PlannedWrite]:
    """Write every file whose content differs, all or nothing; return those written."""
    changed = [w for w in writes if read_text(w.path, w.label) != w.content]
    created_dirs: list[Path] = []
    staged: list[tuple[PlannedWrite, str]] = []
    current = None
    try:
        for write in changed:
            current = write
            check_writable(write.path, write.label)
            missing = _missing_dirs(write.path.parent)
            for directory in reversed(missing):
                directory.mkdir()
                created_dirs.append(directory)
            fd, temp = tempfile.mkstemp(
                dir=write.path.parent, prefix=f".{write.path.name}.", suffix=".tmp"
            )
            staged.append((write, temp))
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(write.content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, _new_file_mode(write.path))
    except (OSError, UnwritableFileError) as error:
        for _, temp in staged:
            try:
                os.unlink(temp)
            except OSError:
                pass
        for directory in reversed(created_dirs):
            try:
                directory.rmdir()
            except OSError:
                pass
        if isinstance(error, UnwritableFileError):
            raise
        label = current.label if current else "?"
        hint = " (disk full?)" if error.errno == errno.ENOSPC else ""
        raise UnwritableFileError(
            f"{label}: cannot write it ({_reason(error)}){hint}; `./pants ide` wrote none of"
            f" {', '.join(w.label for w in changed)}. Fix the cause and run it again."
        ) from None
    for write, temp in staged:
        os.replace(temp, write.path)
    return changed
