"""adopt integration: a git repository in src layout with its history, a conflicting pin, and a
Procfile service (integration_support.py has the structure and helpers).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from adopt import pantsd
from adopt.integration_support import (
    adopt,
    adopted,
    environment,
    git,
    pants,
    passed_tests,
    upstream_git,
    write,
)

# Per test (over [pytest].args' --timeout=300): one adoption and one or two ./pants runs, each
# test measured at 60-140 s with the machine's load at 8-9 on 2 cores.
pytestmark = pytest.mark.timeout(1800)

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
    assert pantsd.running_pantsd(clone) == set()  # the adoption's daemon, stopped by its pid
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
# Scenario: a Procfile service with a Python config and a Dockerfile.


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
