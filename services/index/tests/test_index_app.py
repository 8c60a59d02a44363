from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from feature_flags import Flags
from index.app import IndexApp
from index.storage import Storage
from simplerepo import html, json_api

PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json,"
    " application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
)
WHEEL = b"wheel bytes"
METADATA = b"Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nRequires-Python: >=3.9\n"


def call(
    app: IndexApp, path: str, method: str = "GET", **headers: str
) -> tuple[str, dict[str, str], bytes]:
    environ: dict[str, Any] = {
        "PATH_INFO": path,
        "REQUEST_METHOD": method,
        "wsgi.input": io.BytesIO(),
    }
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    setup_testing_defaults(environ)
    captured: dict[str, Any] = {}

    def start_response(
        status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
    ) -> None:
        captured.update(status=status, headers=dict(response_headers))

    body = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], body


@pytest.fixture
def data(tmp_path: Path) -> Path:
    (tmp_path / "demo_pkg-1.0-py3-none-any.whl").write_bytes(WHEEL)
    (tmp_path / "demo_pkg-1.0-py3-none-any.whl.metadata").write_bytes(METADATA)
    (tmp_path / "demo-pkg-0.9.tar.gz").write_bytes(b"sdist")
    (tmp_path / "Other-2.0.zip").write_bytes(b"zip")
    return tmp_path


@pytest.fixture
def app(data: Path) -> IndexApp:
    return IndexApp(Storage(data), Flags.from_sources(environ={}))


def test_project_list_html(app: IndexApp) -> None:
    status, headers, body = call(app, "/simple/")
    assert status == "200 OK"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Content-Length"] == str(len(body))
    assert headers["Vary"] == "Accept"
    assert headers["Cache-Control"] == "max-age=60"
    assert html.parse_project_list(body.decode()).names == ("demo-pkg", "other")


def test_project_page_html_has_hashes_metadata_and_requires_python(
    app: IndexApp,
) -> None:
    status, _, body = call(app, "/simple/demo-pkg/")
    assert status == "200 OK"
    page = html.parse_project_page(body.decode(), "demo-pkg", url="http://index/simple/demo-pkg/")
    wheel, sdist = sorted(page.files, key=lambda f: f.filename, reverse=True)
    assert wheel.url == "http://index/files/demo_pkg-1.0-py3-none-any.whl"
    assert wheel.hashes == {"sha256": hashlib.sha256(WHEEL).hexdigest()}
    assert wheel.core_metadata == {"sha256": hashlib.sha256(METADATA).hexdigest()}
    assert wheel.requires_python == ">=3.9"
    assert (sdist.filename, sdist.core_metadata, sdist.requires_python) == (
        "demo-pkg-0.9.tar.gz",
        False,
        None,
    )


def test_pip_gets_json(app: IndexApp) -> None:
    status, headers, body = call(app, "/simple/demo-pkg/", accept=PIP_ACCEPT)
    assert (status, headers["Content-Type"]) == (
        "200 OK",
        "application/vnd.pypi.simple.v1+json",
    )
    assert [f.filename for f in json_api.parse_project_page(body).files] == [
        "demo-pkg-0.9.tar.gz",
        "demo_pkg-1.0-py3-none-any.whl",
    ]


def test_serve_json_flag_off_falls_back_to_html(data: Path) -> None:
    app = IndexApp(Storage(data), Flags.from_sources(environ={"PANTRY_FLAG_SERVE_JSON": "off"}))
    assert (
        call(app, "/simple/", accept=PIP_ACCEPT)[1]["Content-Type"]
        == "application/vnd.pypi.simple.v1+html"
    )
    status, _, body = call(app, "/simple/", accept="application/vnd.pypi.simple.v1+json")
    assert status == "406 Not Acceptable"
    assert body == b"can serve text/html, application/vnd.pypi.simple.v1+html\n"


@pytest.mark.parametrize(
    "path, location",
    [
        ("/", "/simple/"),
        ("/simple", "/simple/"),
        ("/simple/Demo_Pkg/", "/simple/demo-pkg/"),
        ("/simple/demo-pkg", "/simple/demo-pkg/"),
    ],
)
def test_redirects(app: IndexApp, path: str, location: str) -> None:
    status, headers, _ = call(app, path)
    assert (status, headers["Location"]) == ("301 Moved Permanently", location)


@pytest.mark.parametrize(
    "path, message",
    [
        ("/simple/nope/", b"no project named 'nope' on this index\n"),
        ("/simple/-bad-/", b"not a valid project name: '-bad-'\n"),
        ("/simple/a/b/", b"not a valid project name: 'a/b'\n"),
        ("/files/nope-1.0.tar.gz", b"no file named 'nope-1.0.tar.gz' on this index\n"),
        (
            "/files/demo-pkg-0.9.tar.gz.metadata",
            b"no file named 'demo-pkg-0.9.tar.gz.metadata' on this index\n",
        ),
        ("/elsewhere", b"no such page: /elsewhere; the index is at /simple/\n"),
    ],
)
def test_not_found(app: IndexApp, path: str, message: bytes) -> None:
    status, headers, body = call(app, path)
    assert (status, headers["Content-Type"], body) == (
        "404 Not Found",
        "text/plain; charset=utf-8",
        message,
    )


def test_file_download_and_conditional_get(app: IndexApp) -> None:
    status, headers, body = call(app, "/files/demo_pkg-1.0-py3-none-any.whl")
    assert (status, body) == ("200 OK", WHEEL)
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Length"] == str(len(WHEEL))
    assert headers["ETag"] == f'"{hashlib.sha256(WHEEL).hexdigest()}"'
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    status, headers, body = call(
        app, "/files/demo_pkg-1.0-py3-none-any.whl", if_none_match=headers["ETag"]
    )
    assert (status, body, "Content-Length" in headers) == (
        "304 Not Modified",
        b"",
        False,
    )


def test_metadata_file(app: IndexApp) -> None:
    status, headers, body = call(app, "/files/demo_pkg-1.0-py3-none-any.whl.metadata")
    assert (status, body, headers["ETag"]) == (
        "200 OK",
        METADATA,
        f'"{hashlib.sha256(METADATA).hexdigest()}"',
    )


def test_page_etag_revalidates(app: IndexApp) -> None:
    etag = call(app, "/simple/")[1]["ETag"]
    assert call(app, "/simple/", if_none_match=etag)[0] == "304 Not Modified"
    assert call(app, "/simple/", if_none_match='"stale"')[0] == "200 OK"


def test_head_sends_headers_only(app: IndexApp) -> None:
    status, headers, body = call(app, "/files/demo-pkg-0.9.tar.gz", method="HEAD")
    assert (status, headers["Content-Length"], body) == ("200 OK", "5", b"")


def test_other_methods_are_rejected(app: IndexApp) -> None:
    status, headers, body = call(app, "/simple/", method="POST")
    assert (status, headers["Allow"], body) == (
        "405 Method Not Allowed",
        "GET, HEAD",
        b"POST is not supported; use GET or HEAD\n",
    )


def test_json_root_page(app: IndexApp) -> None:
    _, _, body = call(app, "/simple/", accept="application/vnd.pypi.simple.v1+json")
    assert json.loads(body)["projects"] == [{"name": "demo-pkg"}, {"name": "other"}]
