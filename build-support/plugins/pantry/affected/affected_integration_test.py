"""`./pants affected` on a small git fixture repo with the real launcher and plugins.

One fixture repo and one pantsd serve every scenario (each resets the working tree), so
Pants starts twice: once, and again for the last scenario, a plugin change (pantsd restarts
when a file on its pythonpath or its config changes, so the global-input scenario before it
edits pants.ci.toml, which no run here loads; global_inputs' patterns are unit-tested).
The daemon is stopped by its pid at the end, even after a failure; the repo lives in the
test's sandbox, so nothing outlives the test.
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

FILES = {
    "pants.toml": """\
[GLOBAL]
pants_version = "2.17.1"
pythonpath = ["%(buildroot)s/build-support/plugins"]
backend_packages = ["pants.backend.python", "pantry.affected"]
pants_ignore.add = ["/.pantry/"]

[pex-cli]
{pex_cli}

[source]
root_patterns = ["/libs/internal/*/src", "/libs/internal/*/tests", "/services/*/src",
                 "/services/*/tests", "/build-support/plugins"]

[python]
interpreter_constraints = ["CPython==3.11.*"]
enable_resolves = true

[python.resolves]
python-default = "3rdparty/python/default.lock"

[python-infer]
unowned_dependency_behavior = "error"
""",
    "pants.ci.toml": "# CI's settings, layered on pants.toml.\n[GLOBAL]\ncolors = false\n",
    "3rdparty/python/BUILD": 'python_requirements(name="reqs", source="reqs.txt")\n',
    "3rdparty/python/reqs.txt": "packaging\npytest\nrequests\n",
    "libs/internal/flags/src/flags/BUILD": "python_sources()\n",
    "libs/internal/flags/src/flags/__init__.py": "ENABLED = True\n",
    "libs/internal/flags/tests/BUILD": 'python_tests(name="tests")\n',
    "libs/internal/flags/tests/test_flags.py": (
        "import pytest\n\nfrom flags import ENABLED\n\n\ndef test_enabled():\n    assert ENABLED\n"
    ),
    "services/svc/src/svc/BUILD": "python_sources()\n",
    "services/svc/src/svc/app.py": "from flags import ENABLED\n\nSTATE = ENABLED\n",
    "services/svc/tests/BUILD": 'python_tests(name="tests")\n',
    "services/svc/tests/test_app.py": (
        "from svc.app import STATE\n\n\ndef test_state():\n    assert STATE\n"
    ),
    "services/other/src/other/BUILD": "python_sources()\n",
    "services/other/src/other/main.py": "import packaging.version\n",
    "services/other/tests/BUILD": 'python_tests(name="tests")\n',
    "services/other/tests/test_main.py": "import other.main\n\n\ndef test_main():\n    pass\n",
}

ALL_TARGETS = [
    "3rdparty/python:reqs#packaging",
    "3rdparty/python:reqs#pytest",
    "3rdparty/python:reqs#requests",
    "libs/internal/flags/src/flags/__init__.py",
    "libs/internal/flags/tests/test_flags.py",
    "services/other/src/other/main.py",
    "services/other/tests/test_main.py",
    "services/svc/src/svc/app.py",
    "services/svc/tests/test_app.py",
]


@pytest.fixture(scope="module")
def repo() -> Path:
    repo = sandbox_tempdir("affected-fixture-")
    write_fixture(repo, FILES)
    install_launcher(repo)
    for source in [
        *map(str, Path("build-support/plugins/pantry").rglob("*.py")),
        "3rdparty/python/default.lock",
    ]:
        copy_into(repo, source)
    commit_fixture(repo, ("/.pantry/", "/.pids/", "/.pants.d/", "__pycache__/"))
    return repo


@pytest.fixture(scope="module")
def pants(repo: Path) -> Iterator[FixturePants]:
    with pantsd_session(repo, launcher_env(), timeout=240) as pants:
        yield pants


@pytest.fixture
def clean(repo: Path, pants: FixturePants) -> Iterator[FixturePants]:
    yield pants
    git(repo, "checkout", "-q", "--", ".")
    git(repo, "clean", "-qfd", "-e", ".pantry", "-e", ".pids", "-e", ".pants.d")


def affected(pants: FixturePants, *args: str) -> list[str]:
    result = pants("affected", "--base=HEAD", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def edit(pants: FixturePants, path: str, change) -> None:
    target = pants.repo / path
    target.write_text(change(target.read_text()))


def test_nothing_changed(clean: FixturePants) -> None:
    assert affected(clean) == []


def test_leaf_change_selects_the_leaf(clean: FixturePants) -> None:
    edit(clean, "services/svc/tests/test_app.py", lambda text: text + "\n# more\n")
    assert affected(clean) == ["services/svc/tests/test_app.py"]


def test_internal_lib_change_selects_its_dependents(clean: FixturePants) -> None:
    edit(clean, "libs/internal/flags/src/flags/__init__.py", lambda text: text + "OTHER = 1\n")
    assert affected(clean) == [
        "libs/internal/flags/src/flags/__init__.py",
        "libs/internal/flags/tests/test_flags.py",
        "services/svc/src/svc/app.py",
        "services/svc/tests/test_app.py",
    ]
    assert affected(clean, "--kind=tests") == [
        "libs/internal/flags/tests/test_flags.py",
        "services/svc/tests/test_app.py",
    ]


def test_why_names_the_chain(clean: FixturePants) -> None:
    edit(clean, "services/svc/src/svc/app.py", lambda text: text + "\n")
    assert affected(clean, "--why") == [
        "services/svc/src/svc/app.py: services/svc/src/svc/app.py changed"
        " → services/svc/src/svc/app.py",
        "services/svc/tests/test_app.py: services/svc/src/svc/app.py changed"
        " → services/svc/src/svc/app.py → services/svc/tests/test_app.py",
    ]


def test_deleted_test_file_selects_nothing_else(clean: FixturePants) -> None:
    (clean.repo / "services/other/tests/test_main.py").unlink()
    assert affected(clean) == []


def test_comment_only_build_change_selects_nothing(clean: FixturePants) -> None:
    edit(clean, "services/svc/src/svc/BUILD", lambda text: "# Sources.\n" + text + "\n\n")
    assert affected(clean) == []


def test_build_change_selects_that_target_and_dependents(clean: FixturePants) -> None:
    edit(clean, "services/svc/src/svc/BUILD", lambda _: 'python_sources(tags=["web"])\n')
    assert affected(clean) == ["services/svc/src/svc/app.py", "services/svc/tests/test_app.py"]


def test_deep_lockfile_change_selects_only_that_requirements_dependents(
    clean: FixturePants,
) -> None:
    # pluggy is only in pytest's closure: packaging and requests users are not affected.
    def downgrade_pluggy(text: str) -> str:
        start = text.index('"project_name": "pluggy"')
        version = text.index('"version": "', start)
        end = text.index('"', version + len('"version": "'))
        return text[:version] + '"version": "0.0.1"' + text[end + 1 :]

    edit(clean, "3rdparty/python/default.lock", downgrade_pluggy)
    assert affected(clean) == [
        "3rdparty/python:reqs#pytest",
        "libs/internal/flags/tests/test_flags.py",
    ]


def test_global_input_change_selects_everything(clean: FixturePants) -> None:
    edit(clean, "pants.ci.toml", lambda text: text + "dynamic_ui = false\n")
    assert affected(clean) == ALL_TARGETS
    assert affected(clean, "--why")[0].startswith(
        "3rdparty/python:reqs#packaging: pants.ci.toml changed (CI's Pants configuration)"
    )


# Last: pantsd restarts when a plugin changes (and would again once it is restored).


def test_plugin_change_selects_everything(clean: FixturePants) -> None:
    edit(clean, "build-support/plugins/pantry/affected/selection.py", lambda text: text + "\n")
    assert affected(clean) == ALL_TARGETS
