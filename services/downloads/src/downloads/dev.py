"""A local run: the API with its own PostgreSQL and Redis, optionally reloading on save.

    ./pants package //external/servers/postgresql //external/servers/redis   # once
    ./pants run services/downloads:dev -- [--port 8081] [--data DIR] [--reload]

The servers are the pinned ones (`dist/servers/`, or $PANTRY_SERVERS_DIR), started on Unix
sockets in private directories; their data stays in DIR (default
`$XDG_DATA_HOME/pantry/downloads`, i.e. `~/.local/share/pantry/downloads`), so counts survive
restarts. With `--reload` the API runs from the workspace's sources and restarts when a `.py`
file under services/downloads/src changes; a save with a syntax error is printed and the
running API kept until the next save. SIGTERM or SIGINT stops the API, then the servers.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

from testing_services.servers import ServerError, start_postgresql, start_redis

SOURCE_DIR = Path("services", "downloads", "src")
POLL_SECONDS = 0.5


def default_data_dir(environ: Mapping[str, str]) -> Path:
    data = environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(data, "pantry", "downloads")


def default_servers_dir(environ: Mapping[str, str], workspace: Path) -> Path:
    return Path(environ.get("PANTRY_SERVERS_DIR") or workspace / "dist" / "servers")


def python_files(root: Path) -> dict[Path, int]:
    """Every .py file under `root` with its mtime (ns): a change is a different mapping."""
    return {path: path.stat().st_mtime_ns for path in sorted(root.rglob("*.py"))}


def syntax_errors(files: Sequence[Path], workspace: Path) -> list[str]:
    """`path:line: message` for each file that does not compile, path relative to `workspace`."""
    errors = []
    for path in files:
        try:
            compile(path.read_bytes(), str(path), "exec")
        except SyntaxError as e:
            where = os.path.relpath(path, workspace)
            errors.append(f"{where}:{e.lineno}: {e.msg}")
        except (OSError, ValueError) as e:
            errors.append(f"{os.path.relpath(path, workspace)}: {e}")
    return errors


class Stop(BaseException):
    """SIGTERM/SIGINT; a BaseException so no `except Exception` on the way swallows it."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def start_api(argv: list[str], env: Mapping[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "downloads", "serve", *argv], env=dict(env))


def stop_api(api: subprocess.Popen | None) -> None:
    if api is not None and api.poll() is None:
        api.send_signal(signal.SIGTERM)
        try:
            api.wait(10)
        except subprocess.TimeoutExpired:
            api.kill()
            api.wait()


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    workspace = Path(environ.get("BUILD_WORKSPACE_DIRECTORY") or os.getcwd())
    parser = argparse.ArgumentParser(prog="downloads-dev", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8081, help="default: %(default)s")
    parser.add_argument(
        "--data",
        type=Path,
        default=default_data_dir(environ),
        help="where the servers keep their data (default: %(default)s)",
    )
    parser.add_argument("--reload", action="store_true", help="restart the API on source changes")
    args = parser.parse_args(argv)
    servers = default_servers_dir(environ, workspace)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    postgresql = redis = api = None
    try:
        args.data.mkdir(parents=True, exist_ok=True)
        postgresql = start_postgresql(args.data / "postgresql", base=servers)
        redis = start_redis(args.data / "redis", base=servers, persist=True)
        print(f"downloads-dev: PostgreSQL {postgresql.url()} (data in {args.data})", flush=True)
        print(f"downloads-dev: Redis {redis.url()}", flush=True)
        serve = ["--port", str(args.port), "--database-url", postgresql.url()]
        serve += ["--redis-url", redis.url()]
        env = dict(environ)
        sources = workspace / SOURCE_DIR
        if args.reload:
            # The workspace's sources first, so edits are what runs; the rest from this PEX.
            path = [str(sources), str(workspace / "libs/internal/testing-services/src")]
            env["PYTHONPATH"] = os.pathsep.join([*path, *(p for p in sys.path if p)])
        else:
            env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        api = start_api(serve, env)
        seen = python_files(sources) if args.reload else {}
        while True:
            time.sleep(POLL_SECONDS)
            if not args.reload:
                if api.poll() is not None:
                    return api.returncode
                continue
            now = python_files(sources)
            if now == seen:
                continue
            seen = now
            errors = syntax_errors([p for p in now], workspace)
            if errors:
                print("downloads-dev: not reloading, fix and save again:", flush=True)
                for error in errors:
                    print(f"  {error}", flush=True)
                continue
            print("downloads-dev: sources changed, restarting the API", flush=True)
            stop_api(api)
            api = start_api(serve, env)
    except ServerError as e:
        print(f"downloads-dev: error: {e}", file=sys.stderr)
        return 2
    except Stop as e:
        print(f"downloads-dev: stopping ({e})", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop_api(api)
        for server in (redis, postgresql):
            if server is not None:
                server.stop()


if __name__ == "__main__":
    sys.exit(main())
