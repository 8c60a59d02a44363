"""A directory of distributions: scanned into projects (sha256 cached), and added to atomically.

A new file is written under a hidden temporary name in the same directory, flushed to disk,
then hard-linked to its final name: the link is atomic and fails if the name exists, so a
reader never sees a partial file, an existing file is never overwritten, and concurrent
uploads of different files never interfere. Publishing holds a lock (a thread lock, and
`flock` on the directory for other processes serving it) while it checks that no equivalent
name is taken (`Demo-1.0.zip` for `demo-1.0.tar.gz`) and links, so of two equivalent
uploads exactly one wins. A process killed mid-upload leaves only a
hidden `.upload-*.part` file, which is never served and is removed at the next start: its
writer holds an `flock` on it until it is published or discarded, so a starting index tells
a leftover (unlocked, however young) from another running index's upload in progress.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path
from stat import S_ISREG

from index.dists import InvalidProjectName, check_project_name, release_file_key
from simplerepo import InvalidDistributionFilename, normalize_name, parse_distribution_filename

logger = logging.getLogger(__name__)

METADATA_SUFFIX = ".metadata"
# POSIX file systems' usual limit on one name, in bytes, when the file system does not say.
DEFAULT_NAME_MAX = 255
_CHUNK = 1 << 16
# How often the listing is refreshed from the directory, to see what others changed there.
SCAN_TTL = 1.0
PENDING_PREFIX = ".upload-"
PENDING_SUFFIX = ".part"
# Where a file system cannot lock, a pending file this old is taken for a leftover.
STALE_UPLOAD_AGE = 3600.0
# Hard links unsupported here (some network and FUSE file systems): fall back to a lock.
NO_LINK_ERRNOS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS}


class AlreadyExists(Exception):
    """`existing` is stored and is `filename`, or the same file to an installer; never replaced."""

    def __init__(self, filename: str, existing: str | None = None) -> None:
        self.filename = filename
        self.existing = existing or filename
        if self.existing == filename:
            message = f"{filename!r} already exists on this index; files are never replaced"
        else:
            message = (
                f"{self.existing!r} already exists on this index and is the same release file"
                f" as {filename!r} to an installer; files are never replaced"
            )
        super().__init__(message)


def name_max(directory: Path) -> int:
    """The longest file name, in bytes, that `directory`'s file system can hold."""
    try:
        limit = os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):
        return DEFAULT_NAME_MAX
    return limit if limit > 0 else DEFAULT_NAME_MAX


class PendingFile:
    """A hidden temporary file in the data directory, invisible until `Storage.publish`."""

    def __init__(self, root: Path, algorithm: str = "sha256") -> None:
        fd, name = tempfile.mkstemp(dir=root, prefix=PENDING_PREFIX, suffix=PENDING_SUFFIX)
        self.path = Path(name)
        # Held until discard(), through a second descriptor, so close() keeps it: the file is
        # in use, and Storage.remove_stale_uploads in a starting process leaves it alone.
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._lock_fd: int | None = os.dup(fd)
        self._file = os.fdopen(fd, "wb")
        self.size = 0
        self.digest = hashlib.new(algorithm)

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.size += len(data)
        self.digest.update(data)

    def close(self) -> None:
        """Flush to disk (so a later crash cannot leave a short file) and close."""
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    def discard(self) -> None:
        """Close and delete; safe to call more than once."""
        if not self._file.closed:
            self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


@dataclass(frozen=True)
class StoredFile:
    """A distribution in the data directory, plus its PEP 658 metadata file if any."""

    path: Path
    project: str
    version: str
    size: int
    sha256: str
    metadata_sha256: str | None = None
    requires_python: str | None = None

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def metadata_path(self) -> Path:
        return self.path.with_name(self.path.name + METADATA_SUFFIX)


def _with_file(
    projects: dict[str, list[StoredFile]], stored: StoredFile
) -> dict[str, list[StoredFile]]:
    """`projects` with `stored` added (a copy; the same dict if it is listed already).

    Projects stay in name order and files in filename order, as a rescan lists them.
    """
    files = projects.get(stored.project, [])
    if any(f.filename == stored.filename for f in files):
        return projects
    updated = dict(projects)
    updated[stored.project] = sorted([*files, stored], key=lambda f: f.filename)
    return updated if stored.project in projects else dict(sorted(updated.items()))


def sync_directory(directory: Path) -> None:
    """Make new entries of `directory` durable; not every platform can open a directory."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_pending(directory: Path) -> list[Path]:
    """Delete the `.upload-*.part` files in `directory` that no upload holds; returns them.

    What a killed process left is unlocked and goes, however young; what another index
    process serving this directory is writing is locked and stays. Where the file system
    cannot lock, files older than STALE_UPLOAD_AGE go.
    """
    removed = []
    for path in directory.glob(PENDING_PREFIX + "*" + PENDING_SUFFIX):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            stale = True
        except BlockingIOError:
            stale = False  # an upload in progress
        except OSError:
            stale = os.fstat(fd).st_mtime < time.time() - STALE_UPLOAD_AGE
        try:
            if stale:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
        finally:
            os.close(fd)
    return sorted(removed)


class Storage:
    """Distributions directly inside `root`: listed from memory, rescanned now and then.

    Files whose names do not parse (or name no valid project), or that cannot be read, are
    skipped with one warning per version of the file (or per error): one bad file never
    hides the others. Only the top level is scanned: URLs use bare filenames.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.name_max = name_max(root)
        # A distribution's name plus METADATA_SUFFIX must fit, or its metadata file cannot
        # exist (and looking it up fails with ENAMETOOLONG rather than "not found").
        self.max_filename_bytes = self.name_max - len(METADATA_SUFFIX)
        self._lock = threading.Lock()
        self._publish_lock = threading.Lock()
        # (path, mtime_ns, size) -> sha256; a changed file gets a new key.
        self._digests: dict[tuple[str, int, int], str] = {}
        self._warned: set[tuple[object, ...]] = set()
        self._files: dict[tuple[str, int, int, tuple[int, int] | None], StoredFile] = {}
        # The listing: project -> its files sorted by filename. Replaced, never changed in
        # place: publish() adds to it, a rescan (at most every SCAN_TTL) rebuilds it.
        self._projects: dict[str, list[StoredFile]] | None = None
        self._scanned_at = 0.0
        self._rescan_lock = threading.Lock()  # one rescan at a time
        self._published = 0  # files published so far
        # (number, file) of files published while a rescan was running: it may have missed them.
        self._published_during_rescan: list[tuple[int, StoredFile]] = []

    def _digest(self, path: Path, stat: os.stat_result) -> str:
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._digests.get(key)
        if cached is not None:
            return cached
        sha = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(_CHUNK), b""):
                sha.update(chunk)
        digest = sha.hexdigest()
        with self._lock:
            self._digests[key] = digest
        return digest

    def _warn_once(self, path: Path, key: tuple[object, ...], error: Exception) -> None:
        with self._lock:
            first = key not in self._warned
            self._warned.add(key)
        if first:
            logger.warning("ignoring %s: %s", path, error)

    def _stored(self, path: Path) -> StoredFile | None:
        try:
            return self._read(path)
        except FileNotFoundError:
            # Removed or renamed (e.g. by an uploader) while we looked at it.
            return None
        except OSError as e:
            # Unreadable, or a name too long for its metadata file's name to be looked up.
            self._warn_once(path, (str(path), e.errno), e)
            return None

    def _read(self, path: Path) -> StoredFile | None:
        stat = path.stat()
        metadata = path.with_name(path.name + METADATA_SUFFIX)
        try:
            meta_stat: os.stat_result | None = metadata.stat()
        except FileNotFoundError:
            meta_stat = None
        if meta_stat is not None and not S_ISREG(meta_stat.st_mode):
            meta_stat = None
        # Index pages look at every file on every request: reuse what we read until it changes.
        key = (
            str(path),
            stat.st_mtime_ns,
            stat.st_size,
            (meta_stat.st_mtime_ns, meta_stat.st_size) if meta_stat else None,
        )
        with self._lock:
            cached = self._files.get(key)
        if cached is not None:
            return cached
        try:
            project, version = parse_distribution_filename(path.name)
            check_project_name(path.name)
        except (InvalidDistributionFilename, InvalidProjectName) as e:
            self._warn_once(path, (str(path), stat.st_mtime_ns, stat.st_size), e)
            return None
        metadata_sha256 = requires_python = None
        if meta_stat is not None:
            metadata_sha256 = self._digest(metadata, meta_stat)
            with metadata.open(encoding="utf-8", errors="replace") as f:
                requires_python = HeaderParser().parse(f).get("Requires-Python")
        stored = StoredFile(
            path,
            project,
            version,
            stat.st_size,
            self._digest(path, stat),
            metadata_sha256,
            requires_python,
        )
        with self._lock:
            self._files[key] = stored
        return stored

    def scan(self) -> dict[str, list[StoredFile]]:
        """Map normalized project name -> its files, sorted by filename.

        Every index page needs this, so it is kept in memory: a file published here is
        listed at once, and the directory is read again at most every SCAN_TTL seconds, to
        see what others changed there (files copied in or removed by hand, edited in place,
        or uploaded through another process). One thread reads it while the others answer
        from the listing they have, so page requests never queue behind a rescan, and a
        busy upload stream (which keeps changing the directory) does not make every page
        request read the whole directory.
        """
        with self._lock:
            projects, age = self._projects, time.monotonic() - self._scanned_at
        if projects is not None and age < SCAN_TTL:
            return dict(projects)
        # Only the very first scan is waited for; after that a stale listing is served
        # while one thread refreshes it.
        if not self._rescan_lock.acquire(blocking=projects is None):
            assert projects is not None
            return dict(projects)
        try:
            with self._lock:
                if self._projects is not None and (time.monotonic() - self._scanned_at < SCAN_TTL):
                    return dict(self._projects)  # another thread has just refreshed it
                started = self._published
            projects = self._read_directory()
            with self._lock:
                for number, stored in self._published_during_rescan:
                    if number > started:  # perhaps linked after the directory was read
                        projects = _with_file(projects, stored)
                self._published_during_rescan = []
                self._projects, self._scanned_at = projects, time.monotonic()
            return dict(projects)
        finally:
            self._rescan_lock.release()

    def _read_directory(self) -> dict[str, list[StoredFile]]:
        projects: dict[str, list[StoredFile]] = {}
        with os.scandir(self.root) as entries:
            names = {e.name for e in entries if not e.name.startswith(".") and e.is_file()}
        for name in sorted(names):
            # Hidden files are partial uploads or editor/OS litter; not worth a warning.
            if name.endswith(METADATA_SUFFIX):
                continue
            stored = self._stored(self.root / name)
            if stored is not None:
                projects.setdefault(stored.project, []).append(stored)
        return projects

    def _listed(self, final: Path) -> None:
        """Add the file just published at `final` to the listing."""
        stored = self._stored(final)
        if stored is None:
            return
        with self._lock:
            self._published += 1
            if self._rescan_lock.locked():
                # A rescan is running and may have read the directory before the link: it
                # adds this file to what it found. (One that starts later will see it.)
                self._published_during_rescan.append((self._published, stored))
            if self._projects is not None:
                self._projects = _with_file(self._projects, stored)

    def begin(self) -> PendingFile:
        """A new hidden temporary file to write an upload into."""
        return PendingFile(self.root)

    def conflict(self, filename: str) -> str | None:
        """The stored file that `filename` (a valid distribution filename) would clash with.

        That is `filename` itself, or a name an installer takes for the same file: a wheel
        with the same name, version, build and tags however spelled, or the release's other
        sdist. None if there is none. Reads the directory itself, not the cached scan.
        """
        if os.path.lexists(self.root / filename):
            return filename
        key = release_file_key(filename)
        prefix = key[1] + "-"
        with os.scandir(self.root) as entries:
            names = sorted(e.name for e in entries)
        for name in names:
            if name.startswith(".") or name.endswith(METADATA_SUFFIX):
                continue
            if not normalize_name(name).startswith(prefix):
                continue  # another project: cheap to rule out, unlike parsing every name
            try:
                if release_file_key(name) == key:
                    return name
            except ValueError:  # not a distribution filename: never served either
                continue
        return None

    def publish(self, pending: PendingFile, filename: str, metadata: bytes | None = None) -> None:
        """Give `pending` its final name, atomically; raises AlreadyExists if it is taken.

        Taken means `conflict(filename)` finds a file, checked under the publishing lock.
        `metadata` (a wheel's METADATA) becomes the PEP 658 `<filename>.metadata` file,
        written first, so the distribution never appears without it.
        """
        pending.close()
        final = self.root / filename
        metadata_path = final.with_name(filename + METADATA_SUFFIX)
        digest = pending.digest.hexdigest()
        os.chmod(pending.path, 0o644)
        try:
            with self._publishing():
                existing = self.conflict(filename)
                if existing is not None:
                    raise AlreadyExists(filename, existing)
                if metadata is not None:
                    # The distribution is new, so only a leftover orphan can be in the way.
                    self._write_metadata(metadata_path, metadata)
                try:
                    self._link(pending.path, final)
                except BaseException:
                    if metadata is not None:
                        with contextlib.suppress(FileNotFoundError):
                            metadata_path.unlink()
                    raise
        finally:
            pending.discard()
        with contextlib.suppress(FileNotFoundError):
            stat = final.stat()
            with self._lock:
                self._digests[(str(final), stat.st_mtime_ns, stat.st_size)] = digest
        self._sync_directory()
        self._listed(final)

    @contextlib.contextmanager
    def _publishing(self) -> Iterator[None]:
        """Exclusive publishing: among this process's threads, and other processes' too."""
        with self._publish_lock:
            fd = os.open(self.root, os.O_RDONLY)
            try:
                # Not every file system can lock (some network ones): then threads only.
                with contextlib.suppress(OSError):
                    fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # releases the flock

    def _write_metadata(self, path: Path, metadata: bytes) -> None:
        meta = self.begin()
        try:
            meta.write(metadata)
            meta.close()
            os.chmod(meta.path, 0o644)
            os.replace(meta.path, path)
        finally:
            meta.discard()

    def _link(self, source: Path, final: Path) -> None:
        try:
            os.link(source, final)
        except FileExistsError:
            raise AlreadyExists(final.name) from None
        except OSError as e:
            if e.errno not in NO_LINK_ERRNOS:
                raise
            # No hard links: the publishing lock is held and the name was free, so rename.
            os.replace(source, final)

    def _sync_directory(self) -> None:
        sync_directory(self.root)

    def remove_stale_uploads(self) -> list[Path]:
        """Delete the `.upload-*.part` files no upload holds; returns what it removed.

        Called at start: see `remove_stale_pending`.
        """
        return remove_stale_pending(self.root)

    def find(self, filename: str) -> StoredFile | None:
        """The distribution called `filename`, if it is being served."""
        if (
            "/" in filename
            or "\\" in filename
            or filename.startswith(".")
            or filename.endswith(METADATA_SUFFIX)
        ):
            return None
        path = self.root / filename
        try:
            is_file = path.is_file()
        except OSError:  # e.g. a name longer than any file can have
            return None
        return self._stored(path) if is_file else None
