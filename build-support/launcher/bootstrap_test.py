from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from launcher.bootstrap import (
    BootstrapError,
    PexPin,
    clean_environment,
    exclusive_lock,
    pip_index_args,
    read_pex_pin,
    read_pinned_version,
)

PANTS_TOML = """
[GLOBAL]
pants_version = "2.17.1"

[pex-cli]
version = "v2.19.1"
known_versions = [
  "v2.19.1|linux_x86_64|{sha}|4290093",
]
url_template = "file://%(buildroot)s/.pantry/pex.pex"

[python]
enable_resolves = true
"""


def test_clean_environment_drops_everything_that_steers_pip_or_python() -> None:
    hostile = {
        "HOME": "/home/me",
        "PATH": "/usr/bin",
        "PIP_INDEX_URL": "http://dead.invalid/simple",
        "PIP_FIND_LINKS": "/opt/wheels",
        "PIP_CONFIG_FILE": "/etc/pip.conf",
        "PYTHONPATH": "/tmp/fake",
        "PYTHONHOME": "/nowhere",
        "PEX_ROOT": "/tmp/pex",
        "VIRTUAL_ENV": "/venv",
    }
    assert clean_environment(hostile) == {
        "HOME": "/home/me",
        "PATH": "/usr/bin",
        "PIP_CONFIG_FILE": "/dev/null",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
    }


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, []),
        ({"PANTRY_INDEX_URL": "  "}, []),
        (
            {"PANTRY_INDEX_URL": "https://proxy.example/simple"},
            ["--index-url", "https://proxy.example/simple"],
        ),
        ({"PIP_INDEX_URL": "https://ignored.example/simple"}, []),
    ],
)
def test_only_the_declared_variable_overrides_the_index(environ, expected, tmp_path) -> None:
    assert pip_index_args(environ, ca_bundle=tmp_path / "absent.crt") == expected


def test_pip_trusts_the_system_bundle_when_there_is_one(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.crt"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert pip_index_args({}, ca_bundle=bundle) == ["--cert", str(bundle)]


def test_reads_the_pex_pin(tmp_path: Path) -> None:
    toml = tmp_path / "pants.toml"
    toml.write_text(PANTS_TOML.format(sha="ab" * 32))
    assert read_pex_pin(toml) == PexPin(version="2.19.1", sha256="ab" * 32, length=4290093)


def test_the_repositorys_own_pin_parses() -> None:
    pin = read_pex_pin(Path("pants.toml"))
    assert pin.version == read_pinned_version(
        Path("build-support/launcher/pex-requirements.txt"), "pex"
    )


@pytest.mark.parametrize(
    "text",
    [
        "[GLOBAL]\n",
        '[pex-cli]\nversion = "v2.19.1"\n',
        '[pex-cli]\nknown_versions = ["v2.19.1|linux_x86_64|{0}|1"]\n'.format("a" * 64),
    ],
)
def test_missing_pex_pin_is_a_clear_error(tmp_path: Path, text: str) -> None:
    toml = tmp_path / "pants.toml"
    toml.write_text(text)
    with pytest.raises(BootstrapError, match=r"\[pex-cli\] needs `version` and `known_versions`"):
        read_pex_pin(toml)


def test_reads_a_pinned_version(tmp_path: Path) -> None:
    requirements = tmp_path / "reqs.txt"
    requirements.write_text("# comment\npex==2.19.1 \\\n    --hash=sha256:00\n")
    assert read_pinned_version(requirements, "pex") == "2.19.1"
    with pytest.raises(BootstrapError, match="pins no `pants==VERSION`"):
        read_pinned_version(requirements, "pants")


def test_second_launch_waits_for_the_first(tmp_path: Path) -> None:
    lock = tmp_path / "locks" / "key.lock"
    events: list[str] = []

    def second_launch() -> None:
        with exclusive_lock(lock):
            events.append("second acquired")

    with exclusive_lock(lock):
        thread = threading.Thread(target=second_launch)
        thread.start()
        time.sleep(0.3)
        events.append("first releases")
    thread.join(timeout=10)
    assert events == ["first releases", "second acquired"]
