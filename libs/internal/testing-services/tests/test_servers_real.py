"""The real pinned servers: started, isolated, reset, stopped, and their failures explained."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest
from testing_services.servers import PostgreSQL, Redis, ServerError, start_postgresql, start_redis


def uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid in /proc/{pid}/status")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="session")
def postgresql_schema() -> str:
    return "CREATE TABLE seen (name text PRIMARY KEY); INSERT INTO seen VALUES ('template');"


def test_servers_run_unprivileged(postgresql_server: PostgreSQL, redis_server: Redis) -> None:
    for pid in (postgresql_server.server.pid, redis_server.server.pid):
        assert uid_of(pid) != 0
        assert uid_of(pid) == os.geteuid() or os.geteuid() == 0


@pytest.mark.parametrize("name", ["first", "second"])
def test_each_test_gets_a_fresh_database_from_the_template(postgresql_dsn: str, name: str) -> None:
    with psycopg.connect(postgresql_dsn) as conn:
        rows = conn.execute("SELECT name FROM seen ORDER BY name").fetchall()
        assert rows == [("template",)]  # what the other test inserted is not here
        conn.execute("INSERT INTO seen VALUES (%s)", (name,))


@pytest.mark.parametrize("key", ["first", "second"])
def test_redis_is_flushed_between_tests(redis_server: Redis, redis_url: str, key: str) -> None:
    assert redis_server.command("DBSIZE") == b":0"
    assert redis_server.command("SET", key, "1") == b"+OK"


def test_two_servers_never_share(postgresql_server: PostgreSQL) -> None:
    other = start_postgresql()
    try:
        assert other.socket_dir != postgresql_server.socket_dir
        with psycopg.connect(other.dsn(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE only_here")
        with psycopg.connect(postgresql_server.dsn()) as conn:
            names = [r[0] for r in conn.execute("SELECT datname FROM pg_database")]
        assert "only_here" not in names
    finally:
        other.stop()
    assert not alive(other.server.pid)
    assert not other.socket_dir.exists()  # its private directory is gone


def test_a_server_that_fails_to_start_shows_its_log() -> None:
    with pytest.raises(ServerError) as e:
        start_redis(extra_args=["--maxmemory", "lots"])
    message = str(e.value)
    assert e.value.kept is not None and str(e.value.kept / "redis.log") in message
    shutil.rmtree(e.value.kept)  # kept for a person to read; this test has read it
    assert message.startswith("Redis exited with status 1 while starting. The last lines of its")
    assert "argument must be a memory value" in message


def test_servers_die_with_a_killed_test_process(tmp_path: Path) -> None:
    # A child Python starts Redis, reports its pid, then is SIGKILLed (as a crashed or timed-out
    # pytest is): the parent-death signal takes the server down with it.
    script = textwrap.dedent(
        """
        import os, signal, sys
        from testing_services.servers import start_redis
        redis = start_redis()
        print(redis.server.pid, redis.server.work, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    pid, work = child.stdout.split()
    deadline = time.monotonic() + 10
    while alive(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    shutil.rmtree(work)  # nobody was left to remove it
    assert not alive(int(pid))
