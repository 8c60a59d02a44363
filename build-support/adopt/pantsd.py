"""The Pants daemon (pantsd) for the length of one adoption, stopped by its pid at the end.

An adoption runs ./pants twice or more (lock-sync, then the goals that complete BUILD files),
and each run without the daemon pays Pants' startup: its rule graph, ~20 s on a quiet 2-core
machine, over a minute on a loaded one. With pantsd the first run pays it once and the next
ones reuse the warm daemon (~4 s). adopt starts it with its first run and stops it when the
adoption ends, succeeded or rolled back; a daemon that was already serving the repository
(someone's own `./pants` runs) is used and left running. Standard library only.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Iterable

# Where Pants 2.17 writes the daemon's pid: [GLOBAL].pants_subprocessdir (default .pids),
# one directory per build root fingerprint.
PID_FILES = ".pids/*/pantsd/pid"


def _is_pantsd(pid: int) -> bool:
    """Whether `pid` is a live process whose command line names pantsd (not a reused pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"pantsd" in cmdline


def running_pantsd(repo: Path) -> set[int]:
    """The pids of the live pantsd processes serving `repo`."""
    pids = set()
    for path in repo.glob(PID_FILES):
        try:
            pid = int(path.read_text().strip())
        except (OSError, ValueError):
            continue
        if _is_pantsd(pid):
            pids.add(pid)
    return pids


def stop(pids: Iterable[int], grace: float = 20.0) -> None:
    """SIGTERM each process, then SIGKILL whichever is still alive after `grace` seconds."""
    pids = [pid for pid in pids if _is_pantsd(pid)]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while pids and time.monotonic() < deadline:
        time.sleep(0.2)
        pids = [pid for pid in pids if _is_pantsd(pid)]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
