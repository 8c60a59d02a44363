"""`python -m index [--host H] [--port P] [--data DIR] [--upload-token-file FILE] ...`.

The port defaults to `$PORT` (as container platforms set it), else 8080.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import TextIO, Union
from wsgiref import simple_server

from feature_flags import FlagError, Flags
from index.accesslog import AccessLog, WSGIApp
from index.app import IndexApp
from index.blobs import BlobStore
from index.storage import Storage
from index.upload import DEFAULT_MAX_UPLOAD_SIZE, SET_READ_TIMEOUT, Uploader, UploadSettings

_SIZE = re.compile(r"^(\d+)([KMG]?)(i?B)?$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
# What socketserver hands a request handler: a connected socket (TCP) or (data, socket) (UDP).
_Request = Union[socket.socket, tuple[bytes, socket.socket]]
DEFAULT_PORT = 8080
# A client that stops sending for this long loses its connection (and its partial upload).
# A refused upload's client gets much less (index.upload.REFUSED_READ_TIMEOUT).
REQUEST_TIMEOUT = 120
# Connections served at once, one thread each; more are answered 503 and closed.
DEFAULT_MAX_CONNECTIONS = 256


class ThreadingWSGIServer(ThreadingMixIn, simple_server.WSGIServer):
    """One thread per connection, so a slow download does not block the index.

    At most `max_connections` at once: a connection beyond them is answered 503 with
    `Retry-After: 1` (pip retries it) straight from the accepting thread, and closed, so
    that slow or stalled clients cannot make the server start threads without bound.
    """

    daemon_threads = True
    # socketserver's default backlog (5) drops connections under a burst of clients.
    request_queue_size = 1024

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[simple_server.WSGIRequestHandler],
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self.max_connections = max_connections
        self._slots = threading.BoundedSemaphore(max_connections)
        self._count_lock = threading.Lock()
        self.connections = 0
        super().__init__(address, handler)

    def process_request(self, request: _Request, client_address: object) -> None:
        if not self._slots.acquire(blocking=False):
            self._turn_away(request)
            return
        with self._count_lock:
            self.connections += 1
        try:
            super().process_request(request, client_address)  # starts the thread
        except BaseException:
            self._release()
            raise

    def process_request_thread(self, request: _Request, client_address: object) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release()

    def _release(self) -> None:
        with self._count_lock:
            self.connections -= 1
        self._slots.release()

    def _turn_away(self, request: _Request) -> None:
        if isinstance(request, tuple):  # a datagram server's (data, socket): never a TCP one's
            return
        body = (
            f"the index is busy: it serves at most {self.max_connections} connections at a"
            " time (--max-connections); retry shortly\n"
        ).encode()
        head = (
            "HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
        ).encode()
        try:
            request.settimeout(1)  # a few hundred bytes; never hold up the accepting thread
            request.sendall(head + body)
            # Read what the request sent so far: closing with unread data resets the connection.
            request.setblocking(False)
            request.recv(1 << 16)
        except OSError:
            pass
        finally:
            self.shutdown_request(request)


class _QuietHandler(simple_server.WSGIRequestHandler):
    timeout = REQUEST_TIMEOUT

    def get_environ(self) -> dict:
        environ = super().get_environ()
        environ[SET_READ_TIMEOUT] = self.connection.settimeout
        return environ

    def log_message(self, format: str, *args: object) -> None:
        # AccessLog already records every request, as JSON.
        pass


def make_server(
    host: str, port: int, app: WSGIApp, max_connections: int = DEFAULT_MAX_CONNECTIONS
) -> ThreadingWSGIServer:
    """Bind `app` to host:port (port 0 picks a free port); raises OSError."""
    server = ThreadingWSGIServer((host, port), _QuietHandler, max_connections)
    server.set_app(app)
    return server


def default_data_dir(environ: Mapping[str, str]) -> Path:
    cache = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache, "pantry", "index")


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(
            f"invalid port {value!r}; expected 0-65535 (0 picks a free port)"
        )
    return int(value)


def _connections(value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(
            f"invalid connection count {value!r}; expected a whole number, at least 1"
        )
    return int(value)


def parse_size(value: str) -> int:
    """`100M` -> 104857600: bytes, or K/M/G (binary multiples, optional `B`/`iB`)."""
    match = _SIZE.match(value.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            f"invalid size {value!r}; expected bytes or a number with K, M or G, e.g. 100M"
        )
    size = int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]
    if size == 0:
        raise argparse.ArgumentTypeError(f"invalid size {value!r}; expected at least 1 byte")
    return size


def read_token(path: str) -> str:
    """The upload token in `path` (surrounding whitespace stripped); raises ValueError."""
    try:
        with open(path, encoding="utf-8") as f:
            token = f.read().strip()
    except OSError as e:
        raise ValueError(f"--upload-token-file {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ValueError(f"--upload-token-file {path}: not a UTF-8 text file") from None
    if not token:
        raise ValueError(
            f"--upload-token-file {path}: the file is empty; put a secret in it, e.g."
            f" python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > {path}"
        )
    if any(c.isspace() for c in token):
        raise ValueError(f"--upload-token-file {path}: the token must be one word, no spaces")
    return token


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m index",
        description=(
            "Serve a directory of distributions as a simple index (PEP 503 HTML, PEP 691 JSON),"
            " taking twine uploads at /legacy/ when given an upload token, and other files"
            " by digest at /blobs/sha256/<hex> (PUT to upload, same token)."
        ),
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=None,
        help=f"port to listen on (default: $PORT, else {DEFAULT_PORT}; 0 picks a free port)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        default=None,
        help=(
            "directory of .whl/.tar.gz/.zip files, where uploads go too"
            f" (default: {default_data_dir(environ)}, created if missing)"
        ),
    )
    parser.add_argument(
        "--upload-token-file",
        metavar="FILE",
        help=(
            "accept twine uploads at /legacy/ from user __token__ with the token in FILE"
            " as password (default: uploads disabled)"
        ),
    )
    parser.add_argument(
        "--max-upload-size",
        type=parse_size,
        metavar="SIZE",
        default=DEFAULT_MAX_UPLOAD_SIZE,
        help="largest upload request accepted, e.g. 500K, 100M, 2G (default: 100M)",
    )
    parser.add_argument(
        "--max-connections",
        type=_connections,
        metavar="N",
        default=DEFAULT_MAX_CONNECTIONS,
        help=(
            "connections served at once, one thread each; more get 503 with Retry-After"
            " (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--access-log",
        metavar="FILE",
        help="append JSON access log lines to FILE (default: stderr)",
    )
    parser.add_argument(
        "--flags",
        metavar="FILE",
        help="JSON feature flags file; PANTRY_FLAG_* variables override it",
    )
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    parser = build_parser(environ)
    args = parser.parse_args(argv)
    if args.port is None:
        try:
            args.port = _port(environ.get("PORT") or str(DEFAULT_PORT))
        except argparse.ArgumentTypeError as e:
            parser.error(f"environment variable PORT: {e}")
    if args.data is None:
        args.data = default_data_dir(environ)
        try:
            args.data.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            parser.error(f"cannot create the default data directory {args.data}: {e.strerror}")
    if not args.data.is_dir():
        parser.error(
            f"--data {args.data}: not a directory;"
            f" create it (mkdir -p {args.data}) or pass --data DIR"
        )
    token = None
    if args.upload_token_file is not None:
        try:
            token = read_token(args.upload_token_file)
        except ValueError as e:
            parser.error(str(e))
    try:
        flags = Flags.from_sources(args.flags, environ)
    except FlagError as e:
        parser.error(f"bad feature flag: {e}")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    storage = Storage(args.data)
    try:
        for stale in [
            *storage.remove_stale_uploads(),
            *BlobStore(args.data).remove_stale_uploads(),
        ]:
            logging.getLogger("index").info("removed %s, left by an interrupted upload", stale)
    except OSError as e:
        parser.error(f"--data {args.data}: {e.strerror or e}")
    uploader = Uploader(storage, UploadSettings(token, args.max_upload_size)) if token else None

    with contextlib.ExitStack() as stack:
        log_stream: TextIO = sys.stderr
        if args.access_log:
            try:
                log_stream = stack.enter_context(open(args.access_log, "a", encoding="utf-8"))
            except OSError as e:
                parser.error(f"--access-log {args.access_log}: {e.strerror}")
        try:
            server = make_server(
                args.host,
                args.port,
                AccessLog(IndexApp(storage, flags, uploader), log_stream),
                args.max_connections,
            )
        except OSError as e:
            parser.error(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}")
        stack.callback(server.server_close)
        base = f"http://{args.host}:{server.server_port}"
        print(f"serving {args.data} on {base}/simple/", flush=True)
        if uploader is None:
            print("uploads disabled (start with --upload-token-file FILE to enable)", flush=True)
        else:
            print(
                f"uploads: {base}/legacy/ and PUT {base}/blobs/sha256/<hex> (user __token__,"
                f" password from {args.upload_token_file}; at most {args.max_upload_size} bytes)",
                flush=True,
            )
        if threading.current_thread() is threading.main_thread():
            # As PID 1 in a container nothing stops us by default: `podman stop` sends SIGTERM.
            signal.signal(signal.SIGTERM, _stop)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
