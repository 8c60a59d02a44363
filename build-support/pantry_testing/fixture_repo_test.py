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
    install_launcher(repo, root, environ={})  # online, whatever the outer run is
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


OFFLINE_ENVIRON = {"PANTRY_OFFLINE": "1", "PANTRY_INDEX_URL": "http://127.0.0.1:8080/simple/"}


def fake_build_root(root: Path) -> None:
    (root / "build-support" / "launcher").mkdir(parents=True)
    (root / "pants").write_text("#!/usr/bin/env bash\n")
    (root / "build-support" / "launcher" / "bootstrap.py").write_text("# bootstrap\n")
    plugins = root / "build-support" / "plugins" / "pantry"
    (plugins / "index_mirror").mkdir(parents=True)
    for name in ("__init__.py", "errors.py", "pants_patch.py", "affected.py"):
        (plugins / name).write_text(f"# {name}\n")
    # Every plugin module but tests: the backends the offline file loads import across backends.
    for name in ("offline.py", "lock_urls.py", "offline_test.py"):
        (plugins / "index_mirror" / name).write_text(f"# {name}\n")
    (root / "pants.offline.toml").write_text("[python]\n")


def test_an_offline_run_makes_nested_repos_offline(tmp_path: Path) -> None:
    root, repo = tmp_path / "root", tmp_path / "repo"
    fake_build_root(root)
    install_launcher(repo, root, environ=OFFLINE_ENVIRON)
    copied = sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file())
    assert copied == [
        "build-support/launcher/bootstrap.py",
        "build-support/plugins/pantry/__init__.py",
        "build-support/plugins/pantry/affected.py",
        "build-support/plugins/pantry/errors.py",
        "build-support/plugins/pantry/index_mirror/lock_urls.py",
        "build-support/plugins/pantry/index_mirror/offline.py",
        "build-support/plugins/pantry/pants_patch.py",
        "pants",
        "pants.offline.toml",
    ]
    env = launcher_env({"PATH": "/bin", "HOME": "/h", **OFFLINE_ENVIRON})
    assert env["PANTS_CONFIG_FILES"] == "+['pants.offline.toml']"
    assert env["PANTRY_INDEX_URL"] == OFFLINE_ENVIRON["PANTRY_INDEX_URL"]
    assert env["PANTRY_OFFLINE"] == "1"


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"PANTRY_INDEX_URL": "http://127.0.0.1:8080/simple/"},  # a proxy for the launcher only
        {"PANTRY_OFFLINE": "1"},
    ],
)
def test_an_online_run_leaves_nested_repos_online(tmp_path: Path, environ: dict) -> None:
    root, repo = tmp_path / "root", tmp_path / "repo"
    fake_build_root(root)
    install_launcher(repo, root, environ=environ)
    assert not (repo / "pants.offline.toml").exists()
    env = launcher_env({"PATH": "/bin", "HOME": "/h", **environ})
    assert "PANTS_CONFIG_FILES" not in env and "PANTRY_OFFLINE" not in env


def test_an_offline_run_without_the_config_file_says_so(tmp_path: Path) -> None:
    root, repo = tmp_path / "root", tmp_path / "repo"
    fake_build_root(root)
    (root / "pants.offline.toml").unlink()
    with pytest.raises(FileNotFoundError, match=r"pants.offline.toml missing: an offline fixture"):
        install_launcher(repo, root, environ=OFFLINE_ENVIRON)
