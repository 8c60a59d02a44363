"""build-support/bin/adopt in a throwaway copy of the monorepo, with a real ./pants.

Every upstream project here is a fixture written for this test, reproducing one shape real
repositories have (the PyPI team's: readme_renderer, trove-classifiers, linehaul, conveyor),
except the one real sdist, downloaded from the package index at test time.

Structure (append new scenarios at the END, reusing these helpers):

- `monorepo` (module scope): one fixture monorepo, a committed git repository with our real
  pants.toml, plugins, lock and adopt. Built once per module.
- `clone` (per test): a fresh `git clone --shared` of it, so each test starts from the same
  commit and a failed or timed-out test leaves nothing behind for the next. Pants' and the
  launcher's caches are shared (HOME), so a clone is warm.
- `upstream_git(path, files)`, `sdist(path, name, files)`: an upstream project to adopt.
- `adopt(repo, *args)`, `pants(repo, *args)`: run the real entry script / ./pants (no daemon).

Tests that resolve against the package index (a new requirement relocks; a real sdist is
downloaded) are marked `index`: `./pants test build-support/adopt:integration -- -m "not index"`
skips them offline.

Timeouts: measured on a 2-core machine shared by five engineers (load average 8-9), then
given a wide margin: each test took 200-300 s there, the module ~25 minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from pantry_testing.fixture_repo import copy_into, install_launcher, launcher_env

ADOPT_TIMEOUT = 1200  # measured loaded: ~2 min without a relock, ~4-5 min with one
PANTS_TIMEOUT = 900  # measured loaded: ~1-2 min for one project's tests or lint
# Per test (over [pytest].args' --timeout=300): one adoption and one or two ./pants runs, each
# test measured at 200-300 s with the machine's load at 8-9 on 2 cores.
pytestmark = pytest.mark.timeout(1800)

THIRD_PARTY_BUILD = """\
python_requirements(name="runtime", source="runtime.txt")
python_requirements(name="test", source="test.txt")
python_requirements(name="tools", source="tools.txt")
"""
IDENTITY = {
    "GIT_AUTHOR_NAME": "Pantry Test",
    "GIT_AUTHOR_EMAIL": "test@pantry.invalid",
    "GIT_COMMITTER_NAME": "Pantry Test",
    "GIT_COMMITTER_EMAIL": "test@pantry.invalid",
}

MONOREPO = {
    "services/svc/src/svc/BUILD": "python_sources()\n",
    "services/svc/src/svc/__init__.py": "",
    "services/svc/src/svc/app.py": 'NAME = "svc"\n',
    ".gitignore": "/.pantry/\n/.pants.d/\n/dist/\n__pycache__/\n",
    # pants.toml's [twine].config must exist (its content only matters to `publish`).
    "services/index/publish.pypirc": "[distutils]\nindex-servers =\n    pantry-index\n",
}


# ---------------------------------------------------------------------------------------------
# Helpers (reuse them in new scenarios).


def environment() -> dict[str, str]:
    return launcher_env(**IDENTITY)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=environment(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def upstream_git(path: Path, files: dict[str, str], message: str = "Upstream") -> Path:
    """A git repository holding `files` in one commit, as an upstream clone would."""
    write(path, files)
    git(path, "init", "-q")
    git(path, "add", "-A")
    git(path, "commit", "-qm", message)
    return path


def sdist(directory: Path, name: str, files: dict[str, str]) -> Path:
    """`directory/NAME.tar.gz` with `files` under `NAME/`, as `python -m build --sdist` makes."""
    project = write(directory / name, files)
    archive = directory / f"{name}.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(project, arcname=name)
    return archive


def adopt(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["build-support/bin/adopt", *args],
        cwd=repo,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=ADOPT_TIMEOUT,
    )


def pants(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["./pants", "--no-pantsd", "--no-watch-filesystem", *args],
        cwd=repo,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=PANTS_TIMEOUT,
    )


def adopted(repo: Path, *args: str) -> str:
    """adopt, which must succeed; its summary."""
    result = adopt(repo, *args)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def passed_tests(repo: Path, *specs: str) -> str:
    """`./pants test SPECS`, which must succeed; Pants' report."""
    result = pants(repo, "test", *specs, "--", "-p", "no:cacheprovider")
    assert result.returncode == 0, (result.stderr + result.stdout)[-8000:]
    return result.stderr


def lock_requirements(lock: str) -> list[str]:
    header = "\n".join(
        line[2:]
        for line in lock.split("--- BEGIN PANTS LOCKFILE METADATA: DO NOT EDIT OR REMOVE ---")[1]
        .split("--- END PANTS LOCKFILE METADATA ---")[0]
        .splitlines()
    )
    return json.loads(header)["generated_with_requirements"]


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("monorepo")
    # The real configuration and every plugin: adopt edits pants.toml, so it must be ours.
    lock = Path("3rdparty/python/default.lock").read_text()
    requirements = lock_requirements(lock)
    tests = [r for r in requirements if r.startswith("pytest")]
    write(
        repo,
        {
            **MONOREPO,
            # The house image base, by address only (adopted services get an oci_image on it;
            # no test here builds an image).
            "external/oci/python3.11/BUILD": 'oci_base_image(name="python3.11")\n',
            "external/oci/python3.11/packages.lock": "#\n",
            "3rdparty/python/BUILD": THIRD_PARTY_BUILD,
            "3rdparty/python/runtime.txt": "packaging>=23\n",
            "3rdparty/python/test.txt": "\n".join(tests) + "\n",
            "3rdparty/python/tools.txt": "\n".join(
                r for r in requirements if r not in tests and r != "packaging>=23"
            )
            + "\n",
        },
    )
    install_launcher(repo)
    for path in [
        "pants.toml",
        *map(str, Path("build-support/plugins/pantry").rglob("*.py")),
        "3rdparty/python/default.lock",
        "3rdparty/python/constraints.txt",
        "build-support/import-rules.toml",
        "build-support/import-rules-baseline.txt",
        "build-support/plugins/plugins.lock",
        "build-support/bin/adopt",
        *map(str, Path("build-support/adopt").glob("*.py")),
    ]:
        copy_into(repo, path)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "monorepo")
    return repo


@pytest.fixture
def clone(monorepo: Path, tmp_path: Path) -> Path:
    """A fresh clone of the module's fixture monorepo for one test (launcher included)."""
    repo = tmp_path / "repo"
    git(tmp_path, "clone", "-q", "--shared", str(monorepo), str(repo))
    git(repo, "config", "user.name", IDENTITY["GIT_AUTHOR_NAME"])
    git(repo, "config", "user.email", IDENTITY["GIT_AUTHOR_EMAIL"])
    return repo


# ---------------------------------------------------------------------------------------------
# Scenario: a git repository in src layout (history kept), package data, a conftest fixture
# reading a file next to it, an import-rule violation recorded in the baseline.

FLAGZ = {
    "pyproject.toml": """\
[project]
name = "flagz"
version = "0.2.0"
description = "Feature flags"
dependencies = ["packaging>=20"]
[project.optional-dependencies]
test = ["pytest>=7"]
[tool.pytest.ini_options]
addopts = "-ra -p no:cacheprovider"
filterwarnings = ["error::UserWarning"]
""",
    "README.md": "# flagz\n",
    "src/flagz/__init__.py": """\
import json
from pathlib import Path

from packaging.version import Version

DEFAULTS = json.loads((Path(__file__).parent / "defaults.json").read_text())
VERSION = Version("0.2.0")
""",
    "src/flagz/defaults.json": '{"dark-mode": true}\n',
    "src/flagz/leak.py": "from svc.app import NAME\n",
    "tests/conftest.py": """\
from pathlib import Path

import pytest


@pytest.fixture
def sample():
    with open(Path(__file__).parent / "fixtures" / "sample.txt") as f:
        return f.read().strip()
""",
    "tests/fixtures/sample.txt": "dark-mode\n",
    "tests/test_flagz.py": """\
import warnings

import pytest

import flagz


def test_upstream_pytest_settings_apply():
    with pytest.raises(UserWarning):
        warnings.warn("an error under filterwarnings = error::UserWarning", UserWarning)


def test_defaults(sample):
    assert flagz.DEFAULTS[sample] is True


def test_version():
    assert str(flagz.VERSION) == "0.2.0"
""",
}


def test_git_repository_in_src_layout(clone: Path, tmp_path: Path) -> None:
    upstream = upstream_git(tmp_path / "flagz", {"README.md": "# flagz\n"}, "Start flagz")
    write(upstream, FLAGZ)
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "Flags with defaults")

    out = adopted(clone, str(upstream), "--as", "libs/internal/flagz")
    assert out.startswith(f"adopted flagz 0.2.0 into libs/internal/flagz (from git {upstream}, src")
    assert "  tests: 1 file, 3 test functions\n" in out
    assert "  also written: libs/internal/flagz/pytest.ini (upstream's pytest settings)\n" in out
    assert "addopts not carried over: -ra\n" in out
    assert "  requirements added: none\n" in out
    assert "  baseline entries added: 1\n" in out
    assert (
        "  source root added (pants.toml): /libs/internal/flagz/tests (tests not a package)\n"
        in out
    )
    assert "run its tests: ./pants test libs/internal/flagz::" in out

    baseline = (clone / "build-support/import-rules-baseline.txt").read_text()
    assert "libs/internal/flagz/src/flagz/leak.py: flagz.leak imports svc.app\n" in baseline
    # History kept: the upstream commits, then the merge and the move into the house layout.
    log = git(clone, "log", "--format=%s").splitlines()
    assert log[:2] == [
        "adopt: libs/internal/flagz in the house layout (BUILD files, requirements, baseline)",
        f"adopt: merge the history of {upstream} as libs/internal/flagz/",
    ]
    assert {"Flags with defaults", "Start flagz", "monorepo"} <= set(log)
    # Rewritten, not just merged: each upstream commit has the files at their house paths.
    conftest = "libs/internal/flagz/tests/conftest.py"
    assert git(clone, "log", "--format=%s", "--", conftest).splitlines() == ["Flags with defaults"]
    readme = "libs/internal/flagz/README.md"
    assert git(clone, "log", "--format=%s", "--", readme).splitlines() == ["Start flagz"]
    assert git(clone, "status", "--porcelain") == ""
    assert not (clone / "libs/internal/flagz/pyproject.toml").exists()

    again = adopt(clone, str(upstream), "--as", "libs/internal/flagz")
    assert again.returncode == 2
    assert again.stderr.strip().endswith(
        "adopt: error: libs/internal/flagz already exists; adopt never overwrites. Pick another "
        "NAME, or remove it first (git rm -r libs/internal/flagz)"
    )

    result = pants(clone, "lint", "::")
    assert result.returncode == 0, result.stderr[-5000:]
    assert "(1 more accepted by build-support/import-rules-baseline.txt)" in result.stderr
    assert "✓ libs/internal/flagz/tests/test_flagz.py succeeded" in passed_tests(
        clone, "libs/internal/flagz::"
    )


# ---------------------------------------------------------------------------------------------
# Scenario: tests as a package, as linehaul, conveyor and trove-classifiers write them. A flat
# layout; tests/__init__.py with a licence header; helper modules used as `from tests.helpers
# import` and relatively; a subpackage with its own conftest; the root conftest.py; fixtures
# read relative to the project directory (cwd), to the test file, and a top-level fixtures/;
# the README read by a test; the project's own metadata, console script and `python -m`;
# pytest 9's [tool.pytest] with registered markers under --strict-markers.

PKGTESTS = {
    "pyproject.toml": """\
[project]
name = "pkg-tests"
version = "3.1.0"
dependencies = ["packaging>=20"]
[project.scripts]
pkg-tests = "pkgtests.cli:main"
[tool.pytest]
addopts = ["--strict-markers", "-ra"]
markers = ["slow: slow tests"]
filterwarnings = ["error"]
""",
    "README.md": "# pkg-tests\n\nRead by a test.\n",
    "pkgtests/__init__.py": "from packaging.version import Version\n\nVERSION = Version('3.1')\n",
    "pkgtests/cli.py": "def main():\n    print('pkg-tests says hi')\n",
    "pkgtests/__main__.py": "from pkgtests.cli import main\n\nmain()\n",
    "conftest.py": "import pytest\n\n\n@pytest.fixture\ndef greeting():\n    return 'hi'\n",
    "fixtures/top.txt": "top-level fixture\n",
    "tests/__init__.py": "# Licensed under the Apache License, Version 2.0\n",
    "tests/helpers.py": "def double(x):\n    return 2 * x\n",
    "tests/strategies.py": "from tests.helpers import double\n\nVALUES = [double(1), 4]\n",
    "tests/fixtures/data.txt": "cwd-relative fixture\n",
    "tests/test_package.py": """\
import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

import tests.conftest
from tests.helpers import double

from .strategies import VALUES


def test_helpers_and_relative_imports(greeting):
    assert double(2) == 4 and VALUES == [2, 4] and greeting == "hi"
    assert tests.conftest.greeting


@pytest.mark.slow
def test_cwd_relative_fixtures():
    assert Path("tests/fixtures/data.txt").read_text() == "cwd-relative fixture\\n"
    assert (Path("fixtures") / "top.txt").read_text() == "top-level fixture\\n"


def test_file_relative_fixture_and_readme():
    assert (Path(__file__).parent / "fixtures" / "data.txt").is_file()
    assert "Read by a test" in (Path(__file__).parent.parent / "README.md").read_text()


def test_installed():
    assert importlib.metadata.version("pkg-tests") == "3.1.0"
    out = subprocess.run(["pkg-tests"], capture_output=True, text=True, check=True).stdout
    assert out == "pkg-tests says hi\\n"
    run = [sys.executable, "-m", "pkgtests"]
    assert subprocess.run(run, capture_output=True, text=True, check=True).stdout == out
""",
    "tests/unit/__init__.py": "",
    "tests/unit/conftest.py": (
        "import pytest\n\n\n@pytest.fixture\ndef unit():\n    return 'unit'\n"
    ),
    "tests/unit/test_unit.py": """\
from ..helpers import double


def test_subpackage(unit, greeting):
    assert (unit, greeting, double(3)) == ("unit", "hi", 6)
""",
}


def test_tests_as_a_package_run_as_upstream_runs_them(clone: Path, tmp_path: Path) -> None:
    upstream = upstream_git(tmp_path / "pkg-tests", PKGTESTS)
    out = adopted(clone, str(upstream), "--as", "services/pkg-tests")
    assert "  tests: 2 files, 5 test functions\n" in out
    assert "source root added" not in out  # the project directory is the root of `tests`
    assert (
        "  also written: services/pkg-tests/conftest.py (generated: tests run from the project "
        "directory, project installed)\n"
    ) in out
    assert "pyproject.toml [tool.pytest]: addopts not carried over: -ra\n" in out
    for path in ("tests/conftest.py", "tests/__init__.py", "fixtures/top.txt", "README.md"):
        assert (clone / "services/pkg-tests" / path).is_file(), path

    report = passed_tests(clone, "services/pkg-tests::")
    assert "✓ services/pkg-tests/tests/test_package.py succeeded" in report
    assert "✓ services/pkg-tests/tests/unit/test_unit.py:tests succeeded" in report
    # Every dependency inferred or declared: nothing unowned, nothing ambiguous.
    deps = pants(clone, "dependencies", "services/pkg-tests::")
    assert deps.returncode == 0, deps.stderr[-5000:]
    assert "ambiguous" not in deps.stderr.lower()


# ---------------------------------------------------------------------------------------------
# Scenario: tests that are NOT a package, importing a sibling helper module by its bare name
# (pytest puts tests/ on sys.path), configured in tox.ini; from an sdist.

FLATTESTS = {
    "PKG-INFO": "Metadata-Version: 2.1\nName: flattests\nVersion: 0.1\n\n",
    "setup.py": "from setuptools import setup\nsetup(name='flattests', version='0.1')\n",
    "flattests.py": "def answer():\n    return 42\n",
    "tox.ini": (
        "[tox]\nenvlist = py311\n\n[pytest]\naddopts = --strict-markers\n"
        "markers =\n    unit: a unit test\n"
    ),
    "tests/support.py": "EXPECTED = 42\n",
    "tests/test_flat.py": """\
import pytest
from support import EXPECTED

import flattests


@pytest.mark.unit
def test_answer():
    assert flattests.answer() == EXPECTED
""",
}


def test_tests_that_are_not_a_package_get_their_own_source_root(
    clone: Path, tmp_path: Path
) -> None:
    archive = sdist(tmp_path, "flattests-0.1", FLATTESTS)
    out = adopted(clone, str(archive), "--as", "libs/internal/flattests")
    assert (
        "  also written: libs/internal/flattests/pytest.ini (upstream's pytest settings)\n" in out
    )
    assert "source root added (pants.toml): /libs/internal/flattests/tests" in out
    assert '  "/libs/internal/flattests/tests",\n' in (clone / "pants.toml").read_text()
    ini = (clone / "libs/internal/flattests/pytest.ini").read_text()
    assert "addopts = --strict-markers\nmarkers = unit: a unit test\n" in ini
    assert "✓ libs/internal/flattests/tests/test_flat.py succeeded" in passed_tests(
        clone, "libs/internal/flattests::"
    )


# ---------------------------------------------------------------------------------------------
# Scenario: a conflicting pin is reported and nothing is written (no ./pants run).


def test_conflicting_pin_writes_nothing(clone: Path, tmp_path: Path) -> None:
    project = write(
        tmp_path / "old",
        {
            "old.py": "",
            "requirements.txt": "packaging==21.3\n",
            "requirements-test.txt": "pytest<7\n",
        },
    )
    head = git(clone, "rev-parse", "HEAD")
    result = adopt(clone, str(project), "--as", "services/old")
    assert result.returncode == 1
    assert (
        "    packaging: adoptee wants packaging==21.3 (requirements.txt); we have packaging>=23 "
        "(3rdparty/python/runtime.txt:1), locked "
    ) in result.stdout
    assert "    pytest: adoptee wants pytest<7 (requirements-test.txt)" in result.stdout
    assert "nothing was written" in result.stderr
    assert git(clone, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(clone, "rev-parse", "HEAD") == head


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


def test_service_gets_a_binary_and_its_python_config_stays_a_file(
    clone: Path, tmp_path: Path
) -> None:
    """A Procfile service with a Python config file at the top of a flat layout and a
    Dockerfile: adopted, its PEX built and run. (Terraform-only repositories: infra_test.py
    plans them through `main`; README shows github:pypi/infra adopted and linted.)"""
    repo = clone
    service = write(
        tmp_path / "ship",
        {
            "Procfile": "web: python -m ship --port $PORT\n",
            # A Python config at the top of a flat layout: must not become a module in src/.
            "gunicorn.conf.py": "import gunicorn\nbind = 'unix:/run/ship.sock'\n",
            "Dockerfile": "FROM python:3.11-slim\nENV MODE=fast\nEXPOSE 9000\n",
            "ship/__init__.py": "",
            "ship/__main__.py": "import sys\n\nprint('ship', *sys.argv[1:])\n",
        },
    )
    result = adopt(repo, str(service), "--as", "services/ship")
    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout
    assert "  deploy: Procfile:1 `python -m ship --port $PORT` -> services/ship:web" in out
    assert "gunicorn.conf.py -> services/ship/deploy/gunicorn.conf.py\n" in out
    assert "Dockerfile (read for hints, never built)" in out
    assert (
        "  run-time-only imports of its own ignored (pants.toml "
        "[python-infer].ignored_unowned_imports): none" in out
    )
    assert not (repo / "services/ship/Dockerfile").exists()
    assert not (repo / "services/ship/src/gunicorn.conf.py").exists()
    root_build = (repo / "services/ship/BUILD").read_text()
    assert 'pex_binary(name="web", entry_point="ship.__main__")' in root_build
    assert 'cmd=["--port", "9000"],\n    env={"PORT": "9000", "MODE": "fast"},' in root_build

    packaged = pants(repo, "package", "services/ship:web")
    assert packaged.returncode == 0, packaged.stderr[-5000:]
    ran = subprocess.run(
        [sys.executable, "dist/services.ship/web.pex", "--port", "1"],
        cwd=repo, env=environment(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ran.stdout == "ship --port 1\n", ran.stderr
