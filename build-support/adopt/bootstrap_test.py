"""adopt.bootstrap fetches the locked packaging wheel from PANTRY_INDEX_URL when it is set:
a real HTTP server on 127.0.0.1 plays the index (a PEP 691 JSON page and the file)."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
from adopt.bootstrap import LOCK, SIMPLE_JSON, BootstrapError, fetch_wheel, locked_wheel

WHEEL = "packaging-24.2-py3-none-any.whl"
CONTENT = b"PK\x05\x06" + b"\0" * 18  # an empty zip: the bytes matter, not what they hold
# The lock's own URL: nothing listens there, so only the index can serve the wheel.
UNREACHABLE = f"http://127.0.0.1:9/packages/{WHEEL}"


def write_lock(repo: Path, sha256: str) -> None:
    artifact = {"algorithm": "sha256", "hash": sha256, "url": UNREACHABLE}
    lock = {
        "locked_resolves": [
            {
                "locked_requirements": [
                    {"project_name": "packaging", "version": "24.2", "artifacts": [artifact]}
                ]
            }
        ]
    }
    (repo / LOCK).parent.mkdir(parents=True)
    (repo / LOCK).write_text("// header\n" + json.dumps(lock))


class Index(BaseHTTPRequestHandler):
    requests: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:
        Index.requests.append((self.path, self.headers.get("Accept")))
        if self.path == "/simple/packaging/":
            body = json.dumps({"files": [{"filename": WHEEL, "url": f"../../files/{WHEEL}"}]})
            self.reply(body.encode(), SIMPLE_JSON)
        elif self.path == f"/files/{WHEEL}":
            self.reply(CONTENT, "application/octet-stream")
        else:
            self.send_error(404)

    def reply(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def index() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Index)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Index.requests = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PANTRY_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "repo").mkdir()
    return tmp_path / "repo"


def test_the_wheel_comes_from_the_index_when_one_is_set(repo: Path, index: str) -> None:
    write_lock(repo, hashlib.sha256(CONTENT).hexdigest())
    wheel = fetch_wheel(repo, {"PANTRY_INDEX_URL": index})
    assert wheel.read_bytes() == CONTENT
    assert Index.requests == [("/simple/packaging/", SIMPLE_JSON), (f"/files/{WHEEL}", None)]
    # Cached and verified: a second call asks nobody.
    assert fetch_wheel(repo, {"PANTRY_INDEX_URL": index}) == wheel
    assert len(Index.requests) == 2


def test_bytes_from_the_index_are_checked_against_the_lock(repo: Path, index: str) -> None:
    write_lock(repo, "0" * 64)
    with pytest.raises(
        BootstrapError, match=rf"^{WHEEL} from {index[: -len('/simple/')]}/files/{WHEEL} does "
    ):
        fetch_wheel(repo, {"PANTRY_INDEX_URL": index})


def test_an_index_that_cannot_answer_is_named(repo: Path, index: str) -> None:
    write_lock(repo, hashlib.sha256(CONTENT).hexdigest())
    with pytest.raises(
        BootstrapError,
        match=r"^cannot read http://127.0.0.1:\d+/other/packaging/ \(HTTP Error 404: Not Found\); "
        r"PANTRY_INDEX_URL=http://127.0.0.1:\d+/other/ must be a simple index",
    ):
        fetch_wheel(repo, {"PANTRY_INDEX_URL": index.replace("/simple/", "/other/")})


def test_without_an_index_the_lock_url_is_used(repo: Path) -> None:
    write_lock(repo, hashlib.sha256(CONTENT).hexdigest())
    with pytest.raises(BootstrapError, match=rf"^cannot download {WHEEL} .* from {UNREACHABLE}"):
        fetch_wheel(repo, {})


# --- which wheel: the lock read by pantry.lockfile.lock_model ---

LOCKED_WHEEL = "https://files.example/p/packaging-26.3-py3-none-any.whl"
LOCKED_SDIST = "https://files.example/p/packaging-26.3.tar.gz"
LOCK_TEXT = "// header\n" + json.dumps(
    {
        "locked_resolves": [
            {
                "locked_requirements": [
                    {
                        "project_name": "Packaging",
                        "version": "26.3",
                        "artifacts": [
                            {"algorithm": "sha256", "hash": "b" * 64, "url": LOCKED_SDIST},
                            {"algorithm": "sha256", "hash": "a" * 64, "url": LOCKED_WHEEL},
                        ],
                    }
                ]
            }
        ]
    }
)


def test_locked_wheel_is_the_pure_python_wheel_of_the_lock() -> None:
    assert locked_wheel(LOCK_TEXT) == (LOCKED_WHEEL, "a" * 64)


def test_a_project_the_lock_does_not_pin_is_an_error() -> None:
    with pytest.raises(BootstrapError, match="pins no pure-Python wheel of six"):
        locked_wheel(LOCK_TEXT, "six")
