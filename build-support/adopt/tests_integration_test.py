"""adopt integration: upstream tests as upstream runs them, as a package and not one
(integration_support.py has the structure and helpers).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from adopt.integration_support import (
    adopted,
    pants,
    passed_tests,
    sdist,
    upstream_git,
)

# Per test (over [pytest].args' --timeout=300): one adoption and one or two ./pants runs, each
# test measured at 60-140 s with the machine's load at 8-9 on 2 cores.
pytestmark = pytest.mark.timeout(1800)

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
