"""`python -m downloads serve|ingest ...`: the API server, and loading a report by hand.

    python -m downloads serve [--host H] [--port P] [--database-url URL] [--redis-url URL]
    python -m downloads ingest [--database-url URL] [--redis-url URL] REPORT.json|-

URLs default to $DATABASE_URL and $REDIS_URL; the port to $PORT, else 8081. SIGTERM and
SIGINT stop the server cleanly (exit status 0).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from socketserver import ThreadingMixIn
from types import FrameType
from wsgiref import simple_server

import psycopg
import redis
from downloads.app import DownloadsApp
from downloads.cache import CountsCache
from downloads.reports import ReportError, parse_report
from downloads.store import add_report, create_schema

DEFAULT_PORT = 8081


class CliError(Exception):
    pass


class ThreadingWSGIServer(ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


class QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def connect_database(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, connect_timeout=10)
    except psycopg.Error as e:
        raise CliError(
            f"cannot connect to PostgreSQL at --database-url {url!r}: {first_line(e)}. Start it "
            "(`./pants run services/downloads:dev` starts one), or pass the right URL."
        ) from None


def connect_redis(url: str) -> redis.Redis:
    try:
        client = redis.Redis.from_url(url, socket_timeout=10)
        client.ping()
    except (redis.RedisError, ValueError) as e:
        raise CliError(
            f"cannot reach Redis at --redis-url {url!r}: {first_line(e)}. Start it "
            "(`./pants run services/downloads:dev` starts one), or pass the right URL."
        ) from None
    return client


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m downloads", description="Download counts per project and version."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help in (("serve", "serve the HTTP API"), ("ingest", "add a stats JSON report")):
        sub = commands.add_parser(name, help=help)
        sub.add_argument(
            "--database-url",
            default=environ.get("DATABASE_URL"),
            help="PostgreSQL URL or libpq string (default: $DATABASE_URL)",
        )
        sub.add_argument(
            "--redis-url",
            default=environ.get("REDIS_URL"),
            help="Redis URL, e.g. redis://127.0.0.1:6379/0 (default: $REDIS_URL)",
        )
        if name == "serve":
            sub.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
            sub.add_argument("--port", type=int, default=None, help="default: $PORT, else 8081")
        else:
            sub.add_argument(
                "report", help="the output of `python -m stats --format json`; '-' is stdin"
            )
    return parser


def ingest(args: argparse.Namespace) -> int:
    try:
        if args.report == "-":
            text, source = sys.stdin.read(), "<stdin>"
        else:
            with open(args.report, encoding="utf-8") as f:
                text, source = f.read(), args.report
    except OSError as e:
        raise CliError(f"cannot read {args.report}: {e.strerror}") from None
    try:
        counts = parse_report(text, source)
    except ReportError as e:
        raise CliError(str(e)) from None
    with connect_database(args.database_url) as conn:
        create_schema(conn)
        projects = add_report(conn, counts)
    if args.redis_url:
        CountsCache(connect_redis(args.redis_url)).invalidate(projects)
    print(f"added {len(counts)} release counts of {len(projects)} projects from {source}")
    return 0


class Stop(BaseException):
    """Raised in the main thread by SIGTERM/SIGINT to leave serve_forever.

    A BaseException, like KeyboardInterrupt: socketserver handles `Exception` raised while
    it dispatches a request (prints it and serves on), so a signal landing then was lost.
    """


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def serve(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    port = args.port if args.port is not None else int(environ.get("PORT") or DEFAULT_PORT)
    database_url = args.database_url
    with connect_database(database_url) as conn:
        create_schema(conn)
        conn.commit()
    app = DownloadsApp(
        lambda: psycopg.connect(database_url), CountsCache(connect_redis(args.redis_url))
    )
    try:
        server = simple_server.make_server(
            args.host, port, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler
        )
    except OSError as e:
        raise CliError(
            f"cannot listen on {args.host}:{port}: {e.strerror}; choose another --port"
        ) from None
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"downloads: serving on http://{args.host}:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except Stop as e:
        print(f"downloads: stopped by {e}", flush=True)
    finally:
        server.server_close()
    return 0


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    parser = build_parser(environ)
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("no PostgreSQL: pass --database-url or set DATABASE_URL")
    if args.command == "serve" and not args.redis_url:
        parser.error("no Redis: pass --redis-url or set REDIS_URL")
    try:
        return ingest(args) if args.command == "ingest" else serve(args, environ)
    except CliError as e:
        print(f"downloads: error: {e}", file=sys.stderr)
        return 2
