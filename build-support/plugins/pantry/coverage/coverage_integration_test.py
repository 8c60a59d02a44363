"""Coverage floors through a real `./pants test --use-coverage` on a small git fixture repo.

A shared library at a floor of 100 and a service that imports it (no floor). In order, on
one fixture repo and one pantsd: the full run passes at 100%; an untested branch in the
library fails the full run and the affected run of that change, naming the file and line;
a change in the service leaves the library at 100% in the affected run, its tests' data
coming from the cache (not run); and with the cache out of the picture (`--no-local-cache`,
a fresh process) the affected run still judges correctly, by running the library's tests
and saying so. Affected runs use Pants' own `--changed-since=HEAD --changed-dependents`,
as CI's selection is tested in pantry.affected.

The fixture uses Pants' built-in pytest and coverage lockfiles (hash-pinned, downloaded only
on a cold cache), so it does not need the monorepo's lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from pantry_testing.fixture_repo import (
    FixturePants,
    commit_fixture,
    copy_into,
    git,
    install_launcher,
    launcher_env,
    pantsd_session,
    sandbox_tempdir,
    write_fixture,
)

# Measured on a shared 2-core machine: the first run (Pants start-up, tool PEXes, 2 tests)
# ~2 min, later runs through pantsd seconds, the fresh-process run ~1 min. Wide margins.
pytestmark = pytest.mark.timeout(900)

LIB = "libs/shared/lib/src/lib/__init__.py"
LIB_TEST = "libs/shared/lib/tests/test_lib.py"
SVC = "services/svc/src/svc/app.py"

FILES = {
    "pants.toml": """\
[GLOBAL]
pants_version = "2.17.1"
pythonpath = ["%(buildroot)s/build-support/plugins"]
backend_packages = ["pants.backend.python", "pantry.coverage"]
ca_certs_path = "/etc/ssl/certs/ca-certificates.crt"
pants_ignore.add = ["/.pantry/", "/dist/"]
colors = false
dynamic_ui = false

[subprocess-environment]
env_vars = ["PIP_CONFIG_FILE=/dev/null"]

[pex-cli]
{pex_cli}

[source]
root_patterns = ["/libs/shared/*/src", "/libs/shared/*/tests", "/services/*/src",
                 "/services/*/tests", "/build-support/plugins"]

[python]
interpreter_constraints = ["CPython==3.11.*"]
pip_version = "23.1.2"

[python-bootstrap]
search_path = ["<PYENV>"]

[python-infer]
use_rust_parser = true
""",
    "pyproject.toml": "[tool.coverage.run]\nbranch = true\n",
    "libs/shared/lib/BUILD": (
        "__defaults__({(python_test, python_tests): dict(coverage_floor=100)}, extend=True)\n"
    ),
    "libs/shared/lib/src/lib/BUILD": "python_sources()\n",
    LIB: 'def sign(n: int) -> str:\n    if n < 0:\n        return "-"\n    return "+"\n',
    "libs/shared/lib/tests/BUILD": 'python_tests(name="tests")\n',
    LIB_TEST: (
        "from lib import sign\n\n\n"
        "def test_sign() -> None:\n"
        '    assert sign(-2) == "-"\n'
        '    assert sign(3) == "+"\n'
    ),
    "services/svc/src/svc/BUILD": "python_sources()\n",
    SVC: "from lib import sign\n\n\ndef label(n: int) -> str:\n    return sign(n) + str(abs(n))\n",
    "services/svc/tests/BUILD": 'python_tests(name="tests")\n',
    "services/svc/tests/test_app.py": (
        "from svc.app import label\n\n\n"
        "def test_label() -> None:\n"
        '    assert label(4) == "+4"\n'
    ),
}
AFFECTED = ("--changed-since=HEAD", "--changed-dependents=transitive")


@pytest.fixture(scope="module")
def repo() -> Path:
    repo = sandbox_tempdir("coverage-fixture-")
    write_fixture(repo, FILES)
    install_launcher(repo)
    for source in Path("build-support/plugins/pantry").glob("*.py"):
        copy_into(repo, source)
    for source in Path("build-support/plugins/pantry/coverage").glob("*.py"):
        copy_into(repo, source)
    commit_fixture(repo, ("/.pantry/", "/.pids/", "/.pants.d/", "/dist/", "__pycache__/"))
    return repo


@pytest.fixture(scope="module")
def pants(repo: Path) -> Iterator[FixturePants]:
    with pantsd_session(repo, launcher_env(LANG="C.UTF-8"), timeout=600) as pants:
        yield pants


def run(pants: FixturePants, *args: str, expect: int) -> str:
    result = pants(*args)
    output = result.stdout + result.stderr
    assert result.returncode == expect, output
    return output


def edit(repo: Path, path: str, text: str) -> None:
    (repo / path).write_text(text)


def restore(repo: Path) -> None:
    git(repo, "checkout", "-q", "--", ".")


def test_full_run_at_100_passes_and_writes_reports(repo: Path, pants: FixturePants) -> None:
    out = run(pants, "test", "--use-coverage", "::", expect=0)
    assert "libs/shared/lib: 100.0% (6/6 lines+branches), floor 100%, ok" in out
    assert "services/svc: 100.0%" in out and "no floor" in out
    report = repo / "dist/coverage/libs.shared.lib"
    assert "lib/__init__.py" in (report / "coverage.xml").read_text()
    assert (report / "html/index.html").is_file()
    assert (repo / "dist/coverage/summary.json").is_file()


UNTESTED_BRANCH = (
    "def sign(n: int) -> str:\n"
    '    if n < 0:\n        return "-"\n'
    '    if n == 0:\n        return "0"\n'
    '    return "+"\n'
)


def test_untested_branch_fails_full_and_affected_runs(repo: Path, pants: FixturePants) -> None:
    edit(repo, LIB, UNTESTED_BRANCH)
    try:
        full = run(pants, "test", "--use-coverage", "::", expect=2)
        affected = run(pants, *AFFECTED, "test", "--use-coverage", expect=2)
    finally:
        restore(repo)
    for out in (full, affected):
        failing = "libs/shared/lib: 80.0% (8/10 lines+branches), floor 100%, FAIL; uncovered: "
        assert f"{failing}{LIB}:4-5" in out
        assert "1 project(s) below their coverage floor: libs/shared/lib" in out
    # The affected run of a library change runs the library's tests and its dependents'.
    assert f"✓ {LIB_TEST}" in affected and "✓ services/svc/tests/test_app.py" in affected


SVC_CHANGE = FILES[SVC] + "\n\ndef plain(n: int) -> str:\n    return str(n)\n"
SVC_TEST_CHANGE = FILES["services/svc/tests/test_app.py"] + (
    '\n\ndef test_plain() -> None:\n    from svc.app import plain\n\n    assert plain(1) == "1"\n'
)


def test_change_elsewhere_keeps_the_library_at_100_from_the_cache(
    repo: Path, pants: FixturePants
) -> None:
    edit(repo, SVC, SVC_CHANGE)
    edit(repo, "services/svc/tests/test_app.py", SVC_TEST_CHANGE)
    try:
        out = run(pants, *AFFECTED, "test", "--use-coverage", expect=0)
    finally:
        restore(repo)
    assert f"✓ {LIB_TEST}" not in out  # not part of the affected run
    assert "libs/shared/lib: 100.0% (6/6 lines+branches), floor 100%, ok" in out
    assert "1 test target(s) outside this run: coverage data from the cache." in out
    assert "no cached coverage data" not in out


def test_without_the_cache_the_affected_run_runs_what_it_needs(repo: Path) -> None:
    edit(repo, SVC, SVC_CHANGE)
    edit(repo, "services/svc/tests/test_app.py", SVC_TEST_CHANGE)
    fresh = FixturePants(repo, launcher_env(LANG="C.UTF-8"), timeout=600, pantsd=False)
    try:
        ok = run(fresh, "--no-local-cache", *AFFECTED, "test", "--use-coverage", expect=0)
        edit(repo, LIB, UNTESTED_BRANCH)
        bad = run(fresh, "--no-local-cache", *AFFECTED, "test", "--use-coverage", expect=2)
    finally:
        restore(repo)
    assert "libs/shared/lib: 100.0% (6/6 lines+branches), floor 100%, ok" in ok
    assert (
        "1 test target(s) outside this run had no cached coverage data and were run: "
        f"{LIB_TEST}" in ok
    )
    assert f"{LIB}:4-5" in bad
