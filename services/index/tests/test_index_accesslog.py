from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from index.accesslog import AccessLog, format_record

T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)


def test_format_record() -> None:
    line = format_record(
        T0.astimezone(timezone(timedelta(hours=2))),
        "GET",
        "/files/a-1.0.tar.gz",
        200,
        12,
        "pip/24.0",
        "10.0.0.7",
    )
    assert line == (
        '{"ts": "2024-05-01T12:00:00.123+00:00", "method": "GET", "path": "/files/a-1.0.tar.gz", '
        '"status": 200, "bytes": 12, "user_agent": "pip/24.0", "remote": "10.0.0.7"}'
    )
    assert datetime.fromisoformat(json.loads(line)["ts"]) == T0.replace(microsecond=123000)


def test_middleware_logs_status_and_bytes_sent_after_the_body() -> None:
    closed = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"abc"
            yield b"de"

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict, start_response: Any) -> Body:
        start_response("404 Not Found", [])
        return Body()

    stream = io.StringIO()
    logged = AccessLog(app, stream, clock=lambda: T0)
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "/pypi",
        "PATH_INFO": "/files/caf\xc3\xa9-1.0.tar.gz",
        "REMOTE_ADDR": "::1",
    }
    body = logged(environ, lambda status, headers, exc_info=None: None)
    assert stream.getvalue() == ""
    assert b"".join(body) == b"abcde"
    assert closed == [True]
    assert json.loads(stream.getvalue()) == {
        "ts": "2024-05-01T12:00:00.123+00:00",
        "method": "GET",
        "path": "/pypi/files/café-1.0.tar.gz",
        "status": 404,
        "bytes": 5,
        "user_agent": None,
        "remote": "::1",
    }
