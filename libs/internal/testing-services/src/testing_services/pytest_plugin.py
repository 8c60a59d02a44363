"""pytest fixtures: a private PostgreSQL and Redis per test session, reset between tests.

Use from a conftest.py: `pytest_plugins = ["testing_services.pytest_plugin"]`, and give the
`python_tests` target `runtime_package_dependencies=["//external/servers/postgresql",
"//external/servers/redis"]` (only those it uses) so Pants puts the pinned servers in the
sandbox. Fixtures:

- `postgresql_server` (session): the running server (`testing_services.servers.PostgreSQL`),
  initialised once per session (one pytest process: Pants runs each test file in its own).
- `postgresql_schema` (session): SQL run once in the template database; override it.
- `postgresql_dsn` (per test): a libpq connection string to a fresh database copied from
  the template (`CREATE DATABASE ... TEMPLATE`, a file copy: milliseconds).
- `redis_server` (session), `redis_url` (per test: the server after `FLUSHALL`).

A server that cannot start fails the tests that need it with one message (no traceback of
ours); servers stop at session end, and with the pytest process if it is killed.
"""

from __future__ import annotations

import itertools
from typing import Iterator

import psycopg
import pytest
from testing_services.servers import (
    PostgreSQL,
    Redis,
    ServerError,
    start_postgresql,
    start_redis,
)

TEMPLATE_DATABASE = "pantry_template"
_numbers = itertools.count(1)


def _start(start, *args):
    try:
        return start(*args)
    except ServerError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[PostgreSQL]:
    server = _start(start_postgresql)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgresql_schema() -> str:
    """SQL run once in the template every test database is copied from. Override it."""
    return ""


@pytest.fixture(scope="session")
def postgresql_template(postgresql_server: PostgreSQL, postgresql_schema: str) -> str:
    with psycopg.connect(postgresql_server.dsn(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {TEMPLATE_DATABASE}")
    if postgresql_schema.strip():
        with psycopg.connect(postgresql_server.dsn(TEMPLATE_DATABASE), autocommit=True) as conn:
            conn.execute(postgresql_schema)
    return TEMPLATE_DATABASE


@pytest.fixture
def postgresql_dsn(postgresql_server: PostgreSQL, postgresql_template: str) -> str:
    name = f"test_{next(_numbers)}"
    with psycopg.connect(postgresql_server.dsn(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {postgresql_template}")
    return postgresql_server.dsn(name)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Redis]:
    server = _start(start_redis)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: Redis) -> str:
    redis_server.flushall()
    return redis_server.url()
