"""The HTTP API (WSGI):

- `GET /projects/NAME`: `{"project", "downloads", "versions": [...]}`, from Redis when cached
  (`X-Cache: hit`), else from PostgreSQL (`X-Cache: miss`, then cached); 404 if unknown.
- `POST /reports`: a stats JSON report; its counts are added, the touched projects' cache
  entries dropped; 201 `{"releases", "projects"}`, or 400 with the problem.
- `GET /healthz`: 200 `ok` when PostgreSQL and Redis answer.
"""

from __future__ import annotations

import json
from typing import Callable, Iterable

import psycopg
from downloads.cache import CountsCache
from downloads.reports import ReportError, parse_report
from downloads.store import add_report, project_counts
from packaging.utils import canonicalize_name

MAX_REPORT_SIZE = 16 << 20

StartResponse = Callable[..., object]


def _json(start_response: StartResponse, status: str, body: object, headers=()) -> list[bytes]:
    data = (json.dumps(body, sort_keys=True) + "\n").encode()
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *headers],
    )
    return [data]


def _error(start_response: StartResponse, status: str, message: str) -> list[bytes]:
    return _json(start_response, status, {"error": message})


class DownloadsApp:
    def __init__(self, connect: Callable[[], psycopg.Connection], cache: CountsCache) -> None:
        self.connect = connect
        self.cache = cache

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        if path.startswith("/projects/") and path.count("/") == 2 and len(path) > 10:
            if method != "GET":
                return _error(start_response, "405 Method Not Allowed", "use GET")
            return self.project(start_response, path[len("/projects/") :])
        if path == "/reports":
            if method != "POST":
                return _error(start_response, "405 Method Not Allowed", "use POST")
            return self.report(environ, start_response)
        if path == "/healthz":
            return self.health(start_response)
        return _error(
            start_response, "404 Not Found", "no such path; try /projects/NAME or POST /reports"
        )

    def project(self, start_response: StartResponse, name: str) -> list[bytes]:
        project = canonicalize_name(name)

        def compute() -> dict | None:
            with self.connect() as conn:
                return project_counts(conn, project)

        counts, hit = self.cache.get_or_compute(project, compute)
        if counts is None:
            return _error(start_response, "404 Not Found", f"no downloads of {project!r} recorded")
        return _json(start_response, "200 OK", counts, [("X-Cache", "hit" if hit else "miss")])

    def report(self, environ: dict, start_response: StartResponse) -> list[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length <= 0 or length > MAX_REPORT_SIZE:
            return _error(
                start_response,
                "400 Bad Request",
                f"send the report as the body, with a Content-Length of 1 to {MAX_REPORT_SIZE}",
            )
        body = environ["wsgi.input"].read(length).decode("utf-8", errors="replace")
        try:
            counts = parse_report(body, "the request body")
        except ReportError as e:
            return _error(start_response, "400 Bad Request", str(e))
        with self.connect() as conn:
            projects = add_report(conn, counts)
        self.cache.invalidate(projects)
        return _json(
            start_response, "201 Created", {"releases": len(counts), "projects": len(projects)}
        )

    def health(self, start_response: StartResponse) -> list[bytes]:
        with self.connect() as conn:
            conn.execute("SELECT 1")
        self.cache.client.ping()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
        return [b"ok\n"]
