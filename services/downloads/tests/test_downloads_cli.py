"""`python -m downloads` as a process: serves over HTTP, stops cleanly on SIGTERM and SIGINT."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from downloads.cli import QuietHandler, Stop, ThreadingWSGIServer, _stop
from downloads_test_support import report
from testing_services.servers import PostgreSQL, Redis


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.run(
        [sys.executable, "-m", "downloads", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        **kwargs,
    )


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_then_stops_on_a_signal(
    postgresql_server: PostgreSQL, redis_server: Redis, tmp_path: Path, stop: signal.Signals
) -> None:
    path = tmp_path / "r.json"
    path.write_text(report(("demo", "1.0", 4)))
    database = postgresql_server.url()
    ingested = run("ingest", "--database-url", database, str(path))
    assert ingested.returncode == 0, ingested.stderr
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "downloads",
            "serve",
            "--port",
            "0",
            "--database-url",
            database,
            "--redis-url",
            redis_server.url(),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert server.stdout is not None and server.stderr is not None
    try:
        line = server.stdout.readline()
        assert line.startswith("downloads: serving on http://127.0.0.1:"), server.stderr.read()
        url = line.split()[-1]
        with urllib.request.urlopen(url + "projects/demo", timeout=10) as response:
            assert json.load(response)["downloads"] >= 4
        server.send_signal(stop)
        out, err = server.communicate(timeout=20)
    finally:
        server.kill()
        server.wait()
    assert server.returncode == 0, err
    assert out == f"downloads: stopped by {stop.name}\n"


def test_a_signal_while_a_request_is_dispatched_still_stops_the_server() -> None:
    # The race CI hit: SIGINT landed while serve_forever was starting a request's thread.
    class SignalledMidRequest(ThreadingWSGIServer):
        def process_request(self, request: object, client_address: object) -> None:
            _stop(signal.SIGTERM, None)

    server = SignalledMidRequest(("127.0.0.1", 0), QuietHandler)
    server.set_app(lambda environ, start_response: [])
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10):
            with pytest.raises(Stop, match="SIGTERM"):
                server.handle_request()
    finally:
        server.server_close()


def test_bad_input_is_one_message(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text("{}")
    result = run("ingest", "--database-url", "postgresql:///x", str(tmp_path / "r.json"))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"downloads: error: {tmp_path}/r.json: no `releases` list; expected the output of "
        "`python -m stats --format json`\n"
    )


def test_an_unreachable_database_is_one_message(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text(report(("demo", "1", 1)))
    url = f"postgresql:///x?host={tmp_path}"
    result = run("ingest", "--database-url", url, str(tmp_path / "r.json"))
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"downloads: error: cannot connect to PostgreSQL at --database-url {url!r}: "
    )
    assert result.stderr.count("\n") == 1
