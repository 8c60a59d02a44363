"""twine -> index -> pip, byte for byte: real clients against the real server process.

The server runs as `python -m index` on 127.0.0.1 (a free port) in a subprocess; twine runs
from this test's environment (the python-default resolve), pip is the one of the Python
running the test (or, inside a venv without pip, of its base installation). Nothing touches
the network beyond loopback, and every process started here is stopped by its pid.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from index_test_support import (
    BOUNDARY,
    TOKEN,
    basic_auth,
    make_sdist,
    make_wheel,
    multipart,
    upload_fields,
)

PROJECT, VERSION = "pantry-roundtrip", "1.0"
MAX_UPLOAD = 256 * 1024


def client_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for pip and twine: nothing from the host's pip/twine configuration."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "TWINE_", "PYTHON")) and k not in ("HOME", "XDG_CONFIG_HOME")
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INPUT="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        **extra,
    )
    return env


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    data: Path
    access_log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stdout:
            self.process.stdout.close()


def start_server(tmp: Path, data: Path, *args: str) -> Server:
    token_file = tmp / "token"
    token_file.write_text(TOKEN + "\n")
    access_log = tmp / "access.log"
    env = client_env(tmp, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    process = subprocess.Popen(
        [sys.executable, "-m", "index", "--host", "127.0.0.1", "--port", "0"]
        + ["--data", str(data), "--upload-token-file", str(token_file)]
        + ["--access-log", str(access_log), *args],
        stdout=subprocess.PIPE,
        stderr=open(tmp / "server.stderr", "ab"),
        env=env,
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 60)
    line = process.stdout.readline().decode() if ready else ""
    if "serving" not in line:
        process.kill()
        process.wait(timeout=10)
        pytest.fail(f"the index did not start: {line!r}\n{(tmp / 'server.stderr').read_text()}")
    port = int(line.rsplit(":", 1)[1].split("/", 1)[0])
    return Server(process, port, data, access_log)


def pip_python() -> str:
    """A Python with pip: the one running this test, else its base installation's."""
    candidates = [
        sys.executable,
        str(Path(sys.base_prefix, "bin", f"python{sys.version_info[0]}.{sys.version_info[1]}")),
    ]
    for python in candidates:
        check = subprocess.run([python, "-I", "-m", "pip", "--version"], capture_output=True)
        if check.returncode == 0:
            return python
    pytest.fail(f"no pip in {candidates}; the round trip needs a real pip")


def twine_upload(server: Server, home: Path, *files: Path, password: str = TOKEN):
    return subprocess.run(
        [sys.executable, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar"]
        + ["--repository-url", f"{server.url}/legacy/", "-u", "__token__", "-p", password]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        env=client_env(home, PYTHONPATH=os.pathsep.join(p for p in sys.path if p)),
        timeout=120,
    )


def pip_download(server: Server, home: Path, dest: Path, binary: str) -> Path:
    result = subprocess.run(
        [pip_python(), "-I", "-m", "pip", "download", "--no-deps", "--no-cache-dir", binary]
        + [":all:", "--index-url", f"{server.url}/simple/", f"{PROJECT}=={VERSION}"]
        + ["-d", str(dest)],
        capture_output=True,
        text=True,
        env=client_env(home),
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (downloaded,) = dest.iterdir()
    return downloaded


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("index")
    data = tmp / "data"
    data.mkdir()
    running = start_server(tmp, data, "--max-upload-size", str(MAX_UPLOAD))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dists")
    paths = {}
    for kind, (filename, content) in (
        ("wheel", make_wheel(PROJECT, VERSION, b"round trip", requires_python=">=3.8")),
        ("sdist", make_sdist(PROJECT, VERSION)),
        ("big", make_wheel("pantry-big", "1.0", os.urandom(MAX_UPLOAD))),
    ):
        paths[kind] = out / filename
        paths[kind].write_bytes(content)
    return paths


def test_twine_upload_pip_download_byte_identical(
    server: Server, dists: dict[str, Path], tmp_path: Path
) -> None:
    result = twine_upload(server, tmp_path, dists["wheel"], dists["sdist"])
    assert result.returncode == 0, result.stdout + result.stderr
    for kind in ("wheel", "sdist"):
        assert (server.data / dists[kind].name).read_bytes() == dists[kind].read_bytes()

    wheel = pip_download(server, tmp_path, tmp_path / "wheel", "--only-binary")
    sdist = pip_download(server, tmp_path, tmp_path / "sdist", "--no-binary")
    assert (wheel.name, wheel.read_bytes()) == (dists["wheel"].name, dists["wheel"].read_bytes())
    assert (sdist.name, sdist.read_bytes()) == (dists["sdist"].name, dists["sdist"].read_bytes())

    # The access log (read by services/stats) has the uploads and pip's downloads.
    time.sleep(0.2)  # a line is written once the response has been sent
    records = [json.loads(line) for line in server.access_log.read_text().splitlines()]
    seen = {(r["method"], r["path"], r["status"], r["user_agent"].split("/")[0]) for r in records}
    assert ("POST", "/legacy/", 200, "twine") in seen
    assert ("GET", f"/files/{wheel.name}", 200, "pip") in seen
    assert ("GET", f"/files/{wheel.name}.metadata", 200, "pip") in seen  # PEP 658
    assert ("GET", f"/files/{sdist.name}", 200, "pip") in seen


@pytest.mark.parametrize(
    "kind, password, expected",
    [
        (
            "big",
            TOKEN,
            ["413 Request Entity Too Large", f"this index accepts at most {MAX_UPLOAD}"],
        ),
        ("wheel", "wrong-token", ["403 Forbidden", "invalid upload token"]),
    ],
)
def test_twine_sees_refusals_and_nothing_is_written(
    server: Server,
    dists: dict[str, Path],
    tmp_path: Path,
    kind: str,
    password: str,
    expected: list[str],
) -> None:
    before = sorted(p.name for p in server.data.iterdir())
    result = twine_upload(server, tmp_path, dists[kind], password=password)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    for text in expected:
        assert text in output
    assert sorted(p.name for p in server.data.iterdir()) == before


def test_twine_reupload_is_refused_with_409(
    server: Server, dists: dict[str, Path], tmp_path: Path
) -> None:
    wheel = dists["wheel"]
    if not (server.data / wheel.name).exists():
        assert twine_upload(server, tmp_path, wheel).returncode == 0
    result = twine_upload(server, tmp_path, wheel)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "409 Conflict" in output
    assert f"'{wheel.name}' already exists on this index; files are never replaced" in output
    assert (server.data / wheel.name).read_bytes() == wheel.read_bytes()


def test_server_killed_mid_upload_serves_no_partial_file_and_restart_removes_it(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    filename, content = make_wheel("pantry-killed", "1.0", os.urandom(200_000))
    body = multipart(
        upload_fields("pantry-killed", "1.0", content), [("content", filename, content)]
    )
    server = start_server(tmp_path, data)
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(
                f"POST /legacy/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {basic_auth()}\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n".encode() + body[: len(body) // 2]
            )
            deadline = time.monotonic() + 30
            while not list(data.glob(".upload-*.part")):
                assert time.monotonic() < deadline, "the server never started writing"
                time.sleep(0.01)
            server.process.kill()  # SIGKILL: no cleanup code runs
            server.process.wait(timeout=10)
    finally:
        server.stop()
    assert not (data / filename).exists()
    (leftover,) = data.glob(".upload-*.part")  # seconds old, and nobody's upload any more
    assert [p.name for p in data.iterdir() if p != leftover] == []

    restarted = start_server(tmp_path, data)
    try:
        assert list(data.iterdir()) == []
        stderr = (tmp_path / "server.stderr").read_text()
        assert f"removed {leftover}, left by an interrupted upload" in stderr
        request = urllib.request.Request(
            f"{restarted.url}/simple/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response)["projects"] == []
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"{restarted.url}/files/{filename}", timeout=10)
        assert e.value.code == 404
    finally:
        restarted.stop()
