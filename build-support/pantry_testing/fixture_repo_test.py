from __future__ import annotations

import signal
import stat
import subprocess
from pathlib import Path

import pytest
from pantry_testing.fixture_repo import (
    install_launcher,
    launcher_env,
    pants_toml_section,
    pantsd_pids,
    pantsd_session,
    sandbox_tempdir,
    stop_pantsd,
)

PANTS_TOML = '[GLOBAL]\npants_version = "2.17.1"\n\n[pex-cli]\nversion = "v2.19.1"\n\n[python]\n'


def test_pants_toml_section_is_the_body_of_one_table() -> None:
    assert pants_toml_section(PANTS_TOML, "pex-cli") == 'version = "v2.19.1"'
    assert pants_toml_section(PANTS_TOML, "GLOBAL") == 'pants_version = "2.17.1"'


def test_a_missing_table_is_named() -> None:
    with pytest.raises(ValueError, match=r"no \[twine\] table"):
        pants_toml_section(PANTS_TOML, "twine")


def test_install_launcher_copies_the_script_and_its_pins_with_their_modes(tmp_path: Path) -> None:
    root, repo = tmp_path / "root", tmp_path / "repo"
    (root / "build-support" / "launcher").mkdir(parents=True)
    (root / "pants").write_text("#!/usr/bin/env bash\n")
    (root / "pants").chmod(0o755)
    (root / "build-support" / "launcher" / "bootstrap.py").write_text("# bootstrap\n")
    (root / "build-support" / "launcher" / "BUILD").write_text("# not copied\n")
    install_launcher(repo, root)
    assert (repo / "pants").stat().st_mode & stat.S_IXUSR
    assert (repo / "build-support" / "launcher" / "bootstrap.py").read_text() == "# bootstrap\n"
    assert not (repo / "build-support" / "launcher" / "BUILD").exists()


def test_launcher_env_passes_only_what_the_launcher_reads() -> None:
    outer = {
        "PATH": "/opt/bin:/usr/bin",
        "HOME": "/home/dev",
        "PANTRY_CACHE_DIR": "/cache",
        "PANTS_CONFIG_FILES": "pants.ci.toml",
        "PIP_INDEX_URL": "http://127.0.0.1:1/",
        "XDG_CACHE_HOME": "",
    }
    env = launcher_env(outer, LANG="C.UTF-8")
    assert env == {
        "PATH": "/opt/bin:/usr/bin",
        "HOME": "/home/dev",
        "PYENV_ROOT": "/home/dev/.pyenv",
        "PANTRY_CACHE_DIR": "/cache",
        "LANG": "C.UTF-8",
    }


def fake_pantsd(repo: Path, title: str) -> subprocess.Popen:
    """A sleeping process titled like a pantsd, with its pid where pantsd writes it."""
    process = subprocess.Popen([title, "60"], executable="/bin/sleep")
    pidfile = repo / ".pids" / "0123abcd" / "pantsd" / "pid"
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    pidfile.write_text(f"{process.pid}\n")
    return process


def test_stop_pantsd_stops_the_repos_daemon_by_its_pid(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    daemon = fake_pantsd(repo, f"pantsd [{repo.resolve()}]")
    try:
        assert pantsd_pids(repo) == [daemon.pid]
        with pantsd_session(repo, {}) as pants:
            assert pants.repo == repo
        assert daemon.wait(timeout=5) == -signal.SIGTERM
        assert pantsd_pids(repo) == []
    finally:
        daemon.kill()


def test_stop_pantsd_leaves_a_process_that_reused_the_pid_alone(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    other = fake_pantsd(repo, f"pantsd [{repo.resolve()}-other]")
    try:
        assert pantsd_pids(repo) == []
        stop_pantsd(repo)
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_sandbox_tempdir_is_inside_the_working_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    made = sandbox_tempdir("fixture-")
    assert made.parent == tmp_path.resolve() and made.name.startswith("fixture-")
