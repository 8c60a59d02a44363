"""A strict, streaming `multipart/form-data` parser (RFC 7578) for uploads.

The standard library's `cgi.FieldStorage` is deprecated and gone in Python 3.13, and
`email.parser` wants the whole body in memory. This parser reads a request body of known
length in chunks: field values are small and read whole, a file part is handed over chunk
by chunk, so an upload is never held in memory.

Strict means: the body must start with the boundary and end with the closing boundary
before Content-Length runs out; every part needs a `Content-Disposition: form-data` header
with a `name`; header lines must be `Name: value` in UTF-8, without obsolete line folding.
Anything else raises `MultipartError`, whose message says what was wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value
from typing import Protocol

CHUNK_SIZE = 1 << 16
MAX_HEADER_BYTES = 16 * 1024
# RFC 2046 section 5.1.1: 1 to 70 characters from this set, not ending in a space.
_BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]$")


class Readable(Protocol):
    """What the parser reads from: `wsgi.input`, a file, or anything with `read(size)`."""

    def read(self, size: int, /) -> bytes: ...


class MultipartError(ValueError):
    """The request body is not well-formed multipart/form-data; the message says why."""


def boundary_from_content_type(content_type: str | None) -> bytes:
    """The boundary of a `multipart/form-data; boundary=...` Content-Type."""
    if not content_type:
        raise MultipartError("the request has no Content-Type; expected multipart/form-data")
    message = Message()
    message["Content-Type"] = content_type
    # A malformed type reads as text/plain, so this refuses it too.
    if message.get_content_type() != "multipart/form-data":
        raise MultipartError(
            f"the Content-Type is {content_type!r}; expected multipart/form-data with a boundary"
        )
    boundary = message.get_param("boundary")
    if isinstance(boundary, tuple):
        boundary = collapse_rfc2231_value(boundary)
    if not boundary:
        raise MultipartError(f"the Content-Type {content_type!r} has no boundary parameter")
    if not _BOUNDARY.match(boundary):
        raise MultipartError(
            f"invalid multipart boundary {boundary!r}: expected 1-70 letters, digits"
            " or '()+_,-./:=? characters (RFC 2046)"
        )
    return boundary.encode("ascii")


@dataclass(frozen=True)
class PartInfo:
    """What a part's headers say: its form field name and, for a file, its filename."""

    name: str
    filename: str | None = None
    content_type: str | None = None


def parse_part_headers(raw: bytes) -> PartInfo:
    """Parse the header block of one part (without the blank line that ends it)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MultipartError(f"a part's headers are not UTF-8: {e}") from None
    headers: dict[str, str] = {}
    for line in text.split("\r\n") if text else []:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or name[0] in " \t":
            raise MultipartError(f"malformed part header line {line!r}; expected 'Name: value'")
        key = name.lower()
        if key in headers:
            raise MultipartError(f"a part has more than one {name} header")
        headers[key] = value.strip()
    disposition = headers.get("content-disposition")
    if disposition is None:
        raise MultipartError("a part has no Content-Disposition header")
    message = Message()
    message["Content-Disposition"] = disposition
    if message.get_content_disposition() != "form-data":
        raise MultipartError(f"a part's Content-Disposition is {disposition!r}; expected form-data")
    field_name = message.get_param("name", header="content-disposition")
    if isinstance(field_name, tuple):
        field_name = collapse_rfc2231_value(field_name)
    if not field_name:
        raise MultipartError(f"a part's Content-Disposition {disposition!r} has no name")
    filename = message.get_filename()
    for what, given in (("name", str(field_name)), ("filename", filename)):
        # RFC 2231 values can spell lone surrogates (e.g. in UTF-7), which no text can hold.
        try:
            (given or "").encode("utf-8")
        except UnicodeEncodeError:
            raise MultipartError(f"a part's {what} {given!r} is not valid Unicode text") from None
    return PartInfo(str(field_name), filename, headers.get("content-type"))


class Part:
    """One part of the body; read it (or not) before asking the reader for the next one."""

    def __init__(self, reader: MultipartReader, info: PartInfo) -> None:
        self._reader = reader
        self.info = info
        self._done = False

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def filename(self) -> str | None:
        return self.info.filename

    def chunks(self) -> Iterator[bytes]:
        """The part's content, in pieces of at most about CHUNK_SIZE bytes."""
        if self._done:
            return
        for chunk in self._reader._body_chunks():
            yield chunk
        self._done = True

    def read(self, limit: int) -> bytes:
        """The whole content; raises MultipartError if it is longer than `limit` bytes."""
        data = bytearray()
        for chunk in self.chunks():
            data += chunk
            if len(data) > limit:
                raise MultipartError(
                    f"form field {self.name!r} is longer than the {limit} bytes allowed"
                )
        return bytes(data)

    def read_text(self, limit: int) -> str:
        """The whole content as UTF-8 text; raises MultipartError if too long or not UTF-8."""
        try:
            return self.read(limit).decode("utf-8")
        except UnicodeDecodeError as e:
            raise MultipartError(f"form field {self.name!r} is not UTF-8: {e}") from None

    def _drain(self) -> None:
        for _ in self.chunks():
            pass


class MultipartReader:
    """Iterate over the parts of a body of `length` bytes read from `stream`.

    Raises MultipartError (while iterating or reading a part) for a malformed body, and
    lets the stream's own OSError (e.g. a timeout) through.
    """

    def __init__(
        self,
        stream: Readable,
        boundary: bytes,
        length: int,
        *,
        chunk_size: int = CHUNK_SIZE,
        max_header_bytes: int = MAX_HEADER_BYTES,
    ) -> None:
        self._stream = stream
        self._length = length
        self._remaining = length
        self._chunk_size = chunk_size
        self._max_header_bytes = max_header_bytes
        self._first = b"--" + boundary
        self._delimiter = b"\r\n--" + boundary
        self._buf = bytearray()

    def _fill(self) -> bool:
        """Read more of the body into the buffer; False once all of it has been read."""
        if self._remaining == 0:
            return False
        data = self._stream.read(min(self._chunk_size, self._remaining))
        if not data:
            raise MultipartError(
                f"the request body ended after {self._length - self._remaining} of the"
                f" {self._length} bytes its Content-Length announced"
            )
        self._remaining -= len(data)
        self._buf += data
        return True

    def _need(self, n: int, what: str) -> None:
        while len(self._buf) < n:
            if not self._fill():
                raise MultipartError(f"the body ends {what}; is the closing boundary missing?")

    def __iter__(self) -> Iterator[Part]:
        self._need(len(self._first), "before the first boundary")
        if not self._buf.startswith(self._first):
            raise MultipartError(
                "the body does not start with the boundary given in the Content-Type"
            )
        del self._buf[: len(self._first)]
        while True:
            # Just after a boundary: "--" closes the body, CRLF starts a part.
            self._need(2, "right after a boundary")
            if self._buf[:2] == b"--":
                self._discard_epilogue()
                return
            if self._buf[:2] != b"\r\n":
                raise MultipartError(
                    "a boundary is followed by "
                    f"{bytes(self._buf[:20])!r}; expected a line break or '--'"
                )
            del self._buf[:2]
            part = Part(self, parse_part_headers(self._read_headers()))
            yield part
            part._drain()

    def _read_headers(self) -> bytes:
        if self._buf[:2] == b"\r\n":  # no headers at all
            del self._buf[:2]
            return b""
        searched = 0
        while True:
            end = self._buf.find(b"\r\n\r\n", max(0, searched - 3))
            searched = len(self._buf) if end < 0 else end
            if searched > self._max_header_bytes:
                raise MultipartError(
                    f"a part's headers are longer than {self._max_header_bytes} bytes"
                )
            if end >= 0:
                raw = bytes(self._buf[:end])
                del self._buf[: end + 4]
                return raw
            if not self._fill():
                raise MultipartError("the body ends inside a part's headers")

    def _body_chunks(self) -> Iterator[bytes]:
        keep = len(self._delimiter) - 1
        while True:
            at = self._buf.find(self._delimiter)
            if at >= 0:
                if at:
                    yield bytes(self._buf[:at])
                del self._buf[: at + len(self._delimiter)]
                return
            if len(self._buf) > keep:
                # The tail might be the start of a delimiter split across reads.
                yield bytes(self._buf[:-keep])
                del self._buf[:-keep]
            if not self._fill():
                raise MultipartError("the body ends inside a part; the closing boundary is missing")

    def _discard_epilogue(self) -> None:
        # RFC 2046 lets an epilogue follow the closing boundary; it carries nothing.
        self._buf.clear()
        while self._fill():
            self._buf.clear()
