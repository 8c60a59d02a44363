"""adopt integration (package index): new requirements relock, a real sdist, compiled
requirements with transitive imports (integration_support.py has the structure and helpers).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from adopt.integration_support import (
    adopt,
    adopted,
    environment,
    git,
    lock_requirements,
    pants,
    passed_tests,
    sdist,
    write,
)

# Per test (over [pytest].args' --timeout=300): one adoption and one or two ./pants runs, each
# test measured at 60-140 s with the machine's load at 8-9 on 2 cores.
pytestmark = pytest.mark.timeout(1800)

# ---------------------------------------------------------------------------------------------
# Scenario (package index): an sdist in flat layout whose new requirements make adopt relock:
# a runtime one, and pytest-asyncio, wired in so upstream's `async def` tests run.

FLATMOD = {
    "PKG-INFO": """\
Metadata-Version: 2.1
Name: flatmod
Version: 1.0
Summary: A flat module
Requires-Python: >=3.11,<3.12
Requires-Dist: iniconfig>=1
Requires-Dist: pytest; extra == "test"
Requires-Dist: pytest-asyncio>=0.23; extra == "test"

""",
    "setup.py": "from setuptools import setup\nsetup(name='flatmod', version='1.0')\n",
    "setup.cfg": "[tool:pytest]\nasyncio_mode = auto\n",
    "flatmod.py": """\
import asyncio

import iniconfig


def parse(text):
    return iniconfig.IniConfig('x', data=text)


async def later(value):
    await asyncio.sleep(0)
    return value
""",
    "test_flatmod.py": """\
from pathlib import Path

import flatmod


def test_parse():
    data = open(Path(__file__).parent / "example.ini").read()
    assert flatmod.parse(data)["section"]["key"] == "value"


async def test_async_without_a_marker():
    assert await flatmod.later(3) == 3
""",
    # Top-level test data travels with the tests only from a test directory: so here.
    "tests/example.ini": "[section]\nkey = value\n",
}


@pytest.mark.index
def test_sdist_adds_requirements_relocks_and_wires_pytest_plugins(
    clone: Path, tmp_path: Path
) -> None:
    archive = sdist(tmp_path, "flatmod-1.0", FLATMOD)
    result = adopt(clone, str(archive), "--as", "libs/shared/flatmod")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "adopt: [3/5] relocking 3rdparty/python/default.lock: only the new requirements" in (
        result.stderr
    )
    out = result.stdout
    assert "(from sdist" in out and "flat layout)" in out
    assert "3rdparty/python/runtime.txt: iniconfig>=1" in out
    assert "  pythons: 3.11\n" in out
    assert "iniconfig>=1" in lock_requirements((clone / "3rdparty/python/default.lock").read_text())
    tests_build = (clone / "libs/shared/flatmod/tests/BUILD").read_text()
    assert '"3rdparty/python:test#pytest-asyncio"' in tests_build
    assert "asyncio_mode = auto" in (clone / "libs/shared/flatmod/pytest.ini").read_text()
    report = passed_tests(clone, "libs/shared/flatmod::")
    assert "✓ libs/shared/flatmod/tests/test_flatmod.py succeeded" in report


# ---------------------------------------------------------------------------------------------
# Scenario (package index): a real sdist, downloaded at test time (never committed): six, a
# flat single module whose `six.moves` exists only at run time.


def pip_python() -> str:
    """A Python with pip: the one running this test, else its base installation's."""
    candidates = [
        sys.executable,
        str(Path(sys.base_prefix, "bin", f"python{sys.version_info[0]}.{sys.version_info[1]}")),
    ]
    for python in candidates:
        check = subprocess.run([python, "-I", "-m", "pip", "--version"], capture_output=True)
        if check.returncode == 0:
            return python
    pytest.fail(f"no pip in {candidates}; downloading a real sdist needs a real pip")


def pip_download(requirement: str, destination: Path) -> Path:
    """The sdist of `requirement` from the package index, with the host's pip config ignored."""
    result = subprocess.run(
        [pip_python(), "-I", "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         "--no-cache-dir", "-d", str(destination), requirement],
        capture_output=True, text=True, timeout=300,
        env={**environment(), "PIP_CONFIG_FILE": os.devnull},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (archive,) = destination.iterdir()
    return archive


@pytest.mark.index
def test_a_real_sdist_from_the_index(clone: Path, tmp_path: Path) -> None:
    archive = pip_download("six==1.17.0", tmp_path / "downloads")
    out = adopted(clone, str(archive), "--as", "libs/internal/six")
    assert out.startswith("adopted six 1.17.0 into libs/internal/six (from sdist")
    assert "six.moves" in out  # ignored: Pants cannot see a module made at run time
    report = passed_tests(clone, "libs/internal/six::")
    assert "✓ libs/internal/six/tests/test_six.py succeeded" in report


# A service as real ones keep requirements (reqs engineer, issue 15):
# requirements.in + a pip-compile'd requirements.txt with hashes and backslash continuations
# whose pins disagree with our lock, tox.ini deps, .python-version, and code that imports a
# module (six) upstream only gets transitively (via python-dateutil).
RELAY = {
    "relay/__init__.py": """\
import six
from dateutil import parser
from packaging.version import Version


def when(text):
    return parser.parse(text).year, six.PY3, Version("1.0").major
""",
    "requirements.in": "python-dateutil\npackaging\n",
    "requirements.txt": """\
#
# This file is autogenerated by pip-compile with Python 3.11
# by the following command:
#
#    pip-compile --generate-hashes requirements.in
#
packaging==21.3 \\
    --hash=sha256:ef103e05f519cdc783ae24ea4e2e0f508a9c99b2d4969652eed6a2e1ea5bd522 \\
    --hash=sha256:dd47c42927d89ab911e606518907cc2d3a1f38bbd026385970643f9c5b8ecfeb
    # via -r requirements.in
python-dateutil==2.8.2 \\
    --hash=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    # via -r requirements.in
six==1.16.0 \\
    --hash=sha256:1111111111111111111111111111111111111111111111111111111111111111
    # via python-dateutil
""",
    "tox.ini": "[testenv]\ndeps =\n    -r{toxinidir}/requirements.txt\n    pytest\n",
    ".python-version": "3.11.9\n",
    "tests/test_relay.py": """\
import relay


def test_when():
    assert relay.when("2024-05-01") == (2024, True, 1)
""",
}


@pytest.mark.index
def test_compiled_requirements_and_transitive_imports(clone: Path, tmp_path: Path) -> None:
    """Hashed pins are read (none skipped) as upstream's lock, not merged; the one module
    imported only transitively becomes a requirement; the lock is updated for the new
    requirements only; every import has an owner and the adopted test passes."""
    repo = clone
    upstream = write(tmp_path / "relay", RELAY)
    git(upstream, "init", "-q")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "relay")
    locked_before = (repo / "3rdparty/python/default.lock").read_text()
    toml_before = (repo / "pants.toml").read_text()

    result = adopt(repo, str(upstream), "--as", "services/relay")
    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout
    assert "skipped" not in out + result.stderr
    assert "relocking 3rdparty/python/default.lock: only the new requirements" in result.stderr
    assert "  requirements added: 3rdparty/python/runtime.txt: python-dateutil, six\n" in out
    assert (
        "    six: imported (src/relay/__init__.py:1) but upstream only gets it via "
        "python-dateutil; added so the import has an owner\n"
    ) in out
    assert "  requirements already provided: packaging by 3rdparty/python/runtime.txt:1" in out
    assert "pytest by 3rdparty/python/test.txt" in out
    assert "  conflicts: none\n" in out
    assert "  upstream's pins: 3 read as preferences, not requirements\n" in out
    assert "    packaging 21.3 (requirements.txt) -> " in out  # ours stays: a preference only
    assert "[python-infer].ignored_unowned_imports): none\n" in out
    assert out.splitlines()[-1].startswith("timings: checks ")
    # pants.toml gains only the source root of its tests/, which is not a package.
    added = (
        '  # services/relay (adopted): its tests/ is not a package\n  "/services/relay/tests",\n'
    )
    assert (repo / "pants.toml").read_text().replace(added, "") == toml_before
    lock = (repo / "3rdparty/python/default.lock").read_text()
    inputs = lock_requirements(lock)
    assert "python-dateutil" in inputs and "six" in inputs and "packaging==21.3" not in inputs
    # Only what changed was resolved: every project locked before keeps its version.
    before = json.loads(locked_before.split("--- END PANTS LOCKFILE METADATA ---")[1])
    after = json.loads(lock.split("--- END PANTS LOCKFILE METADATA ---")[1])
    versions = lambda data: {  # noqa: E731
        p["project_name"]: p["version"] for p in data["locked_resolves"][0]["locked_requirements"]
    }
    assert versions(before).items() <= versions(after).items()
    assert (
        'interpreter_constraints=["CPython==3.11.*"]'
        in (repo / "services/relay/src/relay/BUILD").read_text()
    )

    checked = pants(repo, "dependencies", "test", "services/relay::")
    assert checked.returncode == 0, checked.stderr[-5000:]
    assert "3rdparty/python:runtime#six" in checked.stdout
    assert "✓ services/relay/tests/test_relay.py succeeded" in checked.stderr
