"""A real BuildGrid on loopback as the remote cache of real `./pants` runs on a small repo.

One server (started with `serve`) and one fixture repo serve every test, in order: CI
populates the cache, a fresh clone with the contributor config reads it, contributors
cannot write (forced through REAPI directly and through Pants), and killing the server in
the middle of a run still ends green. Pants runs with --no-pantsd (each run is in a new
clone, so a daemon would never be reused); every process started here is stopped by its own
pid. The launcher's checks of these configs are tested with a stand-in for Pants, in
build-support/launcher/launcher_test.py.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from pantry_testing.fixture_repo import (
    install_launcher,
    launcher_env,
    pants_toml_section,
    sandbox_tempdir,
)
from remote_cache.config import AUDIENCE, WRITER_SUBJECT
from remote_cache.tokens import Claims, mint

BUILDROOT = Path.cwd()  # the test sandbox holds the launcher and these files at their paths
HERE = BUILDROOT / "build-support" / "remote-cache"
# One nested `./pants --no-pantsd test ::`: 25-40 s on an idle 2-core machine, up to ~150 s
# with two CPU hogs beside the suite; each test runs one.
PANTS_TIMEOUT = 420
pytestmark = pytest.mark.timeout(PANTS_TIMEOUT + 180)

FIXTURE_PANTS_TOML = """\
[GLOBAL]
pants_version = "2.17.1"
backend_packages = ["pants.backend.python"]
ca_certs_path = "/etc/ssl/certs/ca-certificates.crt"
pants_ignore.add = ["/.pantry/"]
colors = false
dynamic_ui = false

[subprocess-environment]
env_vars = ["PIP_CONFIG_FILE=/dev/null"]

{pex_cli}
[source]
root_patterns = ["/src", "/tests"]

[python]
interpreter_constraints = ["CPython==3.11.*"]
pip_version = "23.1.2"

[python-bootstrap]
search_path = ["<PYENV>"]

[python-infer]
use_rust_parser = true
"""

FIXTURE_FILES = {
    "src/calc/BUILD": "python_sources()\n",
    "src/calc/__init__.py": "",
    "src/calc/ops.py": "def add(a: int, b: int) -> int:\n    return a + b\n",
    "tests/BUILD": 'python_tests(name="tests")\n',
    "tests/test_ops.py": (
        "from calc.ops import add\n\n\ndef test_add() -> None:\n    assert add(2, 3) == 5\n"
    ),
    "tests/test_words.py": 'def test_upper() -> None:\n    assert "pantry".upper() == "PANTRY"\n',
}


def env_for_children(**extra: str) -> dict[str, str]:
    """Only what the launcher and Pants need, on a PATH of system directories."""
    return launcher_env(os.environ, PATH="/usr/local/bin:/usr/bin:/bin", LANG="C.UTF-8", **extra)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    storage: Path
    token_file: Path
    python: Path
    log: Path

    @property
    def address(self) -> str:
        return f"grpc://127.0.0.1:{self.port}"

    def blob_count(self) -> int:
        return sum(1 for path in (self.storage / "cas").rglob("*") if path.is_file())

    def probe(self, operation: str, instance: str, *args: str) -> str:
        result = subprocess.run(
            [str(self.python), str(HERE / "remote_cache" / "probe.py"), self.address, operation]
            + [f"--instance={instance}", *args],
            env=env_for_children(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=60,
        )
        return result.stdout.strip()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    root = sandbox_tempdir("buildgrid-")
    storage, token_file, log = root / "storage", root / "ci-token", root / "server.log"
    port = free_port()
    argv = [str(HERE / "serve"), "--port", str(port), "--storage", str(storage)]
    argv += ["--write-token-file", str(token_file)]
    # --check builds the venv (once per machine) and prints the interpreter the probe runs on.
    check = subprocess.run(
        [*argv, "--check"], env=env_for_children(), capture_output=True, text=True, timeout=600
    )
    assert check.returncode == 0, check.stderr
    found = re.search(r"^python: (.+)$", check.stdout, re.MULTILINE)
    assert found, f"--check printed no `python:` line:\n{check.stdout}"
    python = Path(found.group(1))
    with log.open("w") as sink:
        process = subprocess.Popen(argv, env=env_for_children(), stdout=sink, stderr=sink)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"serve exited early:\n{log.read_text()}"
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, f"no listener on {port}:\n{log.read_text()}"
            time.sleep(0.3)
        yield Server(process, port, storage, token_file, python, log)
    finally:
        stop(process)


@pytest.fixture(scope="module")
def repo() -> Path:
    """A small Pants repo that starts the real, pinned Pants through the real launcher."""
    root = sandbox_tempdir("cache-fixture-") / "repo"
    install_launcher(root, BUILDROOT)
    pex_cli = "[pex-cli]\n" + pants_toml_section((BUILDROOT / "pants.toml").read_text(), "pex-cli")
    (root / "pants.toml").write_text(FIXTURE_PANTS_TOML.format(pex_cli=pex_cli))
    for relpath, content in FIXTURE_FILES.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(content)
    for name in ("ci.toml", "contributor.toml"):
        shutil.copy2(HERE / name, root / name)
    return root


def clone(repo: Path, destination: Path) -> Path:
    """A fresh copy at another path: no .pants.d, no pids, nothing from earlier runs but the
    launcher's pex tool (.pantry/), which the clone would only rebuild byte for byte."""
    ignore = shutil.ignore_patterns(".pants.d", ".pids")
    shutil.copytree(repo, destination, symlinks=True, ignore=ignore)
    return destination


@pytest.fixture(scope="module")
def ci_store(tmp_path_factory) -> Path:
    """The local store of the CI run, kept for a later run that should hit it locally."""
    return tmp_path_factory.mktemp("ci-store")


def pants(
    repo: Path, config: str, server: Server, store: Path, *args: str, address: str = ""
) -> str:
    """`./pants test ::` with `config` layered, a private local store; returns all output."""
    env = env_for_children(
        PANTS_CONFIG_FILES=config,
        PANTRY_REMOTE_CACHE=address or server.address,
        PANTRY_REMOTE_CACHE_TOKEN_FILE=str(server.token_file),
    )
    result = subprocess.run(
        ["./pants", "--no-pantsd", f"--local-store-dir={store}", *args, "test", "::"],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=PANTS_TIMEOUT,
    )
    assert (
        result.returncode == 0
    ), f"./pants test failed (exit {result.returncode}):\n{result.stdout}"
    return result.stdout


def result_line(output: str, test_file: str) -> str:
    match = re.search(rf"^✓ tests/{re.escape(test_file)} succeeded in .*$", output, re.MULTILINE)
    assert match, f"no passing result for tests/{test_file} in:\n{output}"
    return match.group(0)


def test_a_ci_run_populates_the_cache(server: Server, repo: Path, ci_store: Path) -> None:
    before = server.blob_count()
    output = pants(repo, "ci.toml", server, ci_store)
    for test_file in ("test_ops.py", "test_words.py"):
        assert "cached" not in result_line(output, test_file)
    # Every write was accepted: the credential works and nothing fell back.
    assert "remote cache" not in output, output
    assert server.blob_count() > before


def test_a_fresh_clone_with_the_contributor_config_gets_results_cached_remotely(
    server: Server, repo: Path, tmp_path: Path
) -> None:
    fresh = clone(repo, tmp_path / "fresh-clone")
    output = pants(fresh, "contributor.toml", server, tmp_path / "empty-store")
    for test_file in ("test_ops.py", "test_words.py"):
        assert result_line(output, test_file).endswith("(cached remotely)."), output


def test_the_server_refuses_writes_without_the_ci_credential(
    server: Server, tmp_path: Path
) -> None:
    forged = tmp_path / "forged-token"
    # A well-formed JWT for the right subject, signed with a key the server does not have.
    now = int(time.time())
    forged.write_text(mint("not-the-servers-key", Claims(WRITER_SUBJECT, AUDIENCE, now, now + 600)))
    refused = [
        server.probe("write", "", "--seed=contributor"),
        server.probe("write", "", f"--token-file={server.token_file}", "--seed=contributor"),
        server.probe("write-blob", "", "--seed=contributor"),
        server.probe("write", "ci", "--seed=contributor"),
        server.probe("write", "ci", f"--token-file={forged}", "--seed=contributor"),
    ]
    for line in refused:
        assert " UNAUTHENTICATED " in line, refused
    assert server.probe("read", "", "--seed=contributor").startswith("read '' NOT_FOUND")
    # The control: the same calls with the CI credential on the CI instance are stored and
    # visible to readers, so the refusals above are the server's trust model at work.
    token = f"--token-file={server.token_file}"
    assert server.probe("write", "ci", token, "--seed=ci") == "write 'ci' OK"
    assert server.probe("read", "", "--seed=ci") == "read '' OK"


def test_a_contributor_forcing_remote_cache_write_through_pants_stores_nothing(
    server: Server, repo: Path, ci_store: Path, tmp_path: Path
) -> None:
    forced = clone(repo, tmp_path / "contributor-clone")
    (forced / "tests" / "test_forced.py").write_text(
        "def test_poisoned() -> None:\n    assert True\n"
    )
    before = server.blob_count()
    # CI's local store: everything but the new test is a local hit, so the one write Pants
    # attempts is the new test's result (and the run skips rebuilding the tools).
    output = pants(forced, "contributor.toml", server, ci_store, "--remote-cache-write")
    result_line(output, "test_forced.py")
    assert "Failed to write to remote cache" in output, output
    assert server.blob_count() == before


def test_a_contributor_with_the_cache_down_gets_one_warning_and_a_green_run(
    server: Server, repo: Path, ci_store: Path, tmp_path: Path
) -> None:
    offline = clone(repo, tmp_path / "offline-clone")
    (offline / "tests" / "test_offline.py").write_text("def test_offline() -> None:\n    pass\n")
    nobody = f"grpc://127.0.0.1:{free_port()}"  # nothing listens there
    # The local store has everything but the new test, which must ask the (dead) cache.
    output = pants(offline, "contributor.toml", server, ci_store, address=nobody)
    assert "cached" not in result_line(output, "test_offline.py")
    assert result_line(output, "test_ops.py").endswith("(cached locally).")
    warnings = [line for line in output.splitlines() if "[WARN]" in line or "[ERROR]" in line]
    assert len(warnings) == 1, output
    assert "[WARN] Failed to read from remote cache" in warnings[0]
    assert "Connection refused" in warnings[0]


def test_missing_or_corrupt_blobs_are_a_miss_never_a_wrong_result(
    server: Server, repo: Path, tmp_path: Path
) -> None:
    # Damage the CAS behind the server's back: every other blob gone, the rest zeroed (same
    # size, wrong content). The action cache still points at all of them.
    blobs = sorted(path for path in (server.storage / "cas").rglob("*") if path.is_file())
    assert len(blobs) > 10, blobs
    for index, blob in enumerate(blobs):
        if index % 2:
            blob.unlink()
        else:
            blob.write_bytes(bytes(blob.stat().st_size))
    damaged = clone(repo, tmp_path / "damaged-clone")
    # A new test must run locally on whatever the cache hands back for its inputs.
    (damaged / "tests" / "test_damaged.py").write_text(
        "from calc.ops import add\n\n\ndef test_damaged() -> None:\n    assert add(1, 1) == 2\n"
    )
    output = pants(damaged, "contributor.toml", server, tmp_path / "empty-store")
    for test_file in ("test_ops.py", "test_words.py", "test_damaged.py"):
        result_line(output, test_file)
    assert "cached" not in result_line(output, "test_damaged.py")
    assert "Traceback" not in output


def test_killing_the_server_mid_run_still_ends_green(
    server: Server, repo: Path, tmp_path: Path
) -> None:
    late = clone(repo, tmp_path / "late-clone")
    (late / "tests" / "test_late.py").write_text(
        "def test_late() -> None:\n    assert 1 + 1 == 2\n"
    )
    env = env_for_children(
        PANTS_CONFIG_FILES="ci.toml",
        PANTRY_REMOTE_CACHE=server.address,
        PANTRY_REMOTE_CACHE_TOKEN_FILE=str(server.token_file),
    )
    run = subprocess.Popen(
        ["./pants", "--no-pantsd", f"--local-store-dir={tmp_path / 'store'}", "test", "::"],
        cwd=late,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        assert run.stdout is not None
        for line in run.stdout:
            lines.append(line)
            if "Starting:" in line and server.process.poll() is None:
                server.process.kill()  # mid-run: Pants is already talking to the cache
                server.process.wait(timeout=15)
        run.wait(timeout=PANTS_TIMEOUT)
    finally:
        stop(run)
    output = "".join(lines)
    assert server.process.returncode is not None, "the server was never killed"
    assert run.returncode == 0, output
    for test_file in ("test_ops.py", "test_words.py", "test_late.py"):
        result_line(output, test_file)
    # `remote_cache_warnings = "first_only"`: one warning per distinct failure (reads, writes;
    # "connection refused" and "connection reset" count apart), never one per action.
    warnings = [line for line in lines if "[WARN]" in line or "[ERROR]" in line]
    assert warnings, f"no warning that the cache went away:\n{output}"
    assert len(warnings) <= 4 and all("[WARN] Failed to" in line for line in warnings), output
    assert "Traceback" not in output
