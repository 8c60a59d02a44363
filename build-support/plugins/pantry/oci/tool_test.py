from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from pantry.oci.debian_test import make_deb
from pantry.oci.tool import main

DEB = make_deb({"usr/bin/python3.11": b"ELF"})
GOOD = hashlib.sha256(DEB).hexdigest()


@pytest.fixture
def fake_apt_get(tmp_path: Path) -> str:
    """`apt-get download NAME=VERSION` that knows one package, `tiny=1.0`."""
    (tmp_path / "tiny.deb").write_bytes(DEB)
    script = tmp_path / "apt-get"
    script.write_text(
        "#!/bin/sh\n"
        'for spec; do case "$spec" in\n'
        f"  tiny=1.0) cp {tmp_path}/tiny.deb tiny_1.0_all.deb ;;\n"
        "  *=*) echo \"E: Version '${spec#*=}' for '${spec%%=*}' was not found\" >&2; exit 100 ;;\n"
        "esac; done\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def run(tmp_path: Path, apt_get: str, pins: str, capsys) -> tuple[int, str]:
    work = tmp_path / "work"
    work.mkdir()
    (work / "packages.lock").write_text(pins)
    cwd = os.getcwd()
    os.chdir(work)
    try:
        code = main(
            [
                "base-layer",
                "--pins",
                "packages.lock",
                "--pins-path",
                "ext/base/packages.lock",
                "--apt-get",
                apt_get,
                "--arch",
                "amd64",
            ]
        )
    finally:
        os.chdir(cwd)
    return code, capsys.readouterr().err


def test_base_layer(tmp_path: Path, fake_apt_get: str, capsys) -> None:
    code, err = run(tmp_path, fake_apt_get, f"tiny 1.0 {GOOD}\n", capsys)
    assert (code, err) == (0, "")
    metadata = json.loads((tmp_path / "work/base.json").read_text())
    assert metadata["architecture"] == "amd64"
    blob = tmp_path / "work/base/blobs/sha256" / metadata["digest"].split(":")[1]
    assert hashlib.sha256(blob.read_bytes()).hexdigest() == metadata["digest"].split(":")[1]


def test_sha256_mismatch_names_package_and_fix(tmp_path: Path, fake_apt_get: str, capsys) -> None:
    code, err = run(tmp_path, fake_apt_get, f"tiny 1.0 {'0' * 64}\n", capsys)
    assert code == 1
    assert err.startswith(
        f"error: ext/base/packages.lock: package tiny=1.0 downloaded with sha256 {GOOD}, but it "
        f"is pinned to {'0' * 64}."
    )
    assert (
        "re-pin with `./pants run build-support/plugins/pantry/oci:repin -- ext/base/packages.lock`"
        in err
    )


def test_missing_version_names_package_and_fix(tmp_path: Path, fake_apt_get: str, capsys) -> None:
    code, err = run(tmp_path, fake_apt_get, f"tiny 0.9 {GOOD}\n", capsys)
    assert code == 1
    assert err.startswith(
        "error: ext/base/packages.lock: `apt-get download tiny=0.9` failed: "
        "E: Version '0.9' for 'tiny' was not found."
    )
    assert "try `apt-get update`), or re-pin with" in err


def test_bad_pins_file_is_a_message_not_a_traceback(tmp_path, fake_apt_get, capsys) -> None:
    code, err = run(tmp_path, fake_apt_get, "tiny 1.0\n", capsys)
    assert code == 1
    assert err.startswith("error: ext/base/packages.lock:1: package 'tiny' has no sha256")
