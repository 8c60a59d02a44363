from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pantry_testing.fixture_repo import install_launcher, launcher_env, pants_toml_section

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
