"""Content-addressed storage for what is not a Python distribution: Debian packages, npm tarballs.

A blob's name is its digest: `GET /blobs/<algorithm>/<hex>` serves it (`sha256`, as Debian
pins packages, or `sha512`, as npm's `integrity` does), and `PUT /blobs/<algorithm>/<hex>`
stores it. An upload is guarded like a twine upload (index.upload.guarded: the same token,
Content-Length and size limit, refusals answered at once) and, in addition, refused with
nothing stored when the body's digest is not its name (400) or the body ends early (400).
The same content again is fine: a blob that is already there is answered `200` and kept;
a new one `201`. Blobs live in `<data>/blobs/<algorithm>/<hex>`, written like distributions
(a hidden `.upload-*.part` file in that directory, flushed, then hard-linked into place), so
no partial blob is ever served and concurrent uploads of one blob leave one file.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from index.responses import FILE_CACHE_CONTROL, Response, file_chunks, refusal, text
from index.storage import NO_LINK_ERRNOS, PendingFile, remove_stale_pending, sync_directory
from index.upload import ReceiveError, Refused, RequestBody, UploadSettings, guarded

logger = logging.getLogger(__name__)

PREFIX = "/blobs/"
# Digest algorithm -> hex digits of a name.
ALGORITHMS = {"sha256": 64, "sha512": 128}
_HEX = re.compile(r"[0-9a-f]+")
_CHUNK = 1 << 16


class InvalidBlobName(ValueError):
    """A /blobs/ path that names no blob; the message says what a name looks like."""


def parse_address(path: str) -> tuple[str, str]:
    """(algorithm, hex) of `/blobs/<algorithm>/<hex>`; raises InvalidBlobName."""
    rest = path[len(PREFIX) :] if path.startswith(PREFIX) else path
    algorithm, _, digest = rest.partition("/")
    digits = ALGORITHMS.get(algorithm)
    if digits is None or len(digest) != digits or not _HEX.fullmatch(digest):
        raise InvalidBlobName(
            f"not a blob address: {path!r}; expected /blobs/sha256/<64 lowercase hex digits>"
            " or /blobs/sha512/<128 lowercase hex digits>"
        )
    return algorithm, digest


class BlobStore:
    """Blobs under `root/blobs/<algorithm>/`, each named by its digest."""

    def __init__(self, root: Path) -> None:
        self.root = root / "blobs"

    def directory(self, algorithm: str) -> Path:
        return self.root / algorithm

    def find(self, algorithm: str, digest: str) -> Path | None:
        path = self.directory(algorithm) / digest
        return path if path.is_file() else None

    def begin(self, algorithm: str) -> PendingFile:
        directory = self.directory(algorithm)
        directory.mkdir(parents=True, exist_ok=True)
        return PendingFile(directory, algorithm)

    def publish(self, pending: PendingFile, algorithm: str, digest: str) -> bool:
        """Give `pending` its name; False if the blob was there already (it is kept)."""
        pending.close()
        final = self.directory(algorithm) / digest
        os.chmod(pending.path, 0o644)
        try:
            os.link(pending.path, final)
        except FileExistsError:
            return False
        except OSError as e:
            if e.errno not in NO_LINK_ERRNOS:
                raise
            # No hard links here: same name, same content, so replacing is harmless.
            os.replace(pending.path, final)
        finally:
            pending.discard()
        sync_directory(final.parent)
        return True

    def remove_stale_uploads(self) -> list[Path]:
        """What interrupted blob uploads left (see storage.remove_stale_pending)."""
        removed: list[Path] = []
        for algorithm in sorted(ALGORITHMS):
            if self.directory(algorithm).is_dir():
                removed += remove_stale_pending(self.directory(algorithm))
        return removed


def serve(store: BlobStore, path: str) -> Response:
    """GET/HEAD of a blob: its bytes, immutable, or 404 saying what is missing."""
    try:
        algorithm, digest = parse_address(path)
    except InvalidBlobName as e:
        return text("404 Not Found", str(e))
    found = store.find(algorithm, digest)
    if found is None:
        return text(
            "404 Not Found",
            f"no blob {algorithm}:{digest} on this index; upload it with"
            f" PUT {PREFIX}{algorithm}/{digest} (./pants index-mirror does)",
        )
    return Response(
        "200 OK",
        [
            ("Content-Type", "application/octet-stream"),
            ("Content-Length", str(found.stat().st_size)),
            ("ETag", f'"{algorithm}:{digest}"'),
            ("Cache-Control", FILE_CACHE_CONTROL),
        ],
        file_chunks(found),
    )


class BlobUploader:
    """Handles `PUT /blobs/<algorithm>/<hex>` into `store`."""

    def __init__(self, store: BlobStore, settings: UploadSettings) -> None:
        self.store = store
        self.settings = settings

    def __call__(self, environ: Mapping[str, Any], path: str) -> Response:
        return guarded(environ, self.settings, lambda body: self._store(path, body))

    def _store(self, path: str, body: RequestBody) -> Response:
        try:
            algorithm, digest = parse_address(path)
        except InvalidBlobName as e:
            raise Refused(400, str(e)) from None
        if self.store.find(algorithm, digest) is not None:
            return text("200 OK", f"{algorithm}:{digest} is already stored")
        expected = body.remaining
        try:
            pending = self.store.begin(algorithm)
        except OSError as e:
            raise self._cannot_store(e) from None
        try:
            try:
                while body.remaining > 0:
                    chunk = body.read(_CHUNK)
                    if not chunk:
                        raise Refused(
                            400,
                            f"the body ended after {pending.size} of {expected} bytes;"
                            " nothing stored, upload it again",
                        )
                    pending.write(chunk)
            except ReceiveError as e:
                if isinstance(e.error, TimeoutError):
                    raise Refused(408, "the upload stalled; the server stopped waiting") from None
                raise Refused(400, f"the upload could not be received: {e}") from None
            actual = pending.digest.hexdigest()
            if not hmac.compare_digest(actual, digest):
                raise Refused(
                    400,
                    f"{algorithm} mismatch: the body's {algorithm} is {actual}, not the name"
                    f" {digest}; nothing stored. Upload a blob to /blobs/{algorithm}/<its"
                    f" {algorithm}>",
                )
            stored = self.store.publish(pending, algorithm, digest)
        except OSError as e:
            raise self._cannot_store(e) from None
        finally:
            pending.discard()  # a no-op once published
        if not stored:
            return text("200 OK", f"{algorithm}:{digest} is already stored")
        logger.info("stored blob %s:%s (%d bytes)", algorithm, digest, expected)
        return text("201 Created", f"stored {algorithm}:{digest} ({expected} bytes)")

    def _cannot_store(self, error: OSError) -> Refused:
        # The server's fault (a full disk, permissions): worth a retry, and an operator.
        logger.error("cannot store a blob in %s: %s", self.store.root, error)
        return Refused(500, f"the index could not store the blob: {error}")


def method_not_allowed(method: str) -> Response:
    return refusal(
        405,
        f"{method} is not supported for blobs; use GET or HEAD, or PUT to upload",
        ("Allow", "GET, HEAD, PUT"),
    )
