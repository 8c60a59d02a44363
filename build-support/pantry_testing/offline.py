"""A network namespace with only loopback, and the internal index (services/index) on it.

Shared by the offline proof (index_mirror/offline_integration_test.py) and the whole-suite
check (`build-support/bin/offline-check`): how to enter a namespace where nothing but
127.0.0.1 is reachable, the shell snippets that bring loopback up and prove no route leaves
it, and the index started from its PEX and stopped by its pid. No pytest and no
Pants here: plain code a script can import too.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import textwrap
from pathlib import Path
from typing import IO

# Brings loopback up in a new network namespace (it starts down), without iproute2.
LOOPBACK_UP = textwrap.dedent(
    """
    import fcntl, socket, struct
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ifreq = struct.pack("16sH14s", b"lo", 0, b"")
    flags = struct.unpack("16sH14s", fcntl.ioctl(s, 0x8913, ifreq))[1]  # SIOCGIFFLAGS
    fcntl.ioctl(s, 0x8914, struct.pack("16sH14s", b"lo", flags | 1, b""))  # SIOCSIFFLAGS, IFF_UP
    """
)

# Passes only when no interface but loopback exists and no address outside it is routable.
NO_ROUTE_OUT = textwrap.dedent(
    """
    import errno, socket, sys
    interfaces = [l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:]]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 443))  # TEST-NET-1: any route at all would accept this
        sys.exit(f"a route leaves the namespace; interfaces: {interfaces}")
    except OSError as error:
        assert error.errno == errno.ENETUNREACH, error
    assert interfaces == ["lo"], interfaces
    """
)

# The exit code of `NAMESPACE_PRELUDE` when the namespace can reach the outside.
REACHES_OUTSIDE = 97

# The start of a bash script run with `unshare_argv()`: loopback up, no route out, then the
# index (read-only) on 127.0.0.1, stopped by its pid when the script exits, whatever happened;
# PANTRY_INDEX_URL is its simple URL. Reads the variables `namespace_env()` sets.
NAMESPACE_PRELUDE = f"""\
set -euo pipefail
"$OFFLINE_PYTHON" -c "$LOOPBACK_UP"
if ! "$OFFLINE_PYTHON" -c "$NO_ROUTE_OUT"; then
  echo "offline: the namespace can reach the outside" >&2
  exit {REACHES_OUTSIDE}
fi
"$INDEX_PYTHON" "$INDEX_PEX" --host 127.0.0.1 --port 0 --data "$INDEX_DATA" \\
  >"$WORK/index.out" 2>"$WORK/index.log" &
index=$!
trap 'kill $index 2>/dev/null; wait $index 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q '^serving' "$WORK/index.out" && break; sleep 0.1; done
export PANTRY_INDEX_URL="$(sed -n 's/^serving .* on //p' "$WORK/index.out")"
if [ -z "$PANTRY_INDEX_URL" ]; then
  echo "offline: the index did not start, see $WORK/index.log" >&2
  exit 1
fi
"""


class NamespaceUnavailable(Exception):
    """No network namespace can be made here; the message says why and what would help."""


def unshare_argv() -> list[str]:
    """How to enter a new network namespace here: `unshare -n` as root, else `unshare -rn`."""
    argv = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    try:
        probe = subprocess.run([*argv, "true"], capture_output=True, text=True, timeout=60)
        problem = f"`{' '.join(argv)} true` exited {probe.returncode}: {probe.stderr.strip()}"
        if probe.returncode == 0:
            return argv
    except OSError as error:
        problem = f"`{' '.join(argv)}` does not run ({error})"
    raise NamespaceUnavailable(
        f"{problem}: an offline run needs a network namespace with only loopback "
        "(root, or unprivileged user namespaces: sysctl kernel.unprivileged_userns_clone=1)"
    )


def pyenv_python(minor: str) -> str:
    """pyenv's newest CPython `minor` (e.g. "3.11"); the index PEX runs on 3.11."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found = sorted(root.glob(f"versions/{minor}.*/bin/python{minor}"))
    if not found:
        raise FileNotFoundError(
            f"no CPython {minor} under {root}/versions (README's prerequisites)"
        )
    return str(found[-1])


def namespace_env(
    base: dict[str, str], python: str, index_pex: Path, index_data: Path, work: Path
) -> dict[str, str]:
    """`base` plus what `NAMESPACE_PRELUDE` reads."""
    return {
        **base,
        "OFFLINE_PYTHON": python,
        "LOOPBACK_UP": LOOPBACK_UP,
        "NO_ROUTE_OUT": NO_ROUTE_OUT,
        "INDEX_PYTHON": pyenv_python("3.11"),
        "INDEX_PEX": str(index_pex.resolve()),
        "INDEX_DATA": str(index_data),
        "WORK": str(work),
    }


def run_in_namespace(
    argv: list[str], script: Path, env: dict[str, str], timeout: float, stdout: IO[str] | int
) -> int:
    """Run bash `script` in a new network namespace, in its own session; on the way out
    (timeout, interrupt) the whole session is killed by its process-group id."""
    process = subprocess.Popen(
        [*argv, "bash", str(script)],
        env=env,
        stdout=stdout,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        return process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Index:
    """services/index from its PEX, on 127.0.0.1, taking uploads; stopped by its pid."""

    def __init__(self, pex: Path, data: Path, token_file: Path, log: Path) -> None:
        self.process = subprocess.Popen(
            [
                pyenv_python("3.11"),
                str(pex),
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--data",
                str(data),
                "--upload-token-file",
                str(token_file),
            ],
            stdout=subprocess.PIPE,
            stderr=log.open("w"),
            text=True,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        match = re.match(r"serving .* on (http://127\.0\.0\.1:\d+)/simple/", first)
        if not match:
            self.stop()
            raise RuntimeError(f"the index did not start: {first!r}; see {log}")
        self.url = match.group(1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
