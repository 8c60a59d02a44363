"""Run Pants so that stopping it stops what it runs: `./pants run` under a supervisor.

    python supervise.py PANTS_ARGV...

Pants 2.17 runs `./pants run`'s program in a session of its own and, while it runs, ignores
SIGTERM: a supervisor or script that stops `./pants --no-pantsd run services/index` with
SIGTERM left Pants and the index running. Pants does stop on SIGINT (Ctrl-C): it sends the
program's process group SIGINT, then SIGKILL after
`[GLOBAL].process_execution_graceful_shutdown_timeout`. So this process, which the launcher
starts instead of exec'ing Pants for `run`:

- turns SIGTERM and SIGHUP, and a SIGINT sent with kill(2), into one SIGINT to Pants. A
  Ctrl-C at a terminal reaches Pants by itself (same process group), so that SIGINT (sent by
  the kernel: `si_code == SI_KERNEL`) is not sent twice;
- remembers every process below it when the first stop signal arrives, and once Pants has
  exited sends each survivor SIGTERM, then SIGKILL after `GRACE` seconds; if Pants itself has
  not exited `PANTS_GRACE` seconds after the signal, it is killed;
- exits with Pants' exit status, or 128 + the signal's number when a signal stopped it.

Stdlib only; runs on Pants' own CPython 3.9. Linux only (/proc, sigtimedwait).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Iterable, Mapping, Protocol

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
SI_KERNEL = 0x80  # siginfo si_code: sent by the kernel (a terminal's Ctrl-C), not kill(2)
PANTS_GRACE = 15.0  # seconds: Pants' own shutdown (its program gets 3 s by default)
GRACE = 5.0  # seconds between SIGTERM and SIGKILL for what outlives Pants


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    start: int  # clock ticks after boot: tells a process from a later one with its pid
    name: str


def parse_stat(text: str) -> Proc:
    """/proc/PID/stat: `pid (comm) state ppid ... starttime(22nd)`; comm may hold spaces."""
    pid, _, rest = text.partition(" (")
    name, _, fields = rest.rpartition(") ")
    values = fields.split()
    return Proc(int(pid), int(values[1]), int(values[19]), name)


def processes() -> dict[int, Proc]:
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    proc = parse_stat(f.read())
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
            table[proc.pid] = proc
    return table


def descendants(root: int, table: Mapping[int, Proc]) -> list[Proc]:
    """Every process below `root` in `table`, parents before children."""
    children: dict[int, list[Proc]] = {}
    for proc in table.values():
        children.setdefault(proc.ppid, []).append(proc)
    found, todo = [], [root]
    while todo:
        for child in sorted(children.get(todo.pop(0), []), key=lambda p: p.pid):
            found.append(child)
            todo.append(child.pid)
    return found


def survivors(remembered: Iterable[Proc], table: Mapping[int, Proc]) -> list[Proc]:
    """The remembered processes still running (same pid and start time; not zombies)."""
    alive = []
    for proc in remembered:
        now = table.get(proc.pid)
        if now is not None and now.start == proc.start and not is_zombie(proc.pid):
            alive.append(proc)
    return alive


def is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(") ")[2].startswith("Z")
    except OSError:
        return True


class SignalInfo(Protocol):
    """What `is_forwarded` reads of a `signal.struct_siginfo`."""

    @property
    def si_signo(self) -> int: ...

    @property
    def si_code(self) -> int: ...


def is_forwarded(info: SignalInfo) -> bool:
    """Whether Pants has not already got this signal itself (a terminal's Ctrl-C it has)."""
    return not (info.si_signo == signal.SIGINT and info.si_code == SI_KERNEL)


def signal_all(procs: Iterable[Proc], signum: int) -> None:
    for proc in procs:
        try:
            os.kill(proc.pid, signum)
        except ProcessLookupError:
            pass


def stop_survivors(remembered: list[Proc]) -> None:
    alive = survivors(remembered, processes())
    signal_all(alive, signal.SIGTERM)
    deadline = time.monotonic() + GRACE
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = survivors(alive, processes())
    signal_all(alive, signal.SIGKILL)


def reap_others(pants_pid: int) -> None:
    """Reap exited children other than Pants: the launcher's shell may leave us one (exec
    keeps its children), which would otherwise stay a zombie."""
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None or info.si_pid == pants_pid:
            return
        os.waitpid(info.si_pid, 0)


def supervise(argv: list[str]) -> int:
    watched = (*STOP_SIGNALS, signal.SIGCHLD)
    signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    pants = subprocess.Popen(
        argv, preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_UNBLOCK, watched)
    )
    stopped_by = None
    remembered: list[Proc] = []
    pants_deadline = None
    while pants.poll() is None:
        info = signal.sigtimedwait(watched, 0.5)
        if info is not None and info.si_signo == signal.SIGCHLD:
            reap_others(pants.pid)
        if info is not None and info.si_signo in STOP_SIGNALS:
            if stopped_by is None:
                stopped_by = info.si_signo
                remembered = descendants(os.getpid(), processes())
                pants_deadline = time.monotonic() + PANTS_GRACE
            if is_forwarded(info):
                pants.send_signal(signal.SIGINT)
        if pants_deadline is not None and time.monotonic() > pants_deadline:
            pants.kill()
            pants.wait()
    if stopped_by is not None:
        stop_survivors(remembered)
        return 128 + stopped_by
    return pants.returncode if pants.returncode >= 0 else 128 - pants.returncode


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: supervise.py PROGRAM [ARG...]", file=sys.stderr)
        return 2
    try:
        return supervise(argv)
    except OSError as e:
        print(f"pantry: error: cannot run {argv[0]}: {e.strerror}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
