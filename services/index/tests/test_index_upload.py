from __future__ import annotations

import errno
import hashlib
import http.client
import io
import json
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
from index.cli import ThreadingWSGIServer
from index.storage import Storage
from index.upload import Uploader, UploadSettings
from index_test_support import (
    CONTENT_TYPE,
    TOKEN,
    basic_auth,
    make_sdist,
    make_wheel,
    multipart,
    serving,
    upload_fields,
)
from simplerepo import json_api

WHEEL_NAME, WHEEL = make_wheel("demo-pkg", "1.0", b"payload", requires_python=">=3.9")
SDIST_NAME, SDIST = make_sdist("demo-pkg", "1.0")


def make_app(data: Path, token: str | None = TOKEN, max_size: int = 1 << 20) -> IndexApp:
    storage = Storage(data)
    uploader = Uploader(storage, UploadSettings(token, max_size)) if token else None
    return IndexApp(storage, Flags.from_sources(environ={}), uploader)


def call(
    app: IndexApp,
    body: bytes,
    path: str = "/legacy/",
    method: str = "POST",
    content_type: str | None = CONTENT_TYPE,
    content_length: str | None = "auto",
    authorization: str | None = basic_auth(),
    accept: str | None = None,
) -> tuple[str, dict[str, str], str]:
    environ: dict[str, Any] = {
        "PATH_INFO": path,
        "REQUEST_METHOD": method,
        "wsgi.input": io.BytesIO(body),
    }
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if content_length is not None:
        environ["CONTENT_LENGTH"] = str(len(body)) if content_length == "auto" else content_length
    if authorization is not None:
        environ["HTTP_AUTHORIZATION"] = authorization
    if accept is not None:
        environ["HTTP_ACCEPT"] = accept
    setup_testing_defaults(environ)
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured.update(status=status, headers=dict(headers))

    out = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], out.decode()


def upload_body(
    filename: str = WHEEL_NAME, data: bytes = WHEEL, name: str = "demo-pkg", **fields: str | None
) -> bytes:
    return multipart(upload_fields(name, "1.0", data, **fields), [("content", filename, data)])


def listing(data: Path) -> dict[str, bytes]:
    """Everything in the data directory, hidden files included."""
    files = {}
    for path in sorted(data.iterdir()):
        try:
            files[path.name] = path.read_bytes()
        except FileNotFoundError:  # a temporary file, removed while we looked
            pass
    return files


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    (path / "existing-2.0.tar.gz").write_bytes(SDIST)
    return path


def test_wheel_upload_is_served_with_hash_and_metadata(data: Path) -> None:
    app = make_app(data)
    status, headers, text = call(app, upload_body())
    sha256 = hashlib.sha256(WHEEL).hexdigest()
    assert (status, text) == (
        "200 OK",
        f"stored {WHEEL_NAME} ({len(WHEEL)} bytes, sha256 {sha256})\n",
    )
    assert listing(data) == {
        "demo_pkg-1.0-py3-none-any.whl": WHEEL,
        "demo_pkg-1.0-py3-none-any.whl.metadata": (
            b"Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nRequires-Python: >=3.9\n"
            b"Summary: a test distribution for the pantry index\n\n"
        ),
        "existing-2.0.tar.gz": SDIST,
    }
    assert oct((data / WHEEL_NAME).stat().st_mode & 0o777) == "0o644"
    _, _, page = call(app, b"", path="/simple/demo-pkg/", method="GET", accept=json_api.JSON_V1)
    (listed,) = json_api.parse_project_page(page).files
    metadata_sha256 = hashlib.sha256((data / (WHEEL_NAME + ".metadata")).read_bytes()).hexdigest()
    assert (listed.filename, listed.hashes, listed.core_metadata, listed.requires_python) == (
        WHEEL_NAME,
        {"sha256": sha256},
        {"sha256": metadata_sha256},
        ">=3.9",
    )


def test_sdist_upload_and_bearer_token(data: Path) -> None:
    body = upload_body(SDIST_NAME, SDIST, filetype="sdist")
    status, _, _ = call(make_app(data), body, path="/legacy", authorization=f"Bearer {TOKEN}")
    assert status == "200 OK"
    assert (data / SDIST_NAME).read_bytes() == SDIST
    assert not (data / (SDIST_NAME + ".metadata")).exists()


def test_existing_file_is_never_overwritten(data: Path) -> None:
    app = make_app(data)
    assert call(app, upload_body())[0] == "200 OK"
    before = listing(data)
    _, other = make_wheel("demo-pkg", "1.0", b"different bytes, same name")
    status, _, text = call(app, upload_body(data=other))
    message = f"'{WHEEL_NAME}' already exists on this index; files are never replaced"
    assert (status, text) == (f"409 {message}", message + "\n")
    assert listing(data) == before


def _refusals() -> list:
    wheel_sha = hashlib.sha256(WHEEL).hexdigest()
    _, not_metadata_name = make_wheel("demo-pkg", "1.0", metadata_name="other")
    cases = [
        # (id, call kwargs, expected status, expected message)
        (
            "no-auth",
            dict(authorization=None),
            "401",
            "authentication required: upload as user '__token__' with the index's upload token"
            " as the password",
        ),
        ("wrong-token", dict(authorization=basic_auth("guess")), "403", "invalid upload token"),
        (
            "wrong-user",
            dict(authorization=basic_auth(username="alice")),
            "403",
            "upload as user '__token__' (with the token as password), not as 'alice'",
        ),
        (
            "bad-basic",
            dict(authorization="Basic !!!"),
            "401",
            "malformed Basic Authorization header",
        ),
        (
            "bad-scheme",
            dict(authorization="Digest x"),
            "401",
            "unsupported authorization scheme 'Digest'; use Basic or Bearer",
        ),
        (
            "no-length",
            dict(content_length=None),
            "411",
            "the upload has no Content-Length; send the body with its length",
        ),
        ("bad-length", dict(content_length="-5"), "400", "invalid Content-Length '-5'"),
        (
            "too-large",
            dict(content_length=str(2 << 20)),
            "413",
            f"the upload is {2 << 20} bytes; this index accepts at most {1 << 20}"
            " (the server's --max-upload-size)",
        ),
        (
            "not-multipart",
            dict(content_type="application/json"),
            "400",
            "malformed multipart/form-data body: the Content-Type is 'application/json';"
            " expected multipart/form-data with a boundary",
        ),
        (
            "truncated",
            dict(body=upload_body()[:-300]),
            "400",
            "malformed multipart/form-data body: the body ends inside a part; the closing boundary"
            " is missing",
        ),
        (
            "short-body",
            dict(body=upload_body(), content_length=str(len(upload_body()) + 9)),
            "400",
            "malformed multipart/form-data body: the request body ended after",
        ),
        (
            "no-content",
            dict(body=multipart([(":action", "file_upload")])),
            "400",
            "the upload has no 'content' file field",
        ),
        (
            "two-contents",
            dict(
                body=multipart(
                    upload_fields("demo-pkg", "1.0", WHEEL),
                    [("content", WHEEL_NAME, WHEEL), ("content", "demo_pkg-1.0.tar.gz", SDIST)],
                )
            ),
            "400",
            "more than one 'content' file in one upload",
        ),
        (
            "other-file",
            dict(body=multipart([], [("readme", "README", b"x")])),
            "400",
            "unexpected file field 'readme'; the file goes in 'content'",
        ),
        (
            "submit",
            # `:action` is no parameter's name, so it never reaches filename, data or name.
            dict(body=upload_body(**{":action": "submit"})),  # type: ignore[arg-type]
            "400",
            "unsupported :action 'submit'; this index accepts only 'file_upload'",
        ),
        (
            "protocol",
            dict(body=upload_body(protocol_version="2")),
            "400",
            "unsupported protocol_version '2'; expected '1'",
        ),
        (
            "name-mismatch",
            dict(body=upload_body(name="other")),
            "400",
            f"the name field 'other' does not match the filename '{WHEEL_NAME}'",
        ),
        (
            "version-mismatch",
            dict(body=upload_body(version="2.0")),
            "400",
            f"the version field '2.0' does not match the filename '{WHEEL_NAME}'",
        ),
        (
            "sha256-mismatch",
            dict(body=upload_body(sha256_digest="0" * 64)),
            "400",
            f"sha256_digest mismatch for {WHEEL_NAME}: sent {'0' * 64}, received bytes have"
            f" {wheel_sha}; the upload was corrupted, try again",
        ),
        (
            "sha256-invalid",
            dict(body=upload_body(sha256_digest="xyz")),
            "400",
            "invalid sha256_digest 'xyz': expected 64 hex digits",
        ),
        (
            "blake2-mismatch",
            dict(body=upload_body(blake2_256_digest="f" * 64)),
            "400",
            f"blake2_256_digest mismatch for {WHEEL_NAME}",
        ),
        ("empty", dict(body=upload_body(data=b"")), "400", f"{WHEEL_NAME} is empty"),
        (
            "not-a-zip",
            dict(body=upload_body(data=b"not a zip")),
            "400",
            f"{WHEEL_NAME}: not a readable zip file (a wheel is one)",
        ),
        (
            "metadata-mismatch",
            dict(body=upload_body(data=not_metadata_name)),
            "400",
            f"{WHEEL_NAME}: its METADATA says other 1.0, the filename demo-pkg 1.0",
        ),
        (
            "sdist-not-gzip",
            dict(body=upload_body("demo_pkg-1.0.tar.gz", b"plain text")),
            "400",
            "demo_pkg-1.0.tar.gz: not a gzip file (a .tar.gz sdist is one)",
        ),
        (
            "not-a-dist",
            dict(body=upload_body("notes.txt")),
            "400",
            "'notes.txt' is not a distribution filename: the suffix is not .whl, .tar.gz or .zip",
        ),
    ]
    for name in ("existing-2.0.zip", "Existing-2.0.tar.gz", "existing-2.0.0.tar.gz"):
        cases.append(
            (
                f"same-release-{name}",
                dict(body=upload_body(name, SDIST, name="existing")),
                "409",
                "'existing-2.0.tar.gz' already exists on this index and is the same release file"
                f" as {name!r} to an installer; files are never replaced",
            )
        )
    traversals = [
        "../evil-1.0.tar.gz",
        "../../etc/evil-1.0.tar.gz",
        "/tmp/evil-1.0.tar.gz",
        "sub/evil-1.0.tar.gz",
        "..\\evil-1.0.tar.gz",
        "..",
        ".hidden-1.0.tar.gz",
        ".upload-x.part",
        "evil-1.0.tar.gz\x00.whl",
        "evil-1.0.tar.gz.metadata",
    ]
    for name in traversals:
        cases.append(
            (
                f"filename-{name[:20]!r}",
                dict(body=upload_body(name, SDIST)),
                "400",
                f"invalid filename {name!r}: expected a plain file name such as",
            )
        )
    too_long = "a" * 250 + "-1.0.tar.gz"
    cases.append(
        (
            "filename-too-long",
            dict(body=upload_body(too_long, SDIST)),
            "400",
            f"invalid filename {too_long!r}: 261 bytes long; this index takes at most 246",
        )
    )
    return [
        pytest.param(kwargs, status, message, id=case_id)
        for case_id, kwargs, status, message in cases
    ]


@pytest.mark.parametrize("kwargs, status, message", _refusals())
def test_refusals_write_nothing(
    data: Path, kwargs: dict[str, Any], status: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = listing(data)
    body = kwargs.pop("body", upload_body())
    got_status, headers, text = call(make_app(data), body, **kwargs)
    # twine shows only the status line, so it carries the message (as PyPI's does).
    assert got_status.startswith(f"{status} {message[:40]}"), got_status
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert text.startswith(message), text
    assert listing(data) == before
    if status == "401":
        assert headers["WWW-Authenticate"] == 'Basic realm="pantry-index"'
    assert "Traceback" not in caplog.text


def test_uploads_disabled_without_token(data: Path) -> None:
    before = listing(data)
    status, _, text = call(make_app(data, token=None), upload_body())
    message = "uploads are disabled on this index; start it with --upload-token-file FILE"
    assert (status, text) == (f"403 {message}", message + "\n")
    assert listing(data) == before


def test_get_on_upload_url(data: Path) -> None:
    status, headers, text = call(make_app(data), b"", method="GET")
    assert (status, headers["Allow"]) == ("405 Method Not Allowed", "POST")
    assert "upload with POST" in text


def test_failure_while_publishing_leaves_nothing(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = listing(data)

    def disk_full(*args: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "link", disk_full)
    status, _, text = call(make_app(data), upload_body())
    message = "the index could not store the upload: [Errno 28] No space left on device"
    assert (status, text) == (f"500 {message}", message + "\n")
    assert listing(data) == before


class StallingStream(io.BytesIO):
    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        raise TimeoutError("timed out")


def test_stalled_client_gets_408_and_nothing_is_written(data: Path) -> None:
    before = listing(data)
    body = upload_body()
    environ: dict[str, Any] = {
        "PATH_INFO": "/legacy/",
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": CONTENT_TYPE,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": basic_auth(),
        "wsgi.input": StallingStream(body),
    }
    setup_testing_defaults(environ)
    statuses: list[str] = []
    b"".join(make_app(data)(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["408 the upload stalled; the server stopped waiting"]
    assert listing(data) == before


def test_without_hard_links_publishing_falls_back_to_a_locked_rename(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*args: Any) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    app = make_app(data)
    assert call(app, upload_body())[0] == "200 OK"
    _, other = make_wheel("demo-pkg", "1.0", b"other")
    assert call(app, upload_body(data=other))[0].startswith("409 ")
    assert (data / WHEEL_NAME).read_bytes() == WHEEL
    assert sorted(p.name for p in data.iterdir()) == [
        "demo_pkg-1.0-py3-none-any.whl",
        "demo_pkg-1.0-py3-none-any.whl.metadata",
        "existing-2.0.tar.gz",
    ]


# --- a real server on 127.0.0.1 -------------------------------------------------------------


@pytest.fixture
def server(data: Path) -> Iterator[ThreadingWSGIServer]:
    with serving(make_app(data, max_size=1 << 20)) as httpd:
        yield httpd


def post(port: int, body: bytes, authorization: str = basic_auth()) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            "/legacy/",
            body,
            {"Content-Type": CONTENT_TYPE, "Authorization": authorization},
        )
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def test_concurrent_uploads_of_different_files_all_land(
    server: ThreadingWSGIServer, data: Path
) -> None:
    wheels = [make_wheel(f"pkg{i}", "1.0", os.urandom(50_000)) for i in range(24)]
    results: list[tuple[int, str]] = []
    threads = [
        threading.Thread(
            target=lambda n=n, b=b: results.append(
                post(server.server_port, upload_body(n, b, name=n.split("-")[0]))
            )
        )
        for n, b in wheels
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(status for status, _ in results) == [200] * len(wheels)
    for filename, content in wheels:
        assert (data / filename).read_bytes() == content
    assert not [p for p in data.iterdir() if p.name.startswith(".")]


def test_concurrent_uploads_of_one_filename_store_exactly_one(
    server: ThreadingWSGIServer, data: Path
) -> None:
    versions = [make_wheel("race", "1.0", os.urandom(100_000))[1] for _ in range(12)]
    results: dict[bytes, int] = {}
    threads = [
        threading.Thread(
            target=lambda b=b: results.__setitem__(
                b, post(server.server_port, upload_body("race-1.0-py3-none-any.whl", b, "race"))[0]
            )
        )
        for b in versions
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results.values()) == [200] + [409] * (len(versions) - 1)
    (winner,) = [b for b, status in results.items() if status == 200]
    assert (data / "race-1.0-py3-none-any.whl").read_bytes() == winner


@pytest.mark.parametrize(
    "payload, authorization, status, message",
    [
        (1_200_000, basic_auth(), 413, "this index accepts at most 1048576"),
        (600_000, basic_auth("guess"), 403, "invalid upload token"),
    ],
)
def test_refusals_of_large_bodies_reach_the_client(
    server: ThreadingWSGIServer,
    data: Path,
    payload: int,
    authorization: str,
    status: int,
    message: str,
) -> None:
    # The server reads what the client still sends before answering: closing a socket with
    # unread data resets it, and the client would see a broken pipe instead of the refusal.
    before = listing(data)
    filename, big = make_wheel("big", "1.0", os.urandom(payload))
    for _ in range(5):
        got = post(server.server_port, upload_body(filename, big, "big"), authorization)
        assert got[0] == status and message in got[1]
    assert listing(data) == before


def test_client_dying_mid_upload_leaves_nothing(server: ThreadingWSGIServer, data: Path) -> None:
    before = listing(data)
    # Larger than the server's read size (64 KiB), so it starts writing before the end.
    filename, big = make_wheel("big", "1.0", os.urandom(300_000))
    body = upload_body(filename, big, "big")
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as sock:
        sock.sendall(
            f"POST /legacy/ HTTP/1.1\r\nHost: x\r\nContent-Type: {CONTENT_TYPE}\r\n"
            f"Authorization: {basic_auth()}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body[: len(body) - 200]
        )
        # Wait until the server has started writing the hidden temporary file.
        deadline = time.monotonic() + 10
        while not any(p.name.startswith(".upload-") for p in data.iterdir()):
            assert time.monotonic() < deadline, "the upload never started"
            time.sleep(0.01)
    # The connection is closed: the server sees the body end early and cleans up.
    deadline = time.monotonic() + 10
    while listing(data) != before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert listing(data) == before


def test_access_log_records_uploads(data: Path) -> None:
    from index.accesslog import AccessLog

    log = io.StringIO()
    app = AccessLog(make_app(data), log)
    environ: dict[str, Any] = {
        "PATH_INFO": "/legacy/",
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": CONTENT_TYPE,
        "CONTENT_LENGTH": str(len(upload_body())),
        "HTTP_AUTHORIZATION": basic_auth(),
        "HTTP_USER_AGENT": "twine/6.2.0",
        "wsgi.input": io.BytesIO(upload_body()),
    }
    setup_testing_defaults(environ)
    b"".join(app(environ, lambda *a: None))
    record = json.loads(log.getvalue())
    assert (record["method"], record["path"], record["status"], record["user_agent"]) == (
        "POST",
        "/legacy/",
        200,
        "twine/6.2.0",
    )
