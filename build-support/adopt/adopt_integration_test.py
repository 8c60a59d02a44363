"""build-support/bin/adopt in a throwaway copy of the monorepo, with a real ./pants.

One fixture repository (a git repository, like a clone) serves every test, in file order:
a git repository in src layout, then an sdist in flat layout whose new requirement makes
adopt regenerate the lock, then a conflicting pin (nothing may be written), and last one
`./pants lint test ::` over the result: the adopted upstream tests pass (one reads a fixture
with open(Path(__file__).parent / ...), one a package data file) and the import rules are
green with the baseline adopt wrote. Pants runs without its daemon throughout.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from pantry_testing.fixture_repo import copy_into, install_launcher, launcher_env

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

# Upstream project 1: a git repository, src layout, a package data file, a conftest fixture
# reading a test data file by path, and an import of a service (an import-rule violation).
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
addopts = "-p no:cacheprovider"
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

# Upstream project 2: an sdist in flat layout with a requirement we only lock transitively.
FLATMOD = {
    "PKG-INFO": """\
Metadata-Version: 2.1
Name: flatmod
Version: 1.0
Summary: A flat module
Requires-Python: >=3.11,<3.12
Requires-Dist: iniconfig>=1
Requires-Dist: pytest; extra == "test"

""",
    "setup.py": "from setuptools import setup\nsetup(name='flatmod', version='1.0')\n",
    "flatmod.py": (
        "import iniconfig\n\n\ndef parse(text):\n    return iniconfig.IniConfig('x', data=text)\n"
    ),
    "test_flatmod.py": """\
from pathlib import Path

import flatmod


def test_parse():
    data = open(Path(__file__).parent / "example.ini").read()
    assert flatmod.parse(data)["section"]["key"] == "value"
""",
    # Top-level test data travels with the tests only from a test directory: so here.
    "tests/example.ini": "[section]\nkey = value\n",
}


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


def lock_requirements(lock: str) -> list[str]:
    header = "\n".join(
        line[2:]
        for line in lock.split("--- BEGIN PANTS LOCKFILE METADATA: DO NOT EDIT OR REMOVE ---")[1]
        .split("--- END PANTS LOCKFILE METADATA ---")[0]
        .splitlines()
    )
    return json.loads(header)["generated_with_requirements"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("monorepo")
    # The real configuration and every plugin: adopt edits pants.toml, so it must be ours.
    lock = Path("3rdparty/python/default.lock").read_text()
    requirements = lock_requirements(lock)
    tests = [r for r in requirements if r.startswith("pytest")]
    write(
        repo,
        {
            **MONOREPO,
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


def adopt(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["build-support/bin/adopt", *args],
        cwd=repo,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=1200,
    )


def test_git_repository_in_src_layout(repo: Path, tmp_path: Path) -> None:
    upstream = write(tmp_path / "flagz", {"README.md": "# flagz\n"})
    git(upstream, "init", "-q")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "Start flagz")
    write(upstream, FLAGZ)
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "Flags with defaults")

    result = adopt(repo, str(upstream), "--as", "libs/internal/flagz")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "adopt: [4/5] completing BUILD files" in result.stderr
    out = result.stdout
    assert out.startswith(f"adopted flagz 0.2.0 into libs/internal/flagz (from git {upstream}, src")
    assert "  tests: 1 file, 3 test functions\n" in out
    assert "  also written: libs/internal/flagz/pytest.ini (upstream's pytest settings)\n" in out
    assert "addopts not carried over: -p no:cacheprovider" in out
    assert "  requirements added: none\n" in out
    assert "packaging>=20 by 3rdparty/python/runtime.txt:1" in out
    assert "pytest>=7 by 3rdparty/python/test.txt:" in out
    assert "  baseline entries added: 1\n" in out
    assert "run its tests: ./pants test libs/internal/flagz::" in out

    baseline = (repo / "build-support/import-rules-baseline.txt").read_text()
    assert "libs/internal/flagz/src/flagz/leak.py: flagz.leak imports svc.app\n" in baseline
    # History kept: the upstream commits, then the merge and the move into the house layout.
    log = git(repo, "log", "--format=%s").splitlines()
    assert log[:2] == [
        "adopt: libs/internal/flagz in the house layout (BUILD files, requirements, baseline)",
        f"adopt: merge the history of {upstream} as libs/internal/flagz/",
    ]
    assert {"Flags with defaults", "Start flagz", "monorepo"} <= set(log)
    # Rewritten, not just merged: each upstream commit has the files at their house paths.
    conftest = "libs/internal/flagz/tests/conftest.py"
    assert git(repo, "log", "--format=%s", "--", conftest).splitlines() == ["Flags with defaults"]
    readme = "libs/internal/flagz/README.md"
    assert git(repo, "log", "--format=%s", "--", readme).splitlines() == ["Start flagz"]
    assert git(repo, "show", "--format=", "--name-only", "HEAD~1^2").split() == [
        "libs/internal/flagz/src/flagz/__init__.py",
        "libs/internal/flagz/src/flagz/defaults.json",
        "libs/internal/flagz/src/flagz/leak.py",
        "libs/internal/flagz/tests/conftest.py",
        "libs/internal/flagz/tests/fixtures/sample.txt",
        "libs/internal/flagz/tests/test_flagz.py",
    ]
    assert git(repo, "status", "--porcelain") == ""
    assert (repo / "libs/internal/flagz/tests/fixtures/sample.txt").is_file()
    assert not (repo / "libs/internal/flagz/pyproject.toml").exists()

    again = adopt(repo, str(upstream), "--as", "libs/internal/flagz")
    assert again.returncode == 2
    assert again.stderr.strip().endswith(
        "adopt: error: libs/internal/flagz already exists; adopt never overwrites. Pick another "
        "NAME, or remove it first (git rm -r libs/internal/flagz)"
    )


def test_sdist_in_flat_layout_adds_a_requirement_and_relocks(repo: Path, tmp_path: Path) -> None:
    project = write(tmp_path / "flatmod-1.0", FLATMOD)
    sdist = tmp_path / "flatmod-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tf:
        tf.add(project, arcname="flatmod-1.0")

    result = adopt(repo, str(sdist), "--as", "libs/shared/flatmod")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "adopt: [3/5] regenerating 3rdparty/python/default.lock" in result.stderr
    out = result.stdout
    assert "(from sdist" in out and "flat layout)" in out
    assert "  requirements added: 3rdparty/python/runtime.txt: iniconfig>=1\n" in out
    assert "  pythons: 3.11\n" in out
    runtime = (repo / "3rdparty/python/runtime.txt").read_text()
    assert runtime.endswith(
        "# Adopted with libs/shared/flatmod (build-support/bin/adopt).\niniconfig>=1\n"
    )
    assert "iniconfig>=1" in lock_requirements((repo / "3rdparty/python/default.lock").read_text())
    root_build = (repo / "libs/shared/flatmod/BUILD").read_text()
    assert 'name="flatmod",\n        version="1.0",' in root_build
    assert (repo / "libs/shared/flatmod/src/flatmod.py").is_file()
    assert (repo / "libs/shared/flatmod/tests/example.ini").is_file()
    status = git(repo, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert "?? libs/shared/flatmod/BUILD" in status and " M 3rdparty/python/runtime.txt" in status
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "adopt flatmod")


def test_conflicting_pin_writes_nothing(repo: Path, tmp_path: Path) -> None:
    project = write(
        tmp_path / "old",
        {
            "old.py": "",
            "requirements.txt": "packaging==21.3\n",
            "requirements-test.txt": "pytest<7\n",
        },
    )
    head = git(repo, "rev-parse", "HEAD")
    result = adopt(repo, str(project), "--as", "services/old")
    assert result.returncode == 1
    assert (
        "    packaging: adoptee wants packaging==21.3 (requirements.txt); we have packaging>=23 "
        "(3rdparty/python/runtime.txt:1), locked "
    ) in result.stdout
    assert result.stdout.count("— the specifiers are disjoint\n") == 2
    assert "    pytest: adoptee wants pytest<7 (requirements-test.txt)" in result.stdout
    assert "nothing was written" in result.stderr
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(repo, "rev-parse", "HEAD") == head


def test_adopted_tests_pass_and_lint_is_green(repo: Path) -> None:
    result = subprocess.run(
        ["./pants", "--no-pantsd", "lint", "test", "::"],
        cwd=repo,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    assert "✓ import-rules succeeded." in result.stderr
    assert "(1 more accepted by build-support/import-rules-baseline.txt)" in result.stderr
    assert "✓ libs/internal/flagz/tests/test_flagz.py succeeded" in result.stderr
    assert "✓ libs/shared/flatmod/tests/test_flatmod.py succeeded" in result.stderr


@pytest.mark.timeout(900)  # two nested ./pants runs without pantsd, on a loaded 2-core box
def test_service_gets_a_binary_and_its_python_config_stays_a_file(
    repo: Path, tmp_path: Path
) -> None:
    """A Procfile service with a Python config file at the top of a flat layout and a
    Dockerfile: adopted, its PEX built and run. (Terraform-only repositories: infra_test.py
    plans them through `main`; README shows github:pypi/infra adopted and linted.)"""
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
    # The image's base, by address only: this test builds the PEX, not the image.
    base = "external/oci/python3.11"
    write(
        repo,
        {f"{base}/BUILD": 'oci_base_image(name="python3.11")\n', f"{base}/packages.lock": "#\n"},
    )
    result = adopt(repo, str(service), "--as", "services/ship")
    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout
    assert "  deploy: Procfile:1 `python -m ship --port $PORT` -> services/ship:web" in out
    assert "gunicorn.conf.py -> services/ship/deploy/gunicorn.conf.py\n" in out
    assert "Dockerfile (read for hints, never built)" in out
    assert (
        "  unowned imports ignored (pants.toml [python-infer].ignored_unowned_imports): none" in out
    )
    assert not (repo / "services/ship/Dockerfile").exists()
    assert not (repo / "services/ship/src/gunicorn.conf.py").exists()
    root_build = (repo / "services/ship/BUILD").read_text()
    assert 'pex_binary(name="web", entry_point="ship.__main__")' in root_build
    assert 'cmd=["--port", "9000"],\n    env={"PORT": "9000", "MODE": "fast"},' in root_build

    packaged = subprocess.run(
        ["./pants", "--no-pantsd", "package", "services/ship:web"],
        cwd=repo, env=environment(), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert packaged.returncode == 0, packaged.stderr[-5000:]
    ran = subprocess.run(
        [sys.executable, "dist/services.ship/web.pex", "--port", "1"],
        cwd=repo, env=environment(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ran.stdout == "ship --port 1\n", ran.stderr
