"""The ./pants script's own checks, in front of a stand-in for Pants (no real Pants starts).

The launcher execs `$venv/bin/python -sE -m pants ARGS` once its cache entry is complete;
here that entry is a script that prints what it was given, so a test sees whether the
launcher stopped (and with which message) or handed the arguments to Pants unchanged.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from pantry_testing.fixture_repo import install_launcher

BUILDROOT = Path.cwd()  # the test sandbox holds the launcher and these files at their paths
REMOTE_CACHE = BUILDROOT / "build-support" / "remote-cache"
KEYED_FILES = ("pants-requirements.txt", "pex-requirements.txt", "bootstrap.py")


@pytest.fixture
def launcher(tmp_path: Path):
    """Runs the real ./pants of a copy of the build root whose Pants is a stand-in."""
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    install_launcher(repo, BUILDROOT)
    for name in ("ci.toml", "contributor.toml"):
        shutil.copy2(REMOTE_CACHE / name, repo / name)
    # The cache key as ./pants computes it (PANTRY_PANTS_PYTHON unset adds nothing).
    pins = b"".join((repo / "build-support" / "launcher" / n).read_bytes() for n in KEYED_FILES)
    key = hashlib.sha256(pins).hexdigest()[:16]
    venv = cache / "pants" / key
    (venv / "bin").mkdir(parents=True)
    (venv / ".complete").touch()
    (venv / "bin" / "python").write_text('#!/bin/sh\necho "pants: $*"\n')
    (venv / "bin" / "python").chmod(0o755)
    (repo / ".pantry").mkdir()
    (repo / ".pantry" / f"pex-ready-{key}").touch()

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["./pants", *args],
            cwd=repo,
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(tmp_path),
                "PANTRY_CACHE_DIR": str(cache),
                **env,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=60,
        )

    return run


def test_the_stand_in_is_what_runs(launcher) -> None:
    result = launcher("--version")
    assert (result.returncode, result.stdout) == (0, "pants: -sE -m pants --version\n")


@pytest.mark.parametrize(
    "args, supervised",
    [
        (("run", "services/index"), True),
        (("--no-pantsd", "run", "services/index", "--", "--port", "0"), True),
        (("test", "services/index::"), False),
        (("test", "services/index::", "--", "-k", "run"), False),
    ],
)
def test_run_goes_through_the_supervisor(launcher, tmp_path: Path, args, supervised) -> None:
    # supervise.py takes a SIGTERM to `./pants run` to mean: stop Pants and the program.
    result = launcher(*args)
    pants = "-sE -m pants " + " ".join(args)
    if supervised:
        venv_python = next((tmp_path / "cache" / "pants").glob("*/bin/python"))
        supervisor = f"-sE {tmp_path}/repo/build-support/launcher/supervise.py {venv_python} "
        assert result.stdout == f"pants: {supervisor}{pants}\n"
    else:
        assert result.stdout == f"pants: {pants}\n"


@pytest.mark.parametrize(
    "config, extra, expected",
    [
        ("contributor.toml", {}, "contributor.toml reads $PANTRY_REMOTE_CACHE, which is not set"),
        (
            "ci.toml",
            {"PANTRY_REMOTE_CACHE": "grpc://127.0.0.1:1"},
            "ci.toml reads $PANTRY_REMOTE_CACHE_TOKEN_FILE, which is not set",
        ),
        (
            "ci.toml",
            {
                "PANTRY_REMOTE_CACHE": "grpc://127.0.0.1:1",
                "PANTRY_REMOTE_CACHE_TOKEN_FILE": "/nope",
            },
            "ci.toml reads the file $PANTRY_REMOTE_CACHE_TOKEN_FILE=/nope, which does not exist",
        ),
    ],
)
def test_a_cache_config_without_its_variables_is_one_clear_error(
    launcher, config: str, extra: dict[str, str], expected: str
) -> None:
    # The launcher checks before Pants starts, which would stop with a traceback instead.
    result = launcher("--version", PANTS_CONFIG_FILES=config, **extra)
    assert result.returncode == 1, result.stdout
    assert result.stdout.startswith(f"pantry: error: {expected}"), result.stdout
    assert "pants:" not in result.stdout


def test_a_config_named_by_the_flag_is_checked_too(launcher) -> None:
    result = launcher("--pants-config-files=['contributor.toml']", "--version")
    assert result.returncode == 1, result.stdout
    assert result.stdout.startswith("pantry: error: contributor.toml reads $PANTRY_REMOTE_CACHE")


def test_a_toml_argument_is_not_taken_for_a_config_file(launcher) -> None:
    # ci.toml reads an unset variable, but here it is only an argument, not a config file.
    result = launcher(
        "--version",
        "ci.toml",
        PANTS_CONFIG_FILES="contributor.toml",
        PANTRY_REMOTE_CACHE="grpc://127.0.0.1:1",
    )
    assert (result.returncode, result.stdout) == (0, "pants: -sE -m pants --version ci.toml\n")
