"""The servers module's pure parts: no server is started here."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from testing_services.servers import (
    ServerError,
    check_port_free,
    find_program,
    log_tail,
    postmaster_ready,
    servers_dir,
    start_postgresql,
    start_redis,
)


def test_servers_dir_is_the_sandbox_s_unless_overridden() -> None:
    assert servers_dir({}, "/sandbox") == Path("/sandbox/servers")
    assert servers_dir({"PANTRY_SERVERS_DIR": "/x/dist/servers"}, "/s") == Path("/x/dist/servers")


@pytest.mark.parametrize(
    ("start", "kind"), [(start_postgresql, "postgresql"), (start_redis, "redis")]
)
def test_a_missing_server_names_the_build_dependency(start, kind: str, tmp_path: Path) -> None:
    with pytest.raises(ServerError) as e:
        start(base=tmp_path)
    program = "postgres" if kind == "postgresql" else "redis-server"
    assert str(e.value) == (
        f"{kind} is not available: {tmp_path}/{kind}/bin/{program} does not exist. A test "
        f'that starts {kind} needs `runtime_package_dependencies=["//external/servers/{kind}"]` '
        f"on its `python_tests` target in BUILD (Pants then puts the pinned server in the "
        f"sandbox); outside Pants, run `./pants package //external/servers/{kind}` and set "
        f"PANTRY_SERVERS_DIR=dist/servers."
    )


def test_find_program(tmp_path: Path) -> None:
    program = tmp_path / "redis" / "bin" / "redis-server"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    with pytest.raises(ServerError):
        find_program("redis", "redis-server", tmp_path)  # not executable
    program.chmod(0o755)
    assert find_program("redis", "redis-server", tmp_path) == program


def test_a_port_in_use_is_one_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ServerError) as e:
            check_port_free("127.0.0.1", port, "Redis")
    assert str(e.value) == (
        f"cannot start Redis on 127.0.0.1:{port}: the port is in use (another server, or one "
        "left from an earlier run). Stop it, or choose a free port."
    )
    check_port_free("127.0.0.1", port, "Redis")  # free again: no error


def test_log_tail(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    assert log_tail(log) == "    (no log written)"
    log.write_text("")
    assert log_tail(log) == "    (the log is empty)"
    log.write_text("".join(f"line {n}\n\n" for n in range(30)))
    assert log_tail(log, 2) == "    line 28\n    line 29"


@pytest.mark.parametrize(
    ("content", "ready"),
    [
        (None, False),
        ("123\n/data\n1\n5432\n/run\n\n  1 2\nstarting\n", False),
        ("123\n/data\n1\n5432\n/run\n\n  1 2\nready   \n", True),
        ("123\n/data\n", False),
    ],
)
def test_postmaster_ready(tmp_path: Path, content: str | None, ready: bool) -> None:
    if content is not None:
        (tmp_path / "postmaster.pid").write_text(content)
    assert postmaster_ready(tmp_path) is ready
