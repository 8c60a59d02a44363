"""Start and stop private PostgreSQL and Redis servers from the pinned binaries (no pytest here).

The binaries are the `debian_tools` packages of `//external/servers/postgresql` and
`//external/servers/redis`: a test gets them in its sandbox with
`runtime_package_dependencies`, a person with `./pants package`. A server is a child process
of ours, in its own session (a terminal's Ctrl-C reaches us, not it), with a parent-death
signal (it dies if we are killed), stopped by its pid. As root (CI may run as root; PostgreSQL
refuses it) the servers run as an unprivileged user that owns their data directories.

Every failure is a `ServerError` whose message says what went wrong and how to fix it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

# Where `runtime_package_dependencies` puts the trees (their `output_path`), relative to a test's
# working directory (its sandbox root); PANTRY_SERVERS_DIR overrides it (e.g. `dist/servers`).
SERVERS_DIR_ENV = "PANTRY_SERVERS_DIR"
DEFAULT_SERVERS_DIR = "servers"
TARGETS = {"postgresql": "//external/servers/postgresql", "redis": "//external/servers/redis"}
# The unprivileged account servers run as when we are root (every Debian has it).
UNPRIVILEGED_USER = "nobody"
LOG_TAIL_LINES = 15
# AF_UNIX socket paths are at most 107 bytes on Linux.
MAX_SOCKET_PATH = 107


class ServerError(Exception):
    """A server that cannot be found, started or reached: one message, with the fix.

    `kept` is the private directory left for inspection (its log), if any.
    """

    def __init__(self, message: str, kept: Path | None = None) -> None:
        super().__init__(message)
        self.kept = kept


def servers_dir(environ: Mapping[str, str] | None = None, cwd: str | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get(SERVERS_DIR_ENV) or Path(cwd or os.getcwd()) / DEFAULT_SERVERS_DIR)


def find_program(kind: str, name: str, base: Path) -> Path:
    """`base/<kind>/bin/<name>`, or a ServerError naming the BUILD dependency that ships it."""
    program = base / kind / "bin" / name
    if not os.access(program, os.X_OK):
        raise ServerError(
            f"{kind} is not available: {program} does not exist. A test that starts "
            f'{kind} needs `runtime_package_dependencies=["{TARGETS[kind]}"]` on its '
            f"`python_tests` target in BUILD (Pants then puts the pinned server in the "
            f"sandbox); outside Pants, run `./pants package {TARGETS[kind]}` and set "
            f"{SERVERS_DIR_ENV}=dist/servers."
        )
    return program


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "    (no log written)"
    tail = [line for line in text.splitlines() if line.strip()][-lines:]
    return "\n".join("    " + line for line in tail) or "    (the log is empty)"


def check_port_free(host: str, port: int, what: str) -> None:
    """A ServerError if something already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            if e.errno != errno.EADDRINUSE:
                raise ServerError(f"cannot use {host}:{port} for {what}: {e.strerror}") from None
            raise ServerError(
                f"cannot start {what} on {host}:{port}: the port is in use (another server, or "
                f"one left from an earlier run). Stop it, or choose a free port."
            ) from None


@dataclass(frozen=True)
class RunAs:
    """Who a server runs as: ourselves, or (when we are root) an unprivileged user."""

    uid: int
    gid: int
    name: str

    @property
    def is_us(self) -> bool:
        return self.uid == os.geteuid()

    @classmethod
    def for_servers(cls, user: str = UNPRIVILEGED_USER) -> "RunAs":
        if os.geteuid() != 0:
            return cls(os.geteuid(), os.getegid(), pwd.getpwuid(os.geteuid()).pw_name)
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            raise ServerError(
                f"running as root, the servers must run as an unprivileged user (PostgreSQL "
                f"refuses root), but this host has no user {user!r}: add one "
                f"(`useradd --system {user}`), or run the tests as a normal user."
            ) from None
        return cls(entry.pw_uid, entry.pw_gid, user)

    def own(self, path: Path) -> None:
        if not self.is_us:
            os.chown(path, self.uid, self.gid)


PR_SET_PDEATHSIG = 1


def child_setup(run_as: RunAs, death_signal: int) -> Callable[[], None]:
    """Runs in the child between fork and exec: drop privileges, then ask to die with us.

    The order matters: the kernel clears the parent-death signal when credentials change.
    """

    def setup() -> None:
        if not run_as.is_us:
            os.setgroups([])
            os.setgid(run_as.gid)
            os.setuid(run_as.uid)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, death_signal, 0, 0, 0)

    return setup


def reachable_copy(tree: Path, run_as: RunAs, into: Path) -> Path:
    """`tree`, or a hard-linked (else copied) mirror of it under `into` when `run_as` is
    another user who may not be able to reach the original (a root-only sandbox)."""
    if run_as.is_us:
        return tree

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    mirror = into / tree.name
    shutil.copytree(tree, mirror, symlinks=True, copy_function=link_or_copy)
    for dirpath, dirnames, filenames in os.walk(mirror):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            # A hard link shares its mode with the original: change it only if it must.
            path = os.path.join(dirpath, name)
            mode = os.stat(path).st_mode & 0o7777
            wanted = mode | 0o444 | (0o111 if mode & 0o100 else 0)
            if wanted != mode:
                os.chmod(path, wanted)
    return mirror


def server_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A clean environment: nothing of the host's (PG*, LANG, TZ...) reaches the servers."""
    return {"PATH": os.defpath, "LC_ALL": "C", "TZ": "GMT", **(extra or {})}


@dataclass
class Server:
    """A running server process we own."""

    name: str
    process: subprocess.Popen
    log: Path
    stop_signal: int
    stopped: bool = field(default=False)
    # A private directory (socket, log, binaries' mirror) removed once the server stopped.
    work: Path | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def failure(self, what: str) -> ServerError:
        return ServerError(
            f"{self.name} {what}. The last lines of its log ({self.log}):\n{log_tail(self.log)}",
            kept=self.work,
        )

    def stop(self, timeout: float = 15.0) -> None:
        """Stop it by its pid: the stop signal, then SIGKILL after `timeout` seconds."""
        if self.stopped:
            return
        self.stopped = True
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)


def spawn(
    name: str,
    argv: Sequence[str],
    log: Path,
    run_as: RunAs,
    stop_signal: int,
    env: Mapping[str, str] | None = None,
    work: Path | None = None,
) -> Server:
    with open(log, "ab") as out:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=server_env(env),
            start_new_session=True,
            preexec_fn=child_setup(run_as, stop_signal),
        )
    return Server(name, process, log, stop_signal, work=work)


def wait_until(server: Server, ready: Callable[[], bool], timeout: float) -> None:
    """Poll `ready` until it holds; a server that exits or hangs first is stopped and its
    private directory kept, so the log the error quotes can be read in full."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while not ready():
        if server.process.poll() is not None:
            error = server.failure(f"exited with status {server.process.returncode} while starting")
            server.work = None
            server.stop()
            raise error
        if time.monotonic() > deadline:
            error = server.failure(f"did not become ready within {timeout:.0f} s")
            server.work = None
            server.stop()
            raise error
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def private_dir(prefix: str, run_as: RunAs) -> Path:
    """A fresh directory for one server's data and socket that `run_as` can reach and write."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if not run_as.is_us:
        for parent in [path, *path.parents]:
            if parent.stat().st_mode & 0o001 == 0 and parent != path:
                raise ServerError(
                    f"the temporary directory {path} is inside {parent}, which the servers' "
                    f"user {run_as.name!r} cannot enter; set TMPDIR to a world-accessible "
                    f"directory such as /tmp."
                )
        os.chmod(path, 0o755)
    return path


def reachable_by(run_as: RunAs, data_dir: Path) -> None:
    """A ServerError if `run_as` (another user) cannot enter an existing parent of `data_dir`."""
    if run_as.is_us:
        return
    for parent in data_dir.absolute().parents:
        if (
            parent.exists()
            and parent.stat().st_mode & 0o001 == 0
            and parent.stat().st_uid != run_as.uid
        ):
            raise ServerError(
                f"the data directory {data_dir} is inside {parent}, which the servers' user "
                f"{run_as.name!r} cannot enter (running as root, the servers run as "
                f"{run_as.name!r}); choose a data directory it can reach, e.g. under /var/tmp, "
                f"or run as a normal user."
            )


def socket_path_ok(path: Path, what: str) -> None:
    if len(str(path).encode()) > MAX_SOCKET_PATH:
        raise ServerError(
            f"the {what} socket path {path} is longer than {MAX_SOCKET_PATH} bytes, the limit "
            f"of a Unix socket; set TMPDIR to a shorter directory such as /tmp."
        )


@dataclass(frozen=True)
class PreparedServer:
    """What a server needs before its own setup: who runs it, its private `work` directory
    (removed when it stops), its program tree copied where that user can read it, its data
    directory (in `work` unless the caller keeps one) and an empty log file it owns."""

    run_as: RunAs
    work: Path
    tree: Path
    data_dir: Path
    log: Path


def prepare_server(
    what: str,
    kind: str,
    program: str,
    base: Path | None,
    data_dir: Path | None,
    host: str | None,
    port: int,
) -> PreparedServer:
    base = servers_dir() if base is None else base
    found = find_program(kind, program, base)
    if host:
        check_port_free(host, port, what)
    run_as = RunAs.for_servers()
    if data_dir is not None:
        reachable_by(run_as, data_dir)
    work = private_dir(f"pantry-{kind}-", run_as)
    tree = reachable_copy(found.parent.parent, run_as, work)
    log = work / f"{kind}.log"
    log.touch()
    run_as.own(log)
    return PreparedServer(run_as, work, tree, work / "data" if data_dir is None else data_dir, log)


# --- PostgreSQL -------------------------------------------------------------------------------

# Settings of a throw-away server: durability off (a crash loses nothing that matters), small.
POSTGRES_TEST_SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "jit": "off",  # the JIT's LLVM is not pinned
    "timezone": "GMT",
    "log_timezone": "GMT",
    "shared_buffers": "16MB",
    "max_connections": "40",
    "max_wal_senders": "0",
    "wal_level": "minimal",
}
POSTGRES_USER = "postgres"


@dataclass
class PostgreSQL:
    """A running PostgreSQL: superuser `postgres`, trust authentication, data in `data_dir`."""

    server: Server
    data_dir: Path
    socket_dir: Path
    port: int
    host: str | None  # None: Unix socket only

    def dsn(self, dbname: str = "postgres") -> str:
        host = self.host or str(self.socket_dir)
        return f"host={host} port={self.port} user={POSTGRES_USER} dbname={dbname}"

    def url(self, dbname: str = "postgres") -> str:
        if self.host:
            return f"postgresql://{POSTGRES_USER}@{self.host}:{self.port}/{dbname}"
        return f"postgresql://{POSTGRES_USER}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def stop(self) -> None:
        self.server.stop()


def postmaster_ready(data_dir: Path) -> bool:
    """postmaster.pid's 8th line is the server's status; `ready` once it accepts connections."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
    except OSError:
        return False
    return len(lines) >= 8 and lines[7].strip() == "ready"


def initdb(base: Path, data_dir: Path, run_as: RunAs, log: Path) -> None:
    argv = [
        str(find_program("postgresql", "initdb", base)),
        "-D",
        str(data_dir),
        "-U",
        POSTGRES_USER,
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
        "--no-instructions",
    ]
    with open(log, "ab") as out:
        result = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=server_env(),
            preexec_fn=child_setup(run_as, signal.SIGKILL),
        )
    if result.returncode != 0:
        raise ServerError(
            f"initdb failed (exit status {result.returncode}) for {data_dir}. The last lines of "
            f"its log ({log}):\n{log_tail(log)}",
            kept=log.parent,
        )


def start_postgresql(
    data_dir: Path | None = None,
    *,
    host: str | None = None,
    port: int = 5432,
    base: Path | None = None,
    settings: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> PostgreSQL:
    """Start PostgreSQL; initialise `data_dir` first if it holds no cluster.

    Without `data_dir`, a fresh throw-away one. Without `host`, it listens only on a Unix
    socket in a private directory (no port to collide with); with one, on `host:port`.
    """
    prepared = prepare_server("PostgreSQL", "postgresql", "postgres", base, data_dir, host, port)
    run_as, work, tree, log = prepared.run_as, prepared.work, prepared.tree, prepared.log
    postgres = tree / "bin" / "postgres"
    data_dir = prepared.data_dir
    socket_dir = work / "run"
    socket_dir.mkdir()
    run_as.own(socket_dir)
    socket_path_ok(socket_dir / f".s.PGSQL.{port}", "PostgreSQL")
    if not (data_dir / "PG_VERSION").exists():
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        if not data_dir.exists():
            data_dir.mkdir(mode=0o700)
        run_as.own(data_dir)
        initdb(tree.parent, data_dir, run_as, log)
    options = {**POSTGRES_TEST_SETTINGS, **(settings or {})}
    argv = [
        str(postgres),
        "-D",
        str(data_dir),
        "-k",
        str(socket_dir),
        "-p",
        str(port),
        "-c",
        f"listen_addresses={host or ''}",
    ]
    for key, value in sorted(options.items()):
        argv += ["-c", f"{key}={value}"]
    # SIGINT is PostgreSQL's fast shutdown: disconnect clients, stop.
    server = spawn("PostgreSQL", argv, log, run_as, signal.SIGINT, work=work)
    wait_until(server, lambda: postmaster_ready(data_dir), timeout)
    return PostgreSQL(server, data_dir, socket_dir, port, host)


# --- Redis ------------------------------------------------------------------------------------


@dataclass
class Redis:
    server: Server
    socket: Path | None
    host: str | None
    port: int

    def url(self, db: int = 0) -> str:
        if self.socket is not None:
            return f"unix://{self.socket}?db={db}"
        return f"redis://{self.host}:{self.port}/{db}"

    def command(self, *words: str, timeout: float = 5.0) -> bytes:
        """Send one command (RESP) and return the first reply line, e.g. b'+PONG'."""
        if self.socket is not None:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address: str | tuple[str, int] = str(self.socket)
        else:
            conn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            address = (str(self.host), self.port)
        with conn:
            conn.settimeout(timeout)
            conn.connect(address)
            payload = f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
            conn.sendall(payload.encode())
            reply = b""
            while not reply.endswith(b"\r\n"):
                chunk = conn.recv(4096)
                if not chunk:
                    break
                reply += chunk
        return reply.strip()

    def ping(self) -> bool:
        try:
            return self.command("PING", timeout=1.0) == b"+PONG"
        except OSError:
            return False

    def flushall(self) -> None:
        reply = self.command("FLUSHALL")
        if reply != b"+OK":
            raise ServerError(f"Redis refused FLUSHALL: {reply.decode(errors='replace')}")

    def stop(self) -> None:
        self.server.stop()


def start_redis(
    data_dir: Path | None = None,
    *,
    host: str | None = None,
    port: int = 6379,
    base: Path | None = None,
    persist: bool = False,
    extra_args: Sequence[str] = (),
    timeout: float = 30.0,
) -> Redis:
    """Start Redis: without `host` on a Unix socket only, else on `host:port`; with
    `persist`, it saves to `data_dir` (a local run), else keeps everything in memory.
    `extra_args` are more `--name value` settings."""
    prepared = prepare_server("Redis", "redis", "redis-server", base, data_dir, host, port)
    run_as, work, tree, log = prepared.run_as, prepared.work, prepared.tree, prepared.log
    data_dir = prepared.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    run_as.own(data_dir)
    sock = None if host else work / "run" / "redis.sock"
    argv = [str(tree / "bin" / "redis-server"), "--dir", str(data_dir), "--daemonize", "no"]
    argv += ["--save", "60 1" if persist else "", "--appendonly", "no"]
    if sock is not None:
        socket_path_ok(sock, "Redis")
        sock.parent.mkdir()
        run_as.own(sock.parent)
        argv += ["--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "777"]
    else:
        argv += ["--port", str(port), "--bind", str(host)]
    argv += list(extra_args)
    server = spawn("Redis", argv, log, run_as, signal.SIGTERM, work=work)
    redis = Redis(server, sock, host, port)
    wait_until(server, redis.ping, timeout)
    return redis
