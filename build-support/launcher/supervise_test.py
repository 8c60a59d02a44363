"""supervise.py: a stopped `./pants run` takes its program down; real processes, no Pants."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from launcher.supervise import Proc, descendants, is_forwarded, parse_stat

SUPERVISE = Path(__file__).parent / "supervise.py"

# A stand-in for Pants 2.17 running `run`: the program in a session of its own, SIGTERM
# ignored, and on SIGINT it exits WITHOUT stopping the program (the worst case: the program
# must still go, stopped by the supervisor).
STAND_IN = textwrap.dedent(
    """
    import signal, subprocess, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    program = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)"],
        start_new_session=True,
        # An ignored signal stays ignored across exec: give the program the default back.
        preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL),
    )
    with open(sys.argv[1], "w") as f:
        f.write(str(program.pid))
    try:
        time.sleep(600)
    except KeyboardInterrupt:
        sys.exit(1)
    """
)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(") ")[2][0] != "Z"
    except OSError:
        return False


def wait_for(path: Path) -> int:
    deadline = time.monotonic() + 30
    while not (path.exists() and path.read_text()):
        assert time.monotonic() < deadline, "the stand-in never started its program"
        time.sleep(0.02)
    return int(path.read_text())


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stop_signal_stops_pants_and_its_program(tmp_path: Path, signum: int) -> None:
    pid_file = tmp_path / "program.pid"
    supervisor = subprocess.Popen(
        [sys.executable, str(SUPERVISE), sys.executable, "-c", STAND_IN, str(pid_file)]
    )
    try:
        program = wait_for(pid_file)
        started = time.monotonic()
        supervisor.send_signal(signum)
        assert supervisor.wait(timeout=30) == 128 + signum
        assert time.monotonic() - started < 4  # no SIGKILL needed (GRACE is 5 s)
        deadline = time.monotonic() + 5
        while alive(program) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not alive(program)
    finally:
        supervisor.kill()
        supervisor.wait()


def test_without_a_signal_pants_exit_status_is_kept() -> None:
    code = subprocess.run(
        [sys.executable, str(SUPERVISE), sys.executable, "-c", "raise SystemExit(3)"], timeout=60
    ).returncode
    assert code == 3


def test_a_program_that_cannot_start_is_one_message() -> None:
    result = subprocess.run(
        [sys.executable, str(SUPERVISE), "/nonexistent/python"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (
        127,
        "pantry: error: cannot run /nonexistent/python: No such file or directory\n",
    )


def test_parse_stat_takes_names_with_spaces_and_parentheses() -> None:
    # Field N (1-based, as proc(5) numbers them) holds N from the 5th on; 22 is the start time.
    fields = " ".join(str(n) for n in range(5, 53))
    assert parse_stat(f"42 (a (b) c) S 7 {fields}") == Proc(42, 7, 22, "a (b) c")


def test_descendants_parents_first() -> None:
    table = {
        p.pid: p
        for p in (
            Proc(2, 1, 0, "a"),
            Proc(5, 2, 0, "b"),
            Proc(3, 2, 0, "c"),
            Proc(9, 3, 0, "d"),
            Proc(8, 1, 0, "other"),
        )
    }
    assert [p.pid for p in descendants(2, table)] == [3, 5, 9]


def test_only_a_terminal_s_ctrl_c_is_not_forwarded() -> None:
    class Info:
        def __init__(self, signo: int, code: int) -> None:
            self.si_signo, self.si_code = signo, code

    assert not is_forwarded(Info(signal.SIGINT, 0x80))  # the kernel: Pants has it already
    assert is_forwarded(Info(signal.SIGINT, 0))  # kill(2): only we have it
    assert is_forwarded(Info(signal.SIGTERM, 0x80))
