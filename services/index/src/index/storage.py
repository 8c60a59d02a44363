"""Scan a directory of distributions into projects, with cached sha256 digests."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from simplerepo import InvalidDistributionFilename, parse_distribution_filename

logger = logging.getLogger(__name__)

METADATA_SUFFIX = ".metadata"
_CHUNK = 1 << 16


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


class Storage:
    """Distributions directly inside `root`; rescanned on every call, hashes cached.

    Files whose names do not parse are skipped with one warning per version
    of the file. Only the top level is scanned: URLs use bare filenames.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        # (path, mtime_ns, size) -> sha256; a changed file gets a new key.
        self._digests: dict[tuple[str, int, int], str] = {}
        self._warned: set[tuple[str, int, int]] = set()

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

    def _warn_once(self, path: Path, stat: os.stat_result, error: Exception) -> None:
        key = (str(path), stat.st_mtime_ns, stat.st_size)
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

    def _read(self, path: Path) -> StoredFile | None:
        stat = path.stat()
        try:
            project, version = parse_distribution_filename(path.name)
        except InvalidDistributionFilename as e:
            self._warn_once(path, stat, e)
            return None
        metadata_sha256 = requires_python = None
        metadata = path.with_name(path.name + METADATA_SUFFIX)
        if metadata.is_file():
            metadata_sha256 = self._digest(metadata, metadata.stat())
            with metadata.open(encoding="utf-8", errors="replace") as f:
                requires_python = HeaderParser().parse(f).get("Requires-Python")
        return StoredFile(
            path,
            project,
            version,
            stat.st_size,
            self._digest(path, stat),
            metadata_sha256,
            requires_python,
        )

    def scan(self) -> dict[str, list[StoredFile]]:
        """Map normalized project name -> its files, sorted by filename."""
        projects: dict[str, list[StoredFile]] = {}
        for path in sorted(self.root.iterdir()):
            # Hidden files are partial uploads or editor/OS litter; not worth a warning.
            if (
                path.name.startswith(".")
                or path.name.endswith(METADATA_SUFFIX)
                or not path.is_file()
            ):
                continue
            stored = self._stored(path)
            if stored is not None:
                projects.setdefault(stored.project, []).append(stored)
        return projects

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
        return self._stored(path) if path.is_file() else None
