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
from index.cli import ThreadingWSGIServer, default_data_dir, main, make_server, parse_size
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
    # Each handler thread logs its own request, so lines can land in any order.
    records = {r["path"]: r for r in map(json.loads, log.getvalue().splitlines())}
    assert sorted((r["path"], r["status"], r["remote"]) for r in records.values()) == [
        ("/files/demo-1.0.tar.gz", 200, "127.0.0.1"),
        ("/simple/Demo/", 301, "127.0.0.1"),
        ("/simple/demo/", 200, "127.0.0.1"),
    ]
    download = records["/files/demo-1.0.tar.gz"]
    assert (download["bytes"], download["user_agent"]) == (5, "pip/24.0")


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
            [],
            {"PORT": "http"},
            "environment variable PORT: invalid port 'http'; expected 0-65535 (0 picks a free"
            " port)",
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
        (
            ["--upload-token-file", "{tmp}/no-token"],
            {},
            "--upload-token-file {tmp}/no-token: No such file or directory",
        ),
        (
            ["--upload-token-file", "{tmp}/empty-token"],
            {},
            "--upload-token-file {tmp}/empty-token: the file is empty; put a secret in it, e.g.",
        ),
        (
            ["--upload-token-file", "{tmp}/spaced-token"],
            {},
            "--upload-token-file {tmp}/spaced-token: the token must be one word, no spaces",
        ),
        (
            ["--max-upload-size", "lots"],
            {},
            "argument --max-upload-size: invalid size 'lots'; expected bytes or a number with"
            " K, M or G, e.g. 100M",
        ),
        (
            ["--max-connections", "0"],
            {},
            "argument --max-connections: invalid connection count '0'; expected a whole"
            " number, at least 1",
        ),
        (
            ["--max-upload-size", "0"],
            {},
            "argument --max-upload-size: invalid size '0'; expected at least 1 byte",
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
    (tmp_path / "empty-token").write_text("\n")
    (tmp_path / "spaced-token").write_text("two words\n")
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


def test_port_comes_from_the_environment_unless_given(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    server: tuple[ThreadingWSGIServer, io.StringIO],
) -> None:
    # A busy port makes main() stop right after choosing it, naming the port it chose.
    busy = server[0].server_port
    with pytest.raises(SystemExit):
        main(["--data", str(tmp_path)], environ={"PORT": str(busy)})
    assert f"cannot listen on 127.0.0.1:{busy}" in capsys.readouterr().err
    with make_server("127.0.0.1", 0, lambda environ, start_response: []) as other:
        with pytest.raises(SystemExit):
            main(
                ["--data", str(tmp_path), "--port", str(other.server_port)],
                environ={"PORT": str(busy)},
            )
    assert f"cannot listen on 127.0.0.1:{other.server_port}" in capsys.readouterr().err


@pytest.mark.parametrize(
    "value, size", [("1", 1), ("500K", 500 << 10), ("100M", 100 << 20), ("2GiB", 2 << 30)]
)
def test_parse_size(value: str, size: int) -> None:
    assert parse_size(value) == size


def test_default_data_dir_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Bind a port that is taken, so main() stops right after preparing the data directory.
    with make_server("127.0.0.1", 0, lambda environ, start_response: []) as busy:
        port = busy.server_port
        with pytest.raises(SystemExit):
            main(["--port", str(port)], environ={"XDG_CACHE_HOME": str(tmp_path)})
    assert (tmp_path / "pantry" / "index").is_dir()
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
