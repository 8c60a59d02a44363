"""Finding and stopping the pantsd an adoption started, by pid (real processes, named
`pantsd` on their command line as Pants names the daemon)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from adopt import pantsd

SLEEPER = "import signal, sys, time\nif sys.argv[1] == 'stubborn': signal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\ntime.sleep(120)\n"  # noqa: E501


@pytest.fixture
def processes():
    started: list[subprocess.Popen] = []

    def start(*argv: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", SLEEPER, *argv], stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()


def pid_file(repo: Path, name: str, pid: int) -> None:
    path = repo / ".pids" / name / "pantsd" / "pid"
    path.parent.mkdir(parents=True)
    path.write_text(f"{pid}\n")


def test_only_live_pantsd_processes_of_the_repository_count(tmp_path: Path, processes) -> None:
    daemon = processes("polite", "pantsd [/repo]")
    other = processes("polite", "not-a-daemon")
    gone = processes("polite", "pantsd [/old]")
    gone.kill()
    gone.wait()
    pid_file(tmp_path, "a", daemon.pid)
    pid_file(tmp_path, "b", other.pid)  # a pid reused by another program
    pid_file(tmp_path, "c", gone.pid)
    (tmp_path / ".pids/d/pantsd").mkdir(parents=True)
    (tmp_path / ".pids/d/pantsd/pid").write_text("garbage")
    assert pantsd.running_pantsd(tmp_path) == {daemon.pid}
    assert pantsd.running_pantsd(tmp_path / "elsewhere") == set()


def test_stop_terminates_then_kills(tmp_path: Path, processes) -> None:
    polite = processes("polite", "pantsd [/repo]")
    stubborn = processes("stubborn", "pantsd [/repo]")
    started = time.monotonic()
    pantsd.stop([polite.pid, stubborn.pid], grace=1.0)
    assert polite.wait(timeout=10) == -15  # SIGTERM
    assert stubborn.wait(timeout=10) == -9  # SIGKILL, after the grace period
    assert 1.0 <= time.monotonic() - started < 10


def test_stop_leaves_a_process_that_is_not_pantsd_alone(processes) -> None:
    other = processes("polite", "not-a-daemon")
    pantsd.stop([other.pid], grace=0.1)
    assert other.poll() is None
