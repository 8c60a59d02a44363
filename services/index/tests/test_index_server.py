from __future__ import annotations

import io
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from feature_flags import Flags
from index.accesslog import AccessLog
from index.app import IndexApp
from index.cli import ThreadingWSGIServer, default_data_dir, main, make_server
from index.storage import Storage


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ThreadingWSGIServer, io.StringIO]]:
    (tmp_path / "demo-1.0.tar.gz").write_bytes(b"sdist")
    log = io.StringIO()
    httpd = make_server(
        "127.0.0.1",
        0,
        AccessLog(IndexApp(Storage(tmp_path), Flags.from_sources(environ={})), log),
    )
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield httpd, log
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def test_real_server(server: tuple[ThreadingWSGIServer, io.StringIO]) -> None:
    httpd, log = server
    base = f"http://127.0.0.1:{httpd.server_port}"
    with urllib.request.urlopen(f"{base}/simple/Demo/", timeout=10) as response:  # follows the 301
        assert response.url == f"{base}/simple/demo/"
        page = response.read().decode()
    assert 'href="../../files/demo-1.0.tar.gz#sha256=' in page
    request = urllib.request.Request(
        f"{base}/files/demo-1.0.tar.gz", headers={"User-Agent": "pip/24.0"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.read() == b"sdist"
    # The log line is written once the handler thread has finished sending the
    # body, which can be just after the client has read all of it.
    deadline = time.monotonic() + 10
    while log.getvalue().count("\n") < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    records = [json.loads(line) for line in log.getvalue().splitlines()]
    assert [(r["path"], r["status"], r["remote"]) for r in records] == [
        ("/simple/Demo/", 301, "127.0.0.1"),
        ("/simple/demo/", 200, "127.0.0.1"),
        ("/files/demo-1.0.tar.gz", 200, "127.0.0.1"),
    ]
    assert (records[2]["bytes"], records[2]["user_agent"]) == (5, "pip/24.0")


def test_default_data_dir() -> None:
    assert default_data_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/pantry/index")
    assert default_data_dir({}) == Path.home() / ".cache" / "pantry" / "index"


@pytest.mark.parametrize(
    "args, environ, message",
    [
        (
            ["--port", "99999"],
            {},
            "argument --port: invalid port '99999'; expected 0-65535 (0 picks a free port)",
        ),
        (
            ["--data", "{missing}"],
            {},
            "--data {missing}: not a directory; create it (mkdir -p {missing}) or pass --data DIR",
        ),
        (
            [],
            {"PANTRY_FLAG_SERVE_JSON": "sometimes"},
            "bad feature flag: environment: PANTRY_FLAG_SERVE_JSON: invalid value 'sometimes'",
        ),
        (
            ["--access-log", "{tmp}/no/such/dir/log"],
            {},
            "--access-log {tmp}/no/such/dir/log: No such file or directory",
        ),
    ],
)
def test_cli_errors_exit_2_without_traceback(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    environ: dict[str, str],
    message: str,
) -> None:
    missing = str(tmp_path / "missing")
    args = [a.format(missing=missing, tmp=tmp_path) for a in args]
    with pytest.raises(SystemExit) as exc_info:
        main(["--data", str(tmp_path), *args], environ=environ)
    assert exc_info.value.code == 2
    err = capsys.readouterr().err
    assert f"python -m index: error: {message.format(missing=missing, tmp=tmp_path)}" in err
    assert "Traceback" not in err


def test_cli_reports_busy_port(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    server: tuple[ThreadingWSGIServer, io.StringIO],
) -> None:
    port = server[0].server_port
    with pytest.raises(SystemExit) as exc_info:
        main(["--data", str(tmp_path), "--port", str(port)], environ={})
    assert exc_info.value.code == 2
    assert (
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
        in capsys.readouterr().err
    )
