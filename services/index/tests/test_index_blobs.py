"""Blobs (`/blobs/<algorithm>/<hex>`) against a real server on 127.0.0.1: uploads by digest,
downloads, and the hostile inputs the twine upload path is guarded against."""

from __future__ import annotations

import errno
import hashlib
import http.client
import io
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from feature_flags import Flags
from index.app import IndexApp
from index.blobs import BlobStore
from index.storage import PENDING_PREFIX, Storage
from index.upload import Uploader, UploadSettings
from index_test_support import TOKEN, basic_auth, serving

MAX_SIZE = 1 << 20
DEB = b"!<arch>\n" + os.urandom(4000)
DEB_SHA256 = hashlib.sha256(DEB).hexdigest()
TGZ = b"\x1f\x8b" + os.urandom(3000)
TGZ_SHA512 = hashlib.sha512(TGZ).hexdigest()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


def app(data: Path, token: str | None = TOKEN) -> IndexApp:
    storage = Storage(data)
    uploader = Uploader(storage, UploadSettings(token, MAX_SIZE)) if token else None
    return IndexApp(storage, Flags.from_sources(environ={}), uploader)


@pytest.fixture
def port(data: Path) -> Iterator[int]:
    with serving(app(data)) as httpd:
        yield httpd.server_port


def request(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, str, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body, headers or {})
        response = conn.getresponse()
        return response.status, response.reason, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def put(port: int, path: str, body: bytes, authorization: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": authorization or basic_auth()}
    status, _, _, answer = request(port, "PUT", path, body, headers)
    return status, answer.decode()


def raw(port: int, head: str, body: bytes = b"", close_write: bool = False) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(head.encode("latin-1") + body)
        if close_write:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(1 << 16):
            answer += chunk
        return answer


def stored(data: Path) -> list[str]:
    root = data / "blobs"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_blob_uploaded_by_its_sha256_is_served_by_it(port: int, data: Path) -> None:
    path = f"/blobs/sha256/{DEB_SHA256}"
    assert put(port, path, DEB) == (201, f"stored sha256:{DEB_SHA256} ({len(DEB)} bytes)\n")
    status, _, headers, body = request(port, "GET", path)
    assert (status, body) == (200, DEB)
    assert headers["Content-Length"] == str(len(DEB))
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    status, _, headers, body = request(port, "HEAD", path)
    assert (status, headers["Content-Length"], body) == (200, str(len(DEB)), b"")
    assert stored(data) == [f"sha256/{DEB_SHA256}"]
    # Not a distribution: no project page lists it.
    assert request(port, "GET", "/simple/", headers={"Accept": "text/html"})[3].count(b"<a ") == 0


def test_npm_integrity_names_a_blob_by_sha512(port: int, data: Path) -> None:
    path = f"/blobs/sha512/{TGZ_SHA512}"
    assert put(port, path, TGZ)[0] == 201
    assert request(port, "GET", path)[3] == TGZ
    assert stored(data) == [f"sha512/{TGZ_SHA512}"]


def test_the_same_blob_again_is_fine_and_kept(port: int, data: Path) -> None:
    path = f"/blobs/sha256/{DEB_SHA256}"
    assert put(port, path, DEB)[0] == 201
    before = (data / "blobs/sha256" / DEB_SHA256).stat()
    assert put(port, path, DEB) == (200, f"sha256:{DEB_SHA256} is already stored\n")
    after = (data / "blobs/sha256" / DEB_SHA256).stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_a_body_whose_digest_is_not_its_name_is_refused(port: int, data: Path) -> None:
    other = hashlib.sha256(b"something else").hexdigest()
    status, text = put(port, f"/blobs/sha256/{other}", DEB)
    assert (status, text) == (
        400,
        f"sha256 mismatch: the body's sha256 is {DEB_SHA256}, not the name {other}; nothing"
        " stored. Upload a blob to /blobs/sha256/<its sha256>\n",
    )
    assert stored(data) == []
    assert request(port, "GET", f"/blobs/sha256/{other}")[0] == 404


@pytest.mark.parametrize(
    "path",
    [
        "/blobs/sha256/../../etc/passwd",
        "/blobs/sha256/" + DEB_SHA256.upper(),
        "/blobs/sha256/" + DEB_SHA256[:-1],
        "/blobs/sha256/" + DEB_SHA256 + "/x",
        "/blobs/md5/" + hashlib.md5(DEB).hexdigest(),
        "/blobs/sha512/" + DEB_SHA256,
        "/blobs/",
        "/blobs/sha256/%2e%2e%2f" + DEB_SHA256[9:],
    ],
)
def test_names_that_are_not_digests_are_refused(port: int, data: Path, path: str) -> None:
    status, text = put(port, path, DEB)
    assert status == 400, text
    assert text.startswith("not a blob address: ") and "expected /blobs/sha256/<64" in text
    status, _, _, body = request(port, "GET", path)
    assert status == 404 and body.startswith(b"not a blob address")
    assert stored(data) == []


def test_a_missing_blob_is_a_404_that_says_how_to_add_it(port: int) -> None:
    status, _, _, body = request(port, "GET", f"/blobs/sha256/{DEB_SHA256}")
    assert (status, body.decode()) == (
        404,
        f"no blob sha256:{DEB_SHA256} on this index; upload it with"
        f" PUT /blobs/sha256/{DEB_SHA256} (./pants index-mirror does)\n",
    )


@pytest.mark.parametrize(
    "authorization, status, reason",
    [
        (None, 401, "authentication required"),
        (basic_auth("guess"), 403, "invalid upload token"),
        (basic_auth(username="alice"), 403, "upload as user '__token__'"),
    ],
)
def test_uploads_need_the_token(
    port: int, data: Path, authorization: str | None, status: int, reason: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = request(port, "PUT", f"/blobs/sha256/{DEB_SHA256}", DEB, headers)
    assert answer[0] == status and answer[1].startswith(reason), answer[:2]
    assert not (data / "blobs").exists()


def test_a_read_only_index_refuses_blob_uploads(data: Path) -> None:
    with serving(app(data, token=None)) as httpd:
        status, text = put(httpd.server_port, f"/blobs/sha256/{DEB_SHA256}", DEB)
    assert status == 403 and text.startswith("uploads are disabled on this index")
    assert not (data / "blobs").exists()


def test_an_oversize_body_is_refused_before_it_is_read(port: int, data: Path) -> None:
    big = os.urandom(MAX_SIZE + 1)
    status, text = put(port, f"/blobs/sha256/{hashlib.sha256(big).hexdigest()}", big)
    assert (status, text) == (
        413,
        f"the upload is {MAX_SIZE + 1} bytes; this index accepts at most {MAX_SIZE} (the"
        " server's --max-upload-size)\n",
    )
    assert not (data / "blobs").exists()


def test_no_content_length_is_a_411_and_unicode_digits_a_400(port: int) -> None:
    head = (
        f"PUT /blobs/sha256/{DEB_SHA256} HTTP/1.1\r\nHost: i\r\nAuthorization: {basic_auth()}\r\n"
    )
    assert raw(port, head + "\r\n").startswith(b"HTTP/1.0 411 ")
    assert raw(port, head + "Content-Length: \u00b2\r\n\r\n").startswith(
        b"HTTP/1.0 400 invalid Content-Length '?'"
    )


def test_a_body_that_ends_early_stores_nothing(port: int, data: Path) -> None:
    head = (
        f"PUT /blobs/sha256/{DEB_SHA256} HTTP/1.1\r\nHost: i\r\nAuthorization: {basic_auth()}\r\n"
        f"Content-Length: {len(DEB)}\r\n\r\n"
    )
    answer = raw(port, head, DEB[:1000], close_write=True)
    assert answer.startswith(
        b"HTTP/1.0 400 the body ended after 1000 of %d bytes; nothing stored" % len(DEB)
    ), answer[:200]
    assert stored(data) == []
    assert not [p for p in (data / "blobs/sha256").iterdir()]


def test_concurrent_uploads_of_one_blob_leave_one_file(port: int, data: Path) -> None:
    blob = os.urandom(300_000)
    path = f"/blobs/sha256/{hashlib.sha256(blob).hexdigest()}"
    results: list[int] = []

    def upload() -> None:
        results.append(put(port, path, blob)[0])

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results)[-1] == 201 and set(results) <= {200, 201}, results
    assert stored(data) == [path[len("/blobs/") :]]
    assert request(port, "GET", path)[3] == blob


def test_other_methods_are_405(port: int) -> None:
    status, _, headers, _ = request(port, "POST", f"/blobs/sha256/{DEB_SHA256}", DEB)
    assert (status, headers["Allow"]) == (405, "GET, HEAD, PUT")


def test_auth_failures_on_blobs_are_answered_before_the_body_arrives(data: Path) -> None:
    with serving(app(data), max_connections=1) as httpd:
        with socket.create_connection(("127.0.0.1", httpd.server_port), timeout=10) as sock:
            sock.sendall(
                f"PUT /blobs/sha256/{DEB_SHA256} HTTP/1.1\r\nHost: i\r\n"
                "Content-Length: 1000000\r\n\r\n".encode()
            )
            started = time.monotonic()
            assert sock.recv(1 << 16).split(b" ", 2)[1] == b"401"
            assert time.monotonic() - started < 5


def test_leftovers_of_interrupted_uploads_go_at_start(data: Path) -> None:
    store = BlobStore(data)
    pending = store.begin("sha256")
    pending.write(b"half")
    leftover = data / "blobs/sha256" / (PENDING_PREFIX + "x.part")
    leftover.write_bytes(b"left by a killed index")
    assert store.remove_stale_uploads() == [leftover]
    assert pending.path.exists()  # still being written: locked
    pending.discard()


# --- failures a real server cannot be made to show on demand: the WSGI app called directly ---


def call(application: IndexApp, method: str, path: str, stream: io.BytesIO) -> str:
    environ: dict[str, Any] = {
        "PATH_INFO": path,
        "REQUEST_METHOD": method,
        "CONTENT_LENGTH": str(len(stream.getvalue())),
        "HTTP_AUTHORIZATION": basic_auth(),
        "wsgi.input": stream,
    }
    setup_testing_defaults(environ)
    statuses: list[str] = []
    b"".join(application(environ, lambda status, headers: statuses.append(status)))
    return statuses[0]


class StallingStream(io.BytesIO):
    def read(self, n: int | None = -1) -> bytes:
        raise TimeoutError("timed out")


def test_a_stalled_blob_upload_is_a_408_and_stores_nothing(data: Path) -> None:
    status = call(app(data), "PUT", f"/blobs/sha256/{DEB_SHA256}", StallingStream(DEB))
    assert status == "408 the upload stalled; the server stopped waiting"
    assert stored(data) == []


def test_a_blob_store_that_cannot_be_written_is_a_500_naming_the_cause(data: Path) -> None:
    application = app(data)
    (data / "blobs").write_text("a file where the blob directory belongs\n")
    status = call(application, "PUT", f"/blobs/sha256/{DEB_SHA256}", io.BytesIO(DEB))
    assert status.startswith("500 the index could not store the blob: "), status


def test_without_hard_links_a_blob_is_published_by_rename(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*args: Any) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    application = app(data)
    monkeypatch.setattr(os, "link", no_links)
    status = call(application, "PUT", f"/blobs/sha256/{DEB_SHA256}", io.BytesIO(DEB))
    assert status.startswith("201 "), status
    assert (data / "blobs/sha256" / DEB_SHA256).read_bytes() == DEB
    assert stored(data) == [f"sha256/{DEB_SHA256}"]


def test_a_blob_stored_meanwhile_by_another_upload_is_kept(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = app(data)
    assert call(application, "PUT", f"/blobs/sha256/{DEB_SHA256}", io.BytesIO(DEB)).startswith(
        "201 "
    )
    # The second upload checked before the first had published: it finds the name taken only
    # when it publishes, and keeps the stored file.
    monkeypatch.setattr(BlobStore, "find", lambda self, algorithm, digest: None)
    status = call(application, "PUT", f"/blobs/sha256/{DEB_SHA256}", io.BytesIO(DEB))
    assert status == "200 OK"
    assert stored(data) == [f"sha256/{DEB_SHA256}"]
