"""Hostile uploads and slow clients against a real server on 127.0.0.1 (issue 17's defects).

Every test talks HTTP over a real socket to `make_server`, the server `python -m index`
runs, in a thread of this process (index_test_support.serving); requests that no HTTP
library would send are written byte by byte.
"""

from __future__ import annotations

import http.client
import io
import os
import socket
import struct
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from feature_flags import Flags
from index.app import IndexApp
from index.cli import ThreadingWSGIServer
from index.storage import Storage
from index.upload import Uploader, UploadSettings
from index_test_support import (
    BOUNDARY,
    CONTENT_TYPE,
    basic_auth,
    make_sdist,
    make_wheel,
    multipart,
    serving,
    upload_fields,
)

SDIST_NAME, SDIST = make_sdist("existing", "2.0")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    (path / SDIST_NAME).write_bytes(SDIST)
    return path


@contextmanager
def serve(data: Path, **server_options: int) -> Iterator[ThreadingWSGIServer]:
    storage = Storage(data)
    app = IndexApp(
        storage,
        Flags.from_sources(environ={}),
        Uploader(storage, UploadSettings("s3cret-upload-token", 1 << 22)),
    )
    with serving(app, **server_options) as httpd:
        yield httpd


@pytest.fixture
def port(data: Path) -> Iterator[int]:
    with serve(data) as httpd:
        yield httpd.server_port


def request(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body, headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def status_of(port: int, path: str) -> int:
    """The status of GET `path`, or 0 if the server turned the connection away unanswered."""
    try:
        return request(port, "GET", path)[0]
    except (OSError, http.client.HTTPException):
        return 0


def upload(port: int, body: bytes) -> tuple[int, str]:
    headers = {"Content-Type": CONTENT_TYPE, "Authorization": basic_auth()}
    return request(port, "POST", "/legacy/", body, headers)


def upload_body(filename: str, data: bytes, project: str) -> bytes:
    return multipart(upload_fields(project, "1.0", data), [("content", filename, data)])


def raw_exchange(port: int, head: bytes, body: bytes = b"", wait: float = 10.0) -> bytes:
    """Send `head` and `body` as they are; everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head + body)
        answer = b""
        while chunk := sock.recv(1 << 16):
            answer += chunk
        return answer


def raw_post(port: int, body: bytes, *headers: str, length: str | None = None) -> bytes:
    lines = [
        "POST /legacy/ HTTP/1.1",
        "Host: index",
        f"Content-Type: {CONTENT_TYPE}",
        f"Authorization: {basic_auth()}",
        f"Content-Length: {len(body) if length is None else length}",
        *headers,
    ]
    # Header bytes are latin-1 (RFC 9110), as the server decodes them.
    return raw_exchange(port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), body)


def files_in(data: Path) -> list[str]:
    return sorted(p.name for p in data.iterdir())


# --- defect 1: derived file names beyond the file system's 255-byte limit ---------------------


def long_wheel() -> tuple[str, bytes]:
    """A valid wheel whose name fits the limit but whose `.metadata` file would not."""
    filename, wheel = make_wheel("w" * 230, "1.0")
    assert 246 < len(filename) <= 255
    return filename, wheel


@pytest.mark.parametrize(
    "filename, content",
    [
        pytest.param("a" * 236 + "-1.0.tar.gz", b"\x1f\x8b" + b"0" * 20, id="sdist-247"),
        pytest.param(*long_wheel(), id="wheel-250"),
    ],
)
def test_a_filename_whose_metadata_file_cannot_exist_is_refused(
    port: int, data: Path, filename: str, content: bytes
) -> None:
    before = files_in(data)
    project = filename.split("-")[0]
    status, text = upload(port, upload_body(filename, content, project))
    assert (status, text) == (
        400,
        f"invalid filename {filename!r}: {len(filename)} bytes long; this index takes at most"
        " 246 (the file system allows 255 bytes per name, and the index adds '.metadata' to"
        " a distribution's name)\n",
    )
    assert files_in(data) == before
    status, page = request(port, "GET", "/simple/")
    assert status == 200 and "existing" in page


def test_a_file_that_cannot_be_read_never_hides_the_others(port: int, data: Path) -> None:
    # Put there by hand, or by a version of the index that did not refuse such names.
    (data / ("a" * 236 + "-1.0.tar.gz")).write_bytes(b"sdist")
    assert request(port, "GET", "/simple/")[0] == 200
    status, page = request(port, "GET", "/simple/existing/")
    assert status == 200 and SDIST_NAME in page
    assert request(port, "GET", f"/files/{SDIST_NAME}")[0] == 200
    # A name longer than any file can have is simply not there.
    assert request(port, "GET", "/files/" + "b" * 300 + "-1.0.tar.gz")[0] == 404


# --- defect 2: equivalent filenames uploaded at the same time ---------------------------------


def big_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("race-1.0/PKG-INFO", os.urandom(300_000))
    return buf.getvalue()


def test_of_two_equivalent_uploads_at_once_exactly_one_wins(port: int, data: Path) -> None:
    wheel_name, wheel = make_wheel("wrace0", "1.0", os.urandom(300_000))
    for uploads in [
        [("race-1.0.tar.gz", b"\x1f\x8b" + os.urandom(300_000)), ("race-1.0.zip", big_zip())],
        [(wheel_name, wheel), ("W" + wheel_name[1:], wheel)],
    ]:
        project = uploads[0][0].split("-")[0]
        bodies = [upload_body(name, content, project) for name, content in uploads]
        socks = []
        for body in bodies:
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            socks.append(sock)
            sock.sendall(
                f"POST /legacy/ HTTP/1.1\r\nHost: index\r\nContent-Type: {CONTENT_TYPE}\r\n"
                f"Authorization: {basic_auth()}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body[:200_000]
            )
        # Both have passed every check made before the file streams in.
        deadline = time.monotonic() + 20
        while len([p for p in data.iterdir() if p.name.startswith(".upload-")]) < 2:
            assert time.monotonic() < deadline, files_in(data)
            time.sleep(0.01)
        for sock, body in zip(socks, bodies):
            sock.sendall(body[200_000:])
        answers = []
        for sock in socks:
            with sock:
                answer = b""
                while chunk := sock.recv(1 << 16):
                    answer += chunk
                answers.append(answer.split(b" ", 2)[1])
        assert sorted(answers) == [b"200", b"409"]
        names = [name for name, _ in uploads]
        stored = [name for name in files_in(data) if name in names]
        assert len(stored) == 1, stored
        _, page = request(port, "GET", f"/simple/{project}/")
        assert sum(name in page for name in names) == 1


# --- defect 3: project names that are not names ------------------------------------------------


@pytest.mark.parametrize(
    "filename, name",
    [
        ("<img src=x onerror=alert(1)>-1.0.tar.gz", "<img src=x onerror=alert(1)>"),
        ("\ufb01le-1.0.tar.gz", "\ufb01le"),  # the "fi" ligature
        ("\uff0e\uff0e\uff0fevil-1.0.tar.gz", "\uff0e\uff0e\uff0fevil"),  # fullwidth ../
        ("\u212aelvin-1.0.tar.gz", "\u212aelvin"),  # the Kelvin sign lower-cases to ASCII k
        ("-lead-1.0.tar.gz", "-lead"),
        ("\ufb01le-1.0-py3-none-any.whl", "\ufb01le"),
    ],
)
def test_invalid_project_names_are_refused(port: int, data: Path, filename: str, name: str) -> None:
    before = files_in(data)
    content = b"\x1f\x8b" + b"0" * 20
    status, text = upload(port, upload_body(filename, content, name))
    assert (status, text) == (
        400,
        f"invalid project name {name!r} in {filename!r}: a name is ASCII letters, digits and"
        " '.', '_' or '-', and starts and ends with a letter or digit (PEP 508), e.g."
        " 'example_pkg-1.0.tar.gz'\n",
    )
    assert files_in(data) == before


def test_files_with_invalid_project_names_on_disk_are_not_listed(port: int, data: Path) -> None:
    (data / "\ufb01le-1.0.tar.gz").write_bytes(b"sdist")
    (data / "\u212aelvin-1.0.tar.gz").write_bytes(b"sdist")
    _, page = request(port, "GET", "/simple/")
    assert "\ufb01le" not in page and "kelvin" not in page and "existing" in page
    assert request(port, "GET", "/simple/kelvin/")[0] == 404


# --- defect 4: bad input answered 500 ------------------------------------------------------------


def encrypted_wheel() -> tuple[str, bytes]:
    """A wheel whose METADATA entry claims to be encrypted (general purpose flag bit 0)."""
    filename, wheel = make_wheel("sealed", "1.0")
    raw = bytearray(wheel)
    with zipfile.ZipFile(io.BytesIO(wheel)) as z:
        info = z.getinfo("sealed-1.0.dist-info/METADATA")
    # The flag is at offset 6 of the local header and offset 8 of the central directory entry.
    raw[info.header_offset + 6] |= 1
    central = raw.find(b"PK\x01\x02")
    while central >= 0:
        name_length = struct.unpack_from("<H", raw, central + 28)[0]
        if raw[central + 46 : central + 46 + name_length] == info.filename.encode():
            raw[central + 8] |= 1
        central = raw.find(b"PK\x01\x02", central + 4)
    return filename, bytes(raw)


def corrupt_wheel(compression: int) -> tuple[str, bytes]:
    """A wheel whose METADATA's compressed stream is garbage (the decompressor raises)."""
    filename, stored = make_wheel("garbled", "1.0")
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(stored)) as src, zipfile.ZipFile(buf, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name), compress_type=compression)
    raw = bytearray(buf.getvalue())
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        info = z.getinfo("garbled-1.0.dist-info/METADATA")
    start = info.header_offset + 30 + len(info.filename)
    raw[start : start + info.compress_size] = b"\xff" * info.compress_size
    return filename, bytes(raw)


def test_a_content_length_of_unicode_digits_is_a_400(port: int, data: Path) -> None:
    answer = raw_post(port, b"", length="\u00b2")
    assert answer.startswith(b"HTTP/1.0 400 invalid Content-Length '?'"), answer[:200]


def test_a_filename_with_a_lone_surrogate_is_a_400(port: int, data: Path) -> None:
    before = files_in(data)
    # RFC 2231: UTF-7 can spell a lone surrogate, which no file system name can hold.
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name=":action"\r\n\r\n'
        f'file_upload\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="content";'
        f" filename*=utf-7''+2AA--1.0.tar.gz\r\n\r\n\x1f\x8b0000\r\n--{BOUNDARY}--\r\n"
    ).encode()
    answer = raw_post(port, body)
    assert answer.startswith(
        b"HTTP/1.0 400 malformed multipart/form-data body: a part's filename '\\ud800-1.0.tar.gz'"
        b" is not valid Unicode text"
    ), answer[:300]
    assert files_in(data) == before


@pytest.mark.parametrize(
    "wheel, message",
    [
        (
            encrypted_wheel(),
            "sealed-1.0-py3-none-any.whl: sealed-1.0.dist-info/METADATA is encrypted;"
            " a wheel cannot be",
        ),
        (
            corrupt_wheel(zipfile.ZIP_DEFLATED),
            "garbled-1.0-py3-none-any.whl: not a readable zip file (a wheel is one): Error -3",
        ),
        (
            corrupt_wheel(zipfile.ZIP_BZIP2),
            "garbled-1.0-py3-none-any.whl: not a readable zip file (a wheel is one): Invalid",
        ),
    ],
    ids=["encrypted", "corrupt-deflate", "corrupt-bzip2"],
)
def test_unreadable_wheels_are_a_400(
    port: int, data: Path, wheel: tuple[str, bytes], message: str
) -> None:
    before = files_in(data)
    filename, content = wheel
    status, text = upload(port, upload_body(filename, content, filename.split("-")[0]))
    assert (status, text[: len(message)]) == (400, message)
    assert files_in(data) == before


# --- defect 7: slow clients and how many there can be ---------------------------------------


@pytest.mark.parametrize(
    "authorization, status",
    [(None, b"401"), (basic_auth("guess"), b"403"), (basic_auth(username="alice"), b"403")],
)
def test_auth_failures_are_answered_before_the_body_arrives(
    data: Path, authorization: str | None, status: bytes
) -> None:
    with serve(data, max_connections=1) as httpd:
        lines = ["POST /legacy/ HTTP/1.1", "Host: index", f"Content-Type: {CONTENT_TYPE}"]
        lines += [f"Authorization: {authorization}"] if authorization else []
        lines += ["Content-Length: 1000000"]
        with socket.create_connection(("127.0.0.1", httpd.server_port), timeout=10) as sock:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            # The body never comes; the refusal does, at once.
            started = time.monotonic()
            assert sock.recv(1 << 16).split(b" ", 2)[1] == status
            assert time.monotonic() - started < 5
            # ... and the stalled client gives up its connection slot within seconds.
            deadline = time.monotonic() + 20
            while status_of(httpd.server_port, "/simple/") != 200:
                assert time.monotonic() < deadline, "the refused client still holds its thread"
                time.sleep(0.2)


def test_connections_beyond_the_limit_are_turned_away(data: Path) -> None:
    with serve(data, max_connections=2) as httpd:
        port = httpd.server_port
        stalled = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(2)]
        try:
            deadline = time.monotonic() + 10
            while httpd.connections < 2:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            answer = raw_exchange(port, b"GET /simple/ HTTP/1.1\r\nHost: index\r\n\r\n")
            assert answer.startswith(b"HTTP/1.0 503 Service Unavailable\r\n"), answer
            assert b"Retry-After: 1\r\n" in answer
            assert answer.endswith(
                b"\r\n\r\nthe index is busy: it serves at most 2 connections at a time"
                b" (--max-connections); retry shortly\n"
            )
        finally:
            for sock in stalled:
                sock.close()
        deadline = time.monotonic() + 10
        while status_of(port, "/simple/") != 200:
            assert time.monotonic() < deadline, "closed connections never freed their slots"
            time.sleep(0.05)


# --- defect 6: page requests while uploads land -------------------------------------------


def test_page_requests_between_uploads_do_not_reread_the_directory(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "monotonic", lambda: 0.0)  # SCAN_TTL never passes
    reads: list[object] = []
    real_scandir = os.scandir

    def counting_scandir(path: str | os.PathLike[str]) -> object:
        if path == data:
            reads.append(path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", counting_scandir)
    with serve(data) as httpd:
        port = httpd.server_port
        assert request(port, "GET", "/simple/")[0] == 200
        assert len(reads) == 1
        for i in range(5):
            filename, wheel = make_wheel(f"busy{i}", "1.0")
            assert upload(port, upload_body(filename, wheel, f"busy{i}"))[0] == 200
            for _ in range(3):
                status, page = request(port, "GET", f"/simple/busy{i}/")
                assert status == 200 and filename in page
            assert f"busy{i}" in request(port, "GET", "/simple/")[1]
    # Each upload reads the directory twice, looking for an equivalent name (before its body
    # streams in, and under the publishing lock); the page requests add nothing to that.
    assert len(reads) == 1 + 2 * 5
