from __future__ import annotations

import io
import os
import re

import pytest
from index.multipart import (
    MultipartError,
    MultipartReader,
    PartInfo,
    boundary_from_content_type,
    parse_part_headers,
)
from index_test_support import BOUNDARY, multipart

B = BOUNDARY.encode()


class TrickleStream(io.BytesIO):
    """Returns at most `step` bytes per read, like a slow socket."""

    def __init__(self, data: bytes, step: int) -> None:
        super().__init__(data)
        self.step = step

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        return super().read(min(n, self.step) if n >= 0 else self.step)


def short_id(value: object) -> str | None:
    """Test ids: bodies by their length, not their (long) bytes."""
    return f"{len(value)}-bytes" if isinstance(value, bytes) else None


def parse(body: bytes, chunk_size: int = 1 << 16, step: int | None = None) -> list:
    """[(PartInfo, content)] of a body, read the way the upload handler reads it."""
    stream = TrickleStream(body, step) if step else io.BytesIO(body)
    reader = MultipartReader(stream, B, len(body), chunk_size=chunk_size)
    return [(part.info, b"".join(part.chunks())) for part in reader]


@pytest.mark.parametrize("chunk_size, step", [(1 << 16, None), (1, None), (7, 3), (100, 1)])
def test_fields_and_file_survive_any_chunking(chunk_size: int, step: int | None) -> None:
    # Content that nearly contains the delimiter, across every possible split point.
    tricky = os.urandom(3000) + b"\r\n--" + B[:-1] + b"\r\n-" + b"\r\n--" + B[:5] + b"\r\n"
    body = multipart(
        [("name", "demo"), (":action", "file_upload"), ("empty", "")],
        [("content", "demo-1.0.tar.gz", tricky)],
    )
    assert parse(body, chunk_size, step) == [
        (PartInfo("name"), b"demo"),
        (PartInfo(":action"), b"file_upload"),
        (PartInfo("empty"), b""),
        (PartInfo("content", "demo-1.0.tar.gz", "application/octet-stream"), tricky),
    ]


def test_unread_parts_are_skipped_and_epilogue_ignored() -> None:
    body = multipart([("a", "1"), ("b", "2")]) + b"epilogue, ignored\r\n"
    reader = MultipartReader(io.BytesIO(body), B, len(body))
    assert [part.name for part in reader] == ["a", "b"]


def test_read_limit_and_utf8() -> None:
    body = multipart([("summary", "x" * 11), ("bad", "ok")]).replace(b"ok", b"\xff\xfe")
    parts = iter(MultipartReader(io.BytesIO(body), B, len(body)))
    with pytest.raises(MultipartError, match="form field 'summary' is longer than the 10 bytes"):
        next(parts).read(10)
    with pytest.raises(MultipartError, match="form field 'bad' is not UTF-8"):
        next(parts).read_text(10)


@pytest.mark.parametrize(
    "header, info",
    [
        (b'Content-Disposition: form-data; name="a"', PartInfo("a")),
        (b"content-disposition: form-data; name=a", PartInfo("a")),
        (
            b'Content-Disposition: form-data; name="content"; filename="x-1.0.tar.gz"\r\n'
            b"Content-Type: application/gzip",
            PartInfo("content", "x-1.0.tar.gz", "application/gzip"),
        ),
        (
            b"Content-Disposition: form-data; name=content; filename*=UTF-8''caf%C3%A9-1.0.zip",
            PartInfo("content", "caf\u00e9-1.0.zip"),
        ),
        (
            b'Content-Disposition: form-data; name="content"; filename="../../etc/x-1.0.tar.gz"',
            PartInfo("content", "../../etc/x-1.0.tar.gz"),  # refused later, by the handler
        ),
    ],
)
def test_part_headers(header: bytes, info: PartInfo) -> None:
    assert parse_part_headers(header) == info


@pytest.mark.parametrize(
    "header, message",
    [
        (b"", "a part has no Content-Disposition header"),
        (b"Content-Type: text/plain", "a part has no Content-Disposition header"),
        (b"Content-Disposition form-data", "malformed part header line 'Content-Disposition f"),
        (b" Content-Disposition: form-data; name=a", "malformed part header line"),
        (
            b'Content-Disposition: form-data; name="a"\r\n folded',
            "malformed part header line ' folded'",
        ),
        (
            b"Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b",
            "a part has more than one Content-Disposition header",
        ),
        (
            b'Content-Disposition: attachment; name="a"',
            "a part's Content-Disposition is 'attachment; name=\"a\"'; expected form-data",
        ),
        (b"Content-Disposition: form-data", "a part's Content-Disposition 'form-data' has no name"),
        (b'Content-Disposition: form-data; name="\xff"', "a part's headers are not UTF-8"),
    ],
)
def test_bad_part_headers(header: bytes, message: str) -> None:
    with pytest.raises(MultipartError, match="^" + re.escape(message)):
        parse_part_headers(header)


GOOD = multipart([("a", "1")])


@pytest.mark.parametrize(
    "body, length, message",
    [
        (b"", 0, "the body ends before the first boundary"),
        (b"preamble\r\n" + GOOD, None, "the body does not start with the boundary"),
        (GOOD.replace(B, b"other-boundary-xxxxxxxxxx"), None, "does not start with the boundary"),
        (GOOD[: GOOD.index(b"--" + B + b"--") + 2 + len(B)], None, "ends right after a boundary"),
        (GOOD[: -len(B) - 8], None, "the body ends inside a part; the closing boundary is missing"),
        (b"--" + B + b"\r\nContent-Disposition: form-data", None, "inside a part's headers"),
        (b"--" + B + b"XX\r\n", None, "a boundary is followed by b'XX\\r\\n'"),
        (GOOD, len(GOOD) + 10, f"the request body ended after {len(GOOD)} of the"),
        (
            b"--" + B + b"\r\n" + b"X-Long: " + b"y" * 20000 + b"\r\n\r\n",
            None,
            "a part's headers are longer than 16384 bytes",
        ),
    ],
    ids=short_id,
)
def test_malformed_bodies(body: bytes, length: int | None, message: str) -> None:
    reader = MultipartReader(io.BytesIO(body), B, len(body) if length is None else length)
    with pytest.raises(MultipartError, match=re.escape(message)):
        for part in reader:
            part.read(1 << 20)


@pytest.mark.parametrize(
    "content_type, boundary",
    [
        (f"multipart/form-data; boundary={BOUNDARY}", B),
        ('Multipart/Form-Data; charset=utf-8; boundary="a b:c"', b"a b:c"),
    ],
)
def test_boundary(content_type: str, boundary: bytes) -> None:
    assert boundary_from_content_type(content_type) == boundary


@pytest.mark.parametrize(
    "content_type, message",
    [
        (None, "the request has no Content-Type; expected multipart/form-data"),
        ("", "the request has no Content-Type; expected multipart/form-data"),
        ("application/json", "the Content-Type is 'application/json'; expected multipart/form"),
        ("multipart/mixed; boundary=x", "the Content-Type is 'multipart/mixed; boundary=x'"),
        ("multipart/form-data", "the Content-Type 'multipart/form-data' has no boundary"),
        ("multipart/form-data; boundary=" + "x" * 71, "invalid multipart boundary 'xxx"),
        ('multipart/form-data; boundary="ends "', "invalid multipart boundary 'ends '"),
        ("multipart/form-data; boundary=a\u00e9", "invalid multipart boundary"),
    ],
)
def test_bad_content_type(content_type: str | None, message: str) -> None:
    with pytest.raises(MultipartError, match="^" + re.escape(message)):
        boundary_from_content_type(content_type)
