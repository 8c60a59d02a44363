"""Reports as the stats job writes them, and a WSGI request helper."""

from __future__ import annotations

import io
import json
from wsgiref.util import setup_testing_defaults


def report(*releases: tuple[str, str, int]) -> str:
    rows = [{"project": p, "version": v, "downloads": n} for p, v, n in releases]
    return json.dumps({"lines": 10, "downloads": sum(r[2] for r in releases), "releases": rows})


def call(app, method: str, path: str, body: bytes = b"") -> tuple[str, dict, bytes]:
    environ: dict = {"REQUEST_METHOD": method, "PATH_INFO": path}
    setup_testing_defaults(environ)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    seen: dict = {}

    def start_response(status: str, headers: list) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    data = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], data
