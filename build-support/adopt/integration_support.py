"""Helpers of the adopt integration tests (`*_integration_test.py` here): build-support/bin/adopt
in a throwaway copy of the monorepo, with a real ./pants.

Every upstream project is a fixture written for these tests, reproducing one shape real
repositories have (the PyPI team's: readme_renderer, trove-classifiers, linehaul, conveyor),
except the one real sdist, downloaded from the package index at test time.

- `monorepo` (conftest.py, module scope): one fixture monorepo per test module, a committed git
  repository with our real pants.toml, plugins, lock and adopt.
- `clone` (conftest.py, per test): a fresh `git clone --shared` of it, so each test starts from
  the same commit and a failed or timed-out test leaves nothing behind for the next. Pants' and
  the launcher's caches are shared (HOME), so a clone is warm.
- `upstream_git(path, files)`, `sdist(path, name, files)`: an upstream project to adopt.
- `adopt(repo, *args)`, `pants(repo, *args)`: run the real entry script / ./pants (no daemon).

The scenarios are spread over three modules (layout, tests, requirements) so that Pants runs
them side by side on two cores. Tests that resolve against the package index (a new
requirement relocks; a real sdist is downloaded) are marked `index`:
`./pants test build-support/adopt:: -- -m "not index"` skips them offline.

Timeouts: measured on a 2-core machine shared by five engineers (load average 8-9), then given
a wide margin: each test took 60-140 s there.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

from pantry_testing.fixture_repo import copy_into, install_launcher, launcher_env

ADOPT_TIMEOUT = 1200  # measured loaded: ~2 min without a relock, ~4-5 min with one
PANTS_TIMEOUT = 900  # measured loaded: ~1-2 min for one project's tests or lint

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
    # As ours: Pants' workdir (adopt logs its runs there) and pantsd's pid directory.
    ".gitignore": (
        "/.pantry/\n/.pants.d/\n/.pids/\n/.pants.workdir.file_lock*\n/dist/\n__pycache__/\n"
    ),
    # pants.toml's [twine].config must exist (its content only matters to `publish`).
    "services/index/publish.pypirc": "[distutils]\nindex-servers =\n    pantry-index\n",
}


# ---------------------------------------------------------------------------------------------
# Helpers (reuse them in new scenarios).


def environment() -> dict[str, str]:
    return launcher_env(os.environ, **IDENTITY)


def run(
    cwd: Path, argv: list[str], timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """`argv` in `cwd` with the test's environment, output captured as text."""
    return subprocess.run(
        argv, cwd=cwd, env=environment(), capture_output=True, text=True, timeout=timeout
    )


def git(cwd: Path, *args: str) -> str:
    result = run(cwd, ["git", "-c", "init.defaultBranch=main", *args])
    result.check_returncode()
    return result.stdout


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
    return run(repo, ["build-support/bin/adopt", *args], timeout=ADOPT_TIMEOUT)


def pants(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = ["./pants", "--no-pantsd", "--no-watch-filesystem", *args]
    return run(repo, argv, timeout=PANTS_TIMEOUT)


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


def build_monorepo(repo: Path) -> Path:
    """The fixture monorepo in `repo`: our real pants.toml, plugins, lock and adopt, committed."""
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


def clone_of(monorepo: Path, tmp_path: Path) -> Path:
    """A fresh clone of the fixture monorepo for one test (launcher included)."""
    repo = tmp_path / "repo"
    git(tmp_path, "clone", "-q", "--shared", str(monorepo), str(repo))
    git(repo, "config", "user.name", IDENTITY["GIT_AUTHOR_NAME"])
    git(repo, "config", "user.email", IDENTITY["GIT_AUTHOR_EMAIL"])
    return repo
