"""The API against real PostgreSQL and Redis: answers cached, reports invalidate them."""

import json
from typing import cast

import psycopg
import pytest
import redis
from downloads.app import DownloadsApp
from downloads.cache import KEY_PREFIX, CountsCache
from downloads_test_support import call, report


@pytest.fixture
def app(postgresql_dsn: str, redis_url: str) -> DownloadsApp:
    return DownloadsApp(
        lambda: psycopg.connect(postgresql_dsn), CountsCache(redis.Redis.from_url(redis_url))
    )


def test_counts_are_cached_until_a_report_changes_them(app: DownloadsApp) -> None:
    status, _, body = call(app, "POST", "/reports", report(("Demo", "1.0", 2)).encode())
    assert (status, json.loads(body)) == ("201 Created", {"projects": 1, "releases": 1})
    status, headers, body = call(app, "GET", "/projects/demo")
    assert (status, headers["X-Cache"], json.loads(body)["downloads"]) == ("200 OK", "miss", 2)
    assert call(app, "GET", "/projects/DEMO")[1]["X-Cache"] == "hit"
    assert cast(int, app.cache.client.ttl(KEY_PREFIX + "demo")) > 0
    call(app, "POST", "/reports", report(("demo", "1.1", 5)).encode())
    status, headers, body = call(app, "GET", "/projects/demo")
    assert (headers["X-Cache"], json.loads(body)["downloads"]) == ("miss", 7)


def test_redis_and_the_database_start_empty_in_every_test(app: DownloadsApp) -> None:
    assert app.cache.client.dbsize() == 0
    status, _, body = call(app, "GET", "/projects/demo")
    assert (status, json.loads(body)) == (
        "404 Not Found",
        {"error": "no downloads of 'demo' recorded"},
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        (
            "POST",
            "/reports",
            b"nope",
            "400 Bad Request",
            "the request body: not JSON (Expecting value at line 1, column 1); expected the output "
            "of `python -m stats --format json`",
        ),
        (
            "POST",
            "/reports",
            b"",
            "400 Bad Request",
            "send the report as the body, with a Content-Length of 1 to 16777216",
        ),
        ("GET", "/reports", b"", "405 Method Not Allowed", "use POST"),
        ("GET", "/nope", b"", "404 Not Found", "no such path; try /projects/NAME or POST /reports"),
    ],
)
def test_bad_requests(app: DownloadsApp, method, path, body, status, error) -> None:
    got_status, _, got = call(app, method, path, body)
    assert (got_status, json.loads(got)) == (status, {"error": error})


def test_health(app: DownloadsApp) -> None:
    assert call(app, "GET", "/healthz")[::2] == ("200 OK", b"ok\n")
