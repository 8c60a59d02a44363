"""WSGI middleware writing one JSON object per line per request.

services/stats parses this format; change both together. Example line:

    {"ts": "2024-05-01T12:00:00.123+00:00", "method": "GET",
     "path": "/files/a-1.0.tar.gz", "status": 200, "bytes": 1234,
     "user_agent": "pip/24.0 {...}", "remote": "10.0.0.7"}
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, Callable, TextIO

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]


def format_record(
    ts: datetime,
    method: str,
    path: str,
    status: int,
    nbytes: int,
    user_agent: str | None,
    remote: str | None,
) -> str:
    """One log line (without the newline); `ts` must be timezone-aware."""
    record = {
        # "+00:00" rather than "Z": datetime.fromisoformat only reads "Z" from 3.11.
        "ts": ts.astimezone(timezone.utc).isoformat(timespec="milliseconds"),
        "method": method,
        "path": path,
        "status": status,
        "bytes": nbytes,
        "user_agent": user_agent,
        "remote": remote,
    }
    return json.dumps(record, ensure_ascii=False)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class AccessLog:
    """Wrap a WSGI app; log each request once its body has been sent (or abandoned)."""

    def __init__(
        self, app: WSGIApp, stream: TextIO, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self.app = app
        self.stream = stream
        self.clock = clock
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterator[bytes]:
        started = self.clock()
        status = [0]

        def logging_start_response(status_line: str, headers: list, exc_info: Any = None) -> Any:
            status[0] = int(status_line.split(" ", 1)[0])
            return start_response(status_line, headers, exc_info)

        body = self.app(environ, logging_start_response)
        sent = 0
        try:
            for chunk in body:
                sent += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            self._write(started, environ, status[0], sent)

    def _write(self, started: datetime, environ: dict, status: int, nbytes: int) -> None:
        # PEP 3333 hands the path over as latin-1-decoded bytes; undo that.
        raw_path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        path = raw_path.encode("latin-1").decode("utf-8", "replace")
        line = format_record(
            started,
            environ.get("REQUEST_METHOD", ""),
            path,
            status,
            nbytes,
            environ.get("HTTP_USER_AGENT"),
            environ.get("REMOTE_ADDR"),
        )
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()
