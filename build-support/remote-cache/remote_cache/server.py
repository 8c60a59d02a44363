"""Start a real BuildGrid remote cache on 127.0.0.1, in the foreground (`serve` runs this).

    build-support/remote-cache/serve --port PORT --storage DIR --write-token-file FILE

First start: installs the hash-pinned BuildGrid (buildgrid-requirements.txt) into a cached
venv, creates a random signing key under DIR/auth/, and, if FILE does not exist, writes a
write credential (a JWT signed with that key) there. Then it replaces itself with
`bgd server start DIR/buildgrid.yml`, so the process id you started is BuildGrid's.

Point CI at it with PANTRY_REMOTE_CACHE=grpc://127.0.0.1:PORT and
PANTRY_REMOTE_CACHE_TOKEN_FILE=FILE; contributors need only PANTRY_REMOTE_CACHE.

Runs on the CPython 3.13 that BuildGrid needs; imports only the standard library and the
launcher's pip helpers.
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import os
import shutil
import socket
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping, Sequence

from launcher.bootstrap import (
    COMPLETE_MARKER,
    BootstrapError,
    clean_environment,
    exclusive_lock,
    pip_install,
    run,
)
from remote_cache import tokens
from remote_cache.config import (
    AUDIENCE,
    READ_INSTANCE,
    WRITE_INSTANCE,
    WRITER_SUBJECT,
    ServerLayout,
    render_acl,
    render_server_config,
)

REQUIREMENTS = Path(__file__).resolve().parent.parent / "buildgrid-requirements.txt"
DEFAULT_TOKEN_DAYS = 90
DEFAULT_MAX_CACHED_REFS = 100_000
EXPIRY_WARNING_DAYS = 7


class ServeError(Exception):
    """Bad input or a broken environment; the message says what and how to fix it."""


def log(message: str) -> None:
    print(f"serve: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class ServeOptions:
    port: int
    storage: Path
    token_file: Path
    token_days: int
    max_cached_refs: int
    check_only: bool


def parse_args(argv: Sequence[str]) -> ServeOptions:
    parser = argparse.ArgumentParser(
        prog="build-support/remote-cache/serve",
        description=(
            "Start a real BuildGrid remote cache on 127.0.0.1 in the foreground. Instance "
            f"{READ_INSTANCE!r} is anonymous and read-only (contributors); instance "
            f"{WRITE_INSTANCE!r} needs the write credential (CI)."
        ),
        epilog=(
            "Example: build-support/remote-cache/serve --port 50051 --storage ~/.cache/pantry-rc "
            "--write-token-file ~/.config/pantry/ci-token; then CI runs with "
            "PANTRY_REMOTE_CACHE=grpc://127.0.0.1:50051 "
            "PANTRY_REMOTE_CACHE_TOKEN_FILE=~/.config/pantry/ci-token. "
            "Environment: PANTRY_CACHE_DIR (where the BuildGrid venv is cached), "
            "PANTRY_INDEX_URL (a package index behind a proxy)."
        ),
    )
    parser.add_argument("--port", required=True, help="TCP port on 127.0.0.1 (1-65535)")
    parser.add_argument(
        "--storage", required=True, help="directory for the CAS, signing key and config"
    )
    parser.add_argument(
        "--write-token-file",
        required=True,
        metavar="FILE",
        help="the CI write credential; created (mode 0600) with a new random token if absent",
    )
    parser.add_argument(
        "--token-days",
        type=int,
        default=DEFAULT_TOKEN_DAYS,
        help=f"validity of a newly created credential (default {DEFAULT_TOKEN_DAYS})",
    )
    parser.add_argument(
        "--max-cached-refs",
        type=int,
        default=DEFAULT_MAX_CACHED_REFS,
        help=f"action results kept, oldest use evicted first (default {DEFAULT_MAX_CACHED_REFS})",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="prepare everything (venv, key, credential, config), print the config and the venv's "
        "python, and exit without starting the server",
    )
    args = parser.parse_args(argv)
    return ServeOptions(
        port=parse_port(args.port),
        storage=Path(args.storage).expanduser().absolute(),
        token_file=Path(args.write_token_file).expanduser().absolute(),
        token_days=positive("--token-days", args.token_days),
        max_cached_refs=positive("--max-cached-refs", args.max_cached_refs),
        check_only=args.check,
    )


def parse_port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise ServeError(f"--port {value!r} is not a number; pass a TCP port, e.g. --port 50051")
    if not 1 <= port <= 65535:
        raise ServeError(f"--port {port} is out of range; pass 1-65535, e.g. --port 50051")
    return port


def positive(flag: str, value: int) -> int:
    if value < 1:
        raise ServeError(f"{flag} {value} must be at least 1")
    return value


def check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            reason = "is already in use" if error.errno == errno.EADDRINUSE else f"failed: {error}"
            raise ServeError(
                f"--port {port}: binding 127.0.0.1:{port} {reason}. Stop what listens there "
                "or pick another port."
            ) from None


def prepare_storage(layout: ServerLayout) -> None:
    try:
        layout.cas.mkdir(parents=True, exist_ok=True)
        layout.signing_key.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(layout.signing_key.parent, 0o700)
    except OSError as error:
        raise ServeError(
            f"--storage {layout.storage}: cannot create {error.filename or layout.storage} "
            f"({error.strerror}). Pass a directory you can write."
        ) from None


def write_private(path: Path, text: str) -> None:
    """Write a secret atomically, readable only by its owner."""
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(staging, path)


def signing_key(layout: ServerLayout) -> str:
    if not layout.signing_key.is_file():
        write_private(layout.signing_key, tokens.new_signing_key() + "\n")
        log(f"created a new signing key {layout.signing_key}")
    return layout.signing_key.read_text().strip()


def ensure_write_token(options: ServeOptions, key: str, now: int) -> tokens.Claims:
    """Create the credential if absent; otherwise check that this server will accept it."""
    path = options.token_file
    if not path.exists():
        claims = tokens.Claims(
            subject=WRITER_SUBJECT,
            audience=AUDIENCE,
            issued_at=now,
            expires_at=now + options.token_days * 86400,
        )
        try:
            write_private(path, tokens.mint(key, claims) + "\n")
        except OSError as error:
            raise ServeError(
                f"--write-token-file {path}: cannot write it ({error.strerror}). Pass a path "
                "in a directory you can write."
            ) from None
        log(f"wrote a new write credential to {path} (valid until {day(claims.expires_at)})")
        return claims
    try:
        claims = tokens.verify(path.read_text(), key, AUDIENCE, now)
    except (OSError, UnicodeDecodeError) as error:
        raise ServeError(f"--write-token-file {path}: cannot read it ({error}).") from None
    except tokens.CredentialError as error:
        raise ServeError(
            f"--write-token-file {path}: this server would refuse it: {error}. It was made for "
            f"another --storage (signing key {options.storage / 'auth'}) or has expired. "
            "Delete the file to have a new credential written, and give CI the new one."
        ) from None
    if claims.subject != WRITER_SUBJECT:
        raise ServeError(
            f"--write-token-file {path}: its subject is {claims.subject!r}, but only "
            f"{WRITER_SUBJECT!r} may write. Delete the file to have a new one written."
        )
    if claims.expires_at - now < EXPIRY_WARNING_DAYS * 86400:
        log(f"warning: the write credential {path} expires on {day(claims.expires_at)}; rotate it")
    return claims


def day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")


def cache_root(environ: Mapping[str, str]) -> Path:
    """The launcher's cache: PANTRY_CACHE_DIR, else $XDG_CACHE_HOME/pantry, else ~/.cache/pantry."""
    if environ.get("PANTRY_CACHE_DIR"):
        return Path(environ["PANTRY_CACHE_DIR"])
    xdg = environ.get("XDG_CACHE_HOME") or str(Path(environ.get("HOME", "~")) / ".cache")
    return Path(xdg).expanduser() / "pantry"


def venv_key(requirements: Path, python_version: str) -> str:
    digest = hashlib.sha256(requirements.read_bytes() + python_version.encode()).hexdigest()
    return digest[:16]


def ensure_buildgrid(environ: Mapping[str, str]) -> Path:
    """The `bgd` of a venv with the hash-pinned BuildGrid, built once per pin and Python."""
    version = ".".join(map(str, sys.version_info[:3]))
    cache = cache_root(environ)
    venv = cache / "buildgrid" / venv_key(REQUIREMENTS, version)
    bgd = venv / "bin" / "bgd"
    if (venv / COMPLETE_MARKER).is_file():
        return bgd
    env = clean_environment(environ)
    with exclusive_lock(cache / "locks" / f"buildgrid-{venv.name}.lock"):
        if (venv / COMPLETE_MARKER).is_file():
            return bgd
        if venv.exists():
            log(f"removing an incomplete BuildGrid venv at {venv}")
            shutil.rmtree(venv)
        log(f"installing the pinned BuildGrid into {venv} (first run only, about a minute)")
        run([sys.executable, "-m", "venv", str(venv)], env, what="creating the venv", hint="")
        pip_install(venv / "bin" / "python", REQUIREMENTS, env, repin_help="see its header")
        (venv / COMPLETE_MARKER).write_text("ok\n")
    return bgd


def prepare(options: ServeOptions, environ: Mapping[str, str], now: int) -> tuple[Path, Path]:
    """Everything but starting the server: returns (bgd, config file)."""
    layout = ServerLayout(options.storage)
    check_port_free(options.port)
    if not options.token_file.parent.is_dir():
        raise ServeError(
            f"--write-token-file {options.token_file}: its directory "
            f"{options.token_file.parent} does not exist; create it first."
        )
    prepare_storage(layout)
    key = signing_key(layout)
    ensure_write_token(options, key, now)
    bgd = ensure_buildgrid(environ)
    write_private(layout.acl, render_acl())
    write_private(
        layout.config, render_server_config(layout, options.port, options.max_cached_refs)
    )
    return bgd, layout.config


def main(argv: Sequence[str]) -> int:
    try:
        options = parse_args(argv)
        bgd, config = prepare(options, os.environ, int(time.time()))
    except (ServeError, BootstrapError) as error:
        log(f"error: {error}")
        return 2
    if options.check_only:
        print(f"config: {config}")
        print(f"python: {bgd.parent / 'python'}")
        return 0
    address = f"grpc://127.0.0.1:{options.port}"
    log(
        f"starting BuildGrid on {address} (pid {os.getpid()}): instance {READ_INSTANCE!r} "
        f"read-only for everyone, instance {WRITE_INSTANCE!r} read-write with "
        f"{options.token_file}. Stop it with Ctrl-C or `kill {os.getpid()}`."
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    os.chdir(options.storage)
    os.execve(str(bgd), [str(bgd), "server", "start", str(config)], env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
