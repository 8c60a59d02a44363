"""`python -m index [--host H] [--port P] [--data DIR] [--access-log FILE]`."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import TextIO
from wsgiref import simple_server

from feature_flags import FlagError, Flags
from index.accesslog import AccessLog, WSGIApp
from index.app import IndexApp
from index.storage import Storage


class ThreadingWSGIServer(ThreadingMixIn, simple_server.WSGIServer):
    """One thread per request, so a slow download does not block the index."""

    daemon_threads = True


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        # AccessLog already records every request, as JSON.
        pass


def make_server(host: str, port: int, app: WSGIApp) -> ThreadingWSGIServer:
    """Bind `app` to host:port (port 0 picks a free port); raises OSError."""
    return simple_server.make_server(
        host, port, app, server_class=ThreadingWSGIServer, handler_class=_QuietHandler
    )


def default_data_dir(environ: Mapping[str, str]) -> Path:
    cache = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache, "pantry", "index")


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(
            f"invalid port {value!r}; expected 0-65535 (0 picks a free port)"
        )
    return int(value)


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m index",
        description="Serve a directory of distributions as a PEP 503 simple index.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=8080,
        help="port to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        default=default_data_dir(environ),
        help="directory of .whl/.tar.gz/.zip files (default: %(default)s)",
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
    if not args.data.is_dir():
        parser.error(
            f"--data {args.data}: not a directory;"
            f" create it (mkdir -p {args.data}) or pass --data DIR"
        )
    try:
        flags = Flags.from_sources(args.flags, environ)
    except FlagError as e:
        parser.error(f"bad feature flag: {e}")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")

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
                AccessLog(IndexApp(Storage(args.data), flags), log_stream),
            )
        except OSError as e:
            parser.error(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}")
        stack.callback(server.server_close)
        print(
            f"serving {args.data} on http://{args.host}:{server.server_port}/simple/",
            flush=True,
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0
