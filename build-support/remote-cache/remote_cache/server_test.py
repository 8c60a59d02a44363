from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest
from remote_cache import tokens
from remote_cache.config import AUDIENCE, WRITER_SUBJECT, ServerLayout
from remote_cache.server import (
    ServeError,
    ServeOptions,
    cache_root,
    check_port_free,
    ensure_write_token,
    parse_args,
    prepare_storage,
    signing_key,
)

NOW = 1_800_000_000


def options(tmp_path: Path, **overrides: Any) -> ServeOptions:
    values: dict[str, Any] = dict(
        port=50051,
        storage=tmp_path / "storage",
        token_file=tmp_path / "token",
        token_days=90,
        max_cached_refs=10,
        check_only=True,
    )
    values.update(overrides)
    return ServeOptions(**values)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--port", "http"], "--port 'http' is not a number; pass a TCP port, e.g. --port 50051"),
        (["--port", "0"], "--port 0 is out of range; pass 1-65535"),
        (["--port", "70000"], "--port 70000 is out of range"),
        (["--port", "1", "--token-days", "0"], "--token-days 0 must be at least 1"),
    ],
)
def test_bad_arguments_say_which_flag_and_how_to_fix_it(argv: list, message: str) -> None:
    with pytest.raises(ServeError) as error:
        parse_args([*argv, "--storage", "s", "--write-token-file", "t"])
    assert message in str(error.value)


def test_a_port_in_use_is_named() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=f"binding 127.0.0.1:{port} is already in use"):
            check_port_free(port)


def test_a_missing_credential_is_created_private_and_accepted_by_the_key(tmp_path: Path) -> None:
    opts = options(tmp_path)
    layout = ServerLayout(opts.storage)
    prepare_storage(layout)
    key = signing_key(layout)
    claims = ensure_write_token(opts, key, NOW)
    assert claims.subject == WRITER_SUBJECT and claims.expires_at == NOW + 90 * 86400
    assert oct(opts.token_file.stat().st_mode & 0o777) == "0o600"
    assert oct(layout.signing_key.stat().st_mode & 0o777) == "0o600"
    assert tokens.verify(opts.token_file.read_text(), key, AUDIENCE, NOW) == claims
    # A second start reuses both the key and the credential.
    assert signing_key(layout) == key
    assert ensure_write_token(opts, key, NOW + 1) == claims


def test_a_credential_from_another_server_is_refused_with_the_fix(tmp_path: Path) -> None:
    opts = options(tmp_path)
    other = tokens.Claims(WRITER_SUBJECT, AUDIENCE, NOW, NOW + 100)
    opts.token_file.write_text(tokens.mint("another-key", other))
    with pytest.raises(ServeError) as error:
        ensure_write_token(opts, "this-key", NOW)
    message = str(error.value)
    assert f"--write-token-file {opts.token_file}: this server would refuse it" in message
    assert "signature does not match" in message
    assert "Delete the file to have a new credential written" in message


def test_an_expired_credential_is_refused(tmp_path: Path) -> None:
    opts = options(tmp_path)
    opts.token_file.write_text(
        tokens.mint("k", tokens.Claims(WRITER_SUBJECT, AUDIENCE, NOW - 10, NOW - 1))
    )
    with pytest.raises(ServeError, match="it has expired"):
        ensure_write_token(opts, "k", NOW)


def test_a_credential_for_another_subject_is_refused(tmp_path: Path) -> None:
    opts = options(tmp_path)
    opts.token_file.write_text(tokens.mint("k", tokens.Claims("alice", AUDIENCE, NOW, NOW + 99)))
    with pytest.raises(ServeError, match="its subject is 'alice', but only 'pantry-ci' may write"):
        ensure_write_token(opts, "k", NOW)


def test_an_unwritable_storage_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ServeError, match=f"--storage {blocker / 'x'}: cannot create"):
        prepare_storage(ServerLayout(blocker / "x"))


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"PANTRY_CACHE_DIR": "/c", "HOME": "/h"}, "/c"),
        ({"XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/x/pantry"),
        ({"HOME": "/h"}, "/h/.cache/pantry"),
    ],
)
def test_the_venv_lives_in_the_launchers_cache(environ: dict, expected: str) -> None:
    assert cache_root(environ) == Path(expected)


def test_parse_args_makes_paths_absolute(tmp_path: Path) -> None:
    os.chdir(tmp_path)
    parsed = parse_args(["--port", "5", "--storage", "s", "--write-token-file", "t"])
    assert parsed.storage == tmp_path / "s" and parsed.token_file == tmp_path / "t"
