"""The launcher's pin checks with the real pip and the real pex tool.

The tampered requirement is offered from a local directory (pip is told to use no index):
pip checks a hash the same way wherever the file came from. The pex pin check downloads
the hash-pinned pex wheel (from the launcher's cache when it is there).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from launcher.bootstrap import (
    BootstrapError,
    PexPin,
    build_pex_pex,
    clean_environment,
    file_sha256,
    pip_install,
    read_pex_pin,
)

PEX_REQUIREMENTS = Path("build-support/launcher/pex-requirements.txt")
# The test runs in a venv without pip; the interpreter it was made from has pip.
BASE_PYTHON = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"


@pytest.fixture
def env() -> dict[str, str]:
    return clean_environment(os.environ)


def test_a_tampered_requirement_hash_is_refused(tmp_path: Path, env) -> None:
    tampered = tmp_path / "requirements.txt"
    tampered.write_text("ansicolors==1.1.8 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    links = tmp_path / "links"
    links.mkdir()
    (links / "ansicolors-1.1.8-py2.py3-none-any.whl").write_bytes(b"not the pinned wheel")
    target = tmp_path / "site"
    offline = ["--no-index", "--find-links", str(links), "--target", str(target)]
    with pytest.raises(BootstrapError) as error:
        pip_install(BASE_PYTHON, tampered, env, extra=offline)
    message = str(error.value)
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in message
    assert "restore the file from git" in message
    assert not target.exists() or not any(target.iterdir())


def test_a_tampered_pex_pin_is_refused_and_nothing_is_cached(tmp_path: Path, env) -> None:
    wrong = PexPin(version="2.19.1", sha256="f" * 64, length=1)
    with pytest.raises(BootstrapError) as error:
        build_pex_pex(str(BASE_PYTHON), tmp_path, PEX_REQUIREMENTS, wrong, env)
    message = str(error.value)
    assert "but pants.toml [pex-cli].known_versions pins " + "f" * 64 in message
    assert not (tmp_path / "pex").exists()


def test_the_pinned_pex_builds_whatever_the_users_xdg_cache_home(tmp_path: Path, env) -> None:
    """pex records its default PEX_ROOT (under XDG_CACHE_HOME) in the PEX it builds; a user
    with XDG_CACHE_HOME set must still get the pinned bytes."""
    pin = read_pex_pin(Path("pants.toml"))
    env = {**env, "XDG_CACHE_HOME": str(tmp_path / "a-users-own-cache-directory")}
    cache = tmp_path / "cache"
    cache.mkdir()
    built = build_pex_pex(str(BASE_PYTHON), cache, PEX_REQUIREMENTS, pin, env)
    assert (file_sha256(built), built.stat().st_size) == (pin.sha256, pin.length)
