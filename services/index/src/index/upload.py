"""The upload API twine speaks: `POST /legacy/`, multipart, `:action=file_upload`.

A request is refused, with nothing written, unless all of this holds, checked in order:

1. uploads are enabled and the request carries the token (HTTP Basic, user `__token__`,
   as for PyPI; or `Authorization: Bearer <token>`): else 403 or 401;
2. it announces a Content-Length (411) no larger than the size limit (413);
3. the body is well-formed multipart/form-data (400) with `:action=file_upload` and one
   `content` file whose name is a valid distribution filename of a valid project name (400,
   which also refuses anything with a path in it, and a name too long to store beside its
   `.metadata` file)
   not yet on the index, under this or an equivalent name such
   as a differently-cased wheel or the release's other sdist (409);
4. the `name`/`version` fields match the filename, the `sha256_digest` and
   `blake2_256_digest` fields (when sent) match the bytes, and the bytes are the kind of
   archive the filename says (400).

The file is streamed to a hidden temporary file and published atomically (see storage.py).
A client that stalls gets 408; a server that cannot write (a full disk) answers 500.

A refusal is sent at once, however much of the body is still to come; what the client goes
on sending is read and dropped afterwards (see DRAIN_LIMIT). For a request that failed
authentication that takes at most REFUSED_DRAIN_SECONDS, each read waiting at most
REFUSED_READ_TIMEOUT: a stranger who stalls cannot hold a connection thread for long.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from index.dists import (
    InvalidDistribution,
    InvalidProjectName,
    check_project_name,
    inspect_distribution,
)
from index.multipart import (
    MultipartError,
    MultipartReader,
    Readable,
    boundary_from_content_type,
)
from index.responses import Response, refusal, text
from index.storage import METADATA_SUFFIX, AlreadyExists, PendingFile, Storage
from packaging.utils import canonicalize_version
from simplerepo import InvalidDistributionFilename, normalize_name, parse_distribution_filename

logger = logging.getLogger(__name__)

TOKEN_USERNAME = "__token__"
DEFAULT_MAX_UPLOAD_SIZE = 100 * 1024 * 1024
MAX_FIELD_BYTES = 1024 * 1024
MAX_FIELDS = 1000
# A refused request's unread body is read and dropped up to this size, so that the client,
# still sending, gets to read the refusal instead of a connection reset. Larger bodies are
# cut off.
DRAIN_LIMIT = 64 * 1024 * 1024
_DRAIN_CHUNK = 1 << 16
# How long the body of a request that failed authentication is drained, in all and per read.
REFUSED_DRAIN_SECONDS = 10.0
REFUSED_READ_TIMEOUT = 2.0
# The WSGI environ key under which the server (index.cli) offers the connection's
# `settimeout`, so that an unauthenticated client's reads can be cut short.
SET_READ_TIMEOUT = "index.set_read_timeout"
_HEX = set("0123456789abcdef")
# ASCII digits only: str.isdigit() also takes '²' and other digits int() refuses.
_LENGTH = re.compile(r"[0-9]+")


class Refused(Exception):
    """An upload refused with HTTP status `code`; `message` tells the uploader why."""

    def __init__(self, code: int, message: str, *headers: tuple[str, str]) -> None:
        self.code = code
        self.message = message
        self.headers = headers
        super().__init__(f"{code} {message}")


@dataclass(frozen=True)
class UploadSettings:
    """`token` None disables uploads; `max_upload_size` bounds the request body in bytes."""

    token: str | None
    max_upload_size: int = DEFAULT_MAX_UPLOAD_SIZE


class ReceiveError(Exception):
    """Reading the request body failed (the client stalled or went away)."""

    def __init__(self, error: OSError) -> None:
        self.error = error
        super().__init__(str(error))


class RequestBody:
    """The request body, counting what has been read so the rest can be drained."""

    def __init__(self, stream: Readable, length: int) -> None:
        self._stream = stream
        self.remaining = length

    def read(self, n: int) -> bytes:
        try:
            data = self._stream.read(min(n, self.remaining))
        except OSError as e:
            raise ReceiveError(e) from e
        self.remaining -= len(data)
        return data

    def drain(self, deadline: float | None = None) -> None:
        """Read and drop the rest (unless over DRAIN_LIMIT), until `deadline` (monotonic)."""
        if self.remaining > DRAIN_LIMIT:
            return
        try:
            while self.remaining > 0 and self.read(_DRAIN_CHUNK):
                if deadline is not None and time.monotonic() > deadline:
                    return
        except ReceiveError:
            pass


class _ThenDrain:
    """A response body that, once sent (the server calls close()), drains the request body."""

    def __init__(self, chunks: Iterable[bytes], body: RequestBody, deadline: float | None) -> None:
        self._chunks = chunks
        self._body = body
        self._deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks)

    def close(self) -> None:
        self._body.drain(self._deadline)


def check_credentials(authorization: str | None, token: str | None) -> None:
    """Raise Refused unless `authorization` carries `token`."""
    if token is None:
        raise Refused(
            403, "uploads are disabled on this index; start it with --upload-token-file FILE"
        )
    challenge = ("WWW-Authenticate", 'Basic realm="pantry-index"')
    if not authorization:
        raise Refused(
            401,
            f"authentication required: upload as user {TOKEN_USERNAME!r} with the index's"
            " upload token as the password",
            challenge,
        )
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        offered = credentials.strip()
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Refused(401, "malformed Basic Authorization header", challenge) from None
        username, colon, offered = decoded.partition(":")
        if not colon:
            raise Refused(401, "malformed Basic Authorization header", challenge)
        if username != TOKEN_USERNAME:
            raise Refused(
                403,
                f"upload as user {TOKEN_USERNAME!r} (with the token as password), not as"
                f" {username!r}",
            )
    else:
        raise Refused(
            401, f"unsupported authorization scheme {scheme!r}; use Basic or Bearer", challenge
        )
    if not hmac.compare_digest(offered.encode("utf-8"), token.encode("utf-8")):
        raise Refused(403, "invalid upload token")


def content_length(environ: Mapping[str, Any], limit: int) -> int:
    """The request's Content-Length, checked against `limit`."""
    value = environ.get("CONTENT_LENGTH") or ""
    if not value:
        raise Refused(411, "the upload has no Content-Length; send the body with its length")
    if not _LENGTH.fullmatch(value):
        raise Refused(400, f"invalid Content-Length {value!r}")
    length = int(value)
    if length > limit:
        raise Refused(
            413,
            f"the upload is {length} bytes; this index accepts at most {limit}"
            " (the server's --max-upload-size)",
        )
    return length


def check_filename(filename: str, storage: Storage) -> tuple[str, str]:
    """(normalized project, version) of an uploaded filename; Refused(400) if unsafe.

    The name must also fit `storage`'s file system with METADATA_SUFFIX added.
    """
    if (
        not filename
        or filename in (".", "..")
        or filename.startswith(".")
        or any(c in filename for c in "/\\\x00")
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in filename)
        or filename.endswith(METADATA_SUFFIX)
    ):
        raise Refused(
            400,
            f"invalid filename {filename!r}: expected a plain file name such as"
            " 'example_pkg-1.0-py3-none-any.whl' or 'example_pkg-1.0.tar.gz'",
        )
    size = len(filename.encode("utf-8"))
    if size > storage.max_filename_bytes:
        raise Refused(
            400,
            f"invalid filename {filename!r}: {size} bytes long; this index takes at most"
            f" {storage.max_filename_bytes} (the file system allows {storage.name_max} bytes"
            f" per name, and the index adds {METADATA_SUFFIX!r} to a distribution's name)",
        )
    try:
        project, version = parse_distribution_filename(filename)
        check_project_name(filename)
    except (InvalidDistributionFilename, InvalidProjectName) as e:
        raise Refused(400, str(e)) from None
    return project, version


def guarded(
    environ: Mapping[str, Any], settings: UploadSettings, store: Callable[[RequestBody], Response]
) -> Response:
    """An upload request: the token and Content-Length checked, then `store(body)`.

    A `Refused` (from the checks or from `store`) becomes its refusal, answered at once; the
    rest of the body is drained afterwards (see DRAIN_LIMIT) so the client reads the answer,
    for a bounded time if the request failed authentication. After `store` the rest of the
    body is drained too.
    """
    declared = str(environ.get("CONTENT_LENGTH") or "")
    # What the client sends is drained after a refusal (see DRAIN_LIMIT), so it can read it.
    body = RequestBody(environ["wsgi.input"], int(declared) if _LENGTH.fullmatch(declared) else 0)
    authenticated = False
    try:
        check_credentials(environ.get("HTTP_AUTHORIZATION"), settings.token)
        authenticated = True
        content_length(environ, settings.max_upload_size)
        response = store(body)
    except Refused as e:
        logger.warning("upload refused: %s", e)
        response = refusal(e.code, e.message, *e.headers)
        deadline = None
        if not authenticated:
            deadline = time.monotonic() + REFUSED_DRAIN_SECONDS
            set_read_timeout = environ.get(SET_READ_TIMEOUT)
            if set_read_timeout is not None:
                set_read_timeout(REFUSED_READ_TIMEOUT)
        # Answer first, drain after: a client that stalls still gets its refusal at once.
        response.body = _ThenDrain(response.body, body, deadline)
        return response
    body.drain()
    return response


def _single(fields: Mapping[str, list[str]], name: str) -> str | None:
    values = fields.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise Refused(400, f"form field {name!r} was sent {len(values)} times; expected once")
    return values[0]


def _check_digest(fields: Mapping[str, list[str]], name: str, actual: str, filename: str) -> None:
    sent = _single(fields, name)
    if sent is None:
        return
    sent = sent.strip().lower()
    if len(sent) != len(actual) or not set(sent) <= _HEX:
        raise Refused(400, f"invalid {name} {sent!r}: expected {len(actual)} hex digits")
    if not hmac.compare_digest(sent, actual):
        raise Refused(
            400,
            f"{name} mismatch for {filename}: sent {sent}, received bytes have {actual};"
            " the upload was corrupted, try again",
        )


def _check_fields(
    fields: Mapping[str, list[str]], filename: str, project: str, version: str
) -> None:
    action = _single(fields, ":action")
    if action != "file_upload":
        raise Refused(400, f"unsupported :action {action!r}; this index accepts only 'file_upload'")
    protocol = _single(fields, "protocol_version")
    if protocol not in (None, "1"):
        raise Refused(400, f"unsupported protocol_version {protocol!r}; expected '1'")
    name, sent_version = _single(fields, "name"), _single(fields, "version")
    if name is not None and normalize_name(name) != project:
        raise Refused(400, f"the name field {name!r} does not match the filename {filename!r}")
    if sent_version is not None and canonicalize_version(sent_version) != canonicalize_version(
        version
    ):
        raise Refused(
            400, f"the version field {sent_version!r} does not match the filename {filename!r}"
        )


@dataclass
class _Received:
    """The `content` file of an upload, streamed to a hidden temporary file."""

    pending: PendingFile
    filename: str
    project: str
    version: str
    blake2: Any


class Uploader:
    """Handles `POST /legacy/` into `storage`."""

    def __init__(self, storage: Storage, settings: UploadSettings) -> None:
        self.storage = storage
        self.settings = settings

    def __call__(self, environ: Mapping[str, Any]) -> Response:
        return guarded(environ, self.settings, lambda body: self._store(environ, body))

    def _store(self, environ: Mapping[str, Any], body: RequestBody) -> Response:
        filename, size, sha256 = self._receive(environ, body)
        logger.info("stored %s (%d bytes, sha256 %s)", filename, size, sha256)
        return text("200 OK", f"stored {filename} ({size} bytes, sha256 {sha256})")

    def _receive(self, environ: Mapping[str, Any], body: RequestBody) -> tuple[str, int, str]:
        received: _Received | None = None
        try:
            boundary = boundary_from_content_type(environ.get("CONTENT_TYPE"))
            reader = MultipartReader(body, boundary, body.remaining)
            fields: dict[str, list[str]] = {}
            for count, part in enumerate(reader, start=1):
                if count > MAX_FIELDS:
                    raise Refused(400, f"more than {MAX_FIELDS} form fields")
                if part.filename is None:
                    fields.setdefault(part.name, []).append(part.read_text(MAX_FIELD_BYTES))
                elif part.name == "content":
                    if received is not None:
                        raise Refused(400, "more than one 'content' file in one upload")
                    received = self._stream(part.filename, part.chunks())
                elif part.name == "gpg_signature":
                    part.read(MAX_FIELD_BYTES)  # twine may send one; accepted, not kept
                else:
                    raise Refused(
                        400, f"unexpected file field {part.name!r}; the file goes in 'content'"
                    )
            if received is None:
                raise Refused(400, "the upload has no 'content' file field")
            return self._publish(fields, received)
        except MultipartError as e:
            raise Refused(400, f"malformed multipart/form-data body: {e}") from None
        except ReceiveError as e:
            if isinstance(e.error, TimeoutError):
                raise Refused(408, "the upload stalled; the server stopped waiting") from None
            raise Refused(400, f"the upload could not be received: {e}") from None
        except OSError as e:
            # The server's fault (a full disk, permissions): worth a retry, and an operator.
            logger.error("cannot store an upload in %s: %s", self.storage.root, e)
            raise Refused(500, f"the index could not store the upload: {e}") from None
        finally:
            if received is not None:
                received.pending.discard()  # a no-op once published

    def _stream(self, filename: str, chunks: Iterator[bytes]) -> _Received:
        project, version = check_filename(filename, self.storage)
        # Fail fast, before the body streams in; publishing checks again, under a lock.
        existing = self.storage.conflict(filename)
        if existing is not None:
            raise Refused(409, str(AlreadyExists(filename, existing)))
        pending = self.storage.begin()
        blake2 = hashlib.blake2b(digest_size=32)
        try:
            for chunk in chunks:
                pending.write(chunk)
                blake2.update(chunk)
        except BaseException:
            pending.discard()
            raise
        return _Received(pending, filename, project, version, blake2)

    def _publish(
        self, fields: Mapping[str, list[str]], received: _Received
    ) -> tuple[str, int, str]:
        pending, filename = received.pending, received.filename
        _check_fields(fields, filename, received.project, received.version)
        if pending.size == 0:
            raise Refused(400, f"{filename} is empty")
        sha256 = pending.digest.hexdigest()
        _check_digest(fields, "sha256_digest", sha256, filename)
        _check_digest(fields, "blake2_256_digest", received.blake2.hexdigest(), filename)
        pending.close()
        try:
            metadata = inspect_distribution(
                pending.path, filename, received.project, received.version
            )
        except InvalidDistribution as e:
            raise Refused(400, str(e)) from None
        try:
            self.storage.publish(pending, filename, metadata)
        except AlreadyExists as e:
            raise Refused(409, str(e)) from None
        return filename, pending.size, sha256
