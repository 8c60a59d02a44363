from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from adopt.merge import Declared, MergePlan, Ours
from adopt.requirements import parse_requirement
from adopt.upstream_tests import (
    generated_conftest,
    pytest_plugin_addresses,
    readme_of,
    scan_tests,
)

# An upstream test suite that only passes where upstream runs it: from the project directory,
# with the project installed (metadata, a console script, `python -m`).
UPSTREAM_TESTS = """\
import importlib.metadata
import subprocess
import sys
from pathlib import Path


def test_reads_a_fixture_relative_to_the_project_directory():
    assert open("tests/fixtures/x.txt").read() == "x\\n"
    assert Path("README.md").is_file()


def test_sees_itself_installed():
    assert importlib.metadata.version("demo-dist") == "1.2"
    meta = importlib.metadata.metadata("demo-dist")
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload() == "# demo\\n" and meta["Summary"] == "A demo"
    (script,) = importlib.metadata.entry_points(group="console_scripts", name="demo")
    assert script.value == "demo.cli:main"


def test_runs_its_console_script_and_module():
    assert subprocess.run(["demo"], capture_output=True, text=True).stdout == "hi\\n"
    beside = Path(sys.executable).parent / "demo"
    assert subprocess.run([beside], capture_output=True, text=True).stdout == "hi\\n"
    run = subprocess.run([sys.executable, "-m", "demo.cli"], capture_output=True, text=True)
    assert run.stdout == "hi\\n", run.stderr
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_generated_conftest_runs_upstream_tests_as_upstream_does(tmp_path: Path) -> None:
    project = "libs/shared/demo"
    conftest = generated_conftest(
        project,
        "demo-dist",
        "1.2",
        [("demo", "demo.cli:main")],
        summary="A demo",
        readme="README.md",
    )
    write(
        tmp_path / project,
        {
            "pytest.ini": "[pytest]\n",
            "conftest.py": conftest,
            "README.md": "# demo\n",
            "src/demo/__init__.py": "",
            "src/demo/cli.py": (
                "def main():\n    print('hi')\n\n\nif __name__ == '__main__':\n    main()\n"
            ),
            "tests/__init__.py": "",
            "tests/fixtures/x.txt": "x\n",
            "tests/test_upstream.py": UPSTREAM_TESTS,
        },
    )
    # As in a Pants sandbox: run from the build root, the source root relative on sys.path.
    env = {**os.environ, "PYTHONPATH": f"{project}/src"}
    env.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"{project}/tests"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
    assert not (tmp_path / project / ".pytest_cache").exists()


def test_without_it_the_same_tests_fail(tmp_path: Path) -> None:
    project = "libs/shared/demo"
    write(
        tmp_path / project,
        {"pytest.ini": "[pytest]\n", "src/demo/__init__.py": "", "tests/test_u.py": UPSTREAM_TESTS},
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"{project}/tests"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": f"{project}/src"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "3 failed" in result.stdout


def declared(line: str, kind: str = "test") -> Declared:
    return Declared(parse_requirement(line), "tox.ini [testenv] deps", kind)


def test_pytest_plugins_become_explicit_dependencies() -> None:
    merge = MergePlan(
        added={"test.txt": [declared("pytest_asyncio>=0.23")]},
        satisfied=[
            (declared("pytest-cov"), Ours(parse_requirement("pytest-cov>=5"), "x/test.txt:3")),
            (
                declared("pytest-django"),
                Ours(parse_requirement("pytest-django"), "3rdparty/python/test.txt:4"),
            ),
        ],
    )
    tests = [declared("pytest_asyncio>=0.23"), declared("pytest-cov"), declared("pytest-django")]
    addresses, notes = pytest_plugin_addresses(tests, merge, ["xdist", "pytest_django"])
    assert addresses == [
        "3rdparty/python:test#pytest-asyncio",
        "3rdparty/python:test#pytest-django",
    ]
    assert notes == ["pytest.ini: -p xdist names a plugin no requirement provides"]


def test_scan_tests() -> None:
    texts = {
        "tests/test_cli.py": "BINDIR = Path(sys.executable).parent\n",
        "tests/test_s3.py": "import boto3\nrequests.get(URL)\n",
        "tests/test_html.py": "EXPECTED = '<a href=\"https://example.com/\">x</a>'\n",
    }
    assert scan_tests(texts, [("demo", "demo:main")]) == [
        "tests/test_s3.py: may need the network or a service (boto3, requests.get); Pants "
        "sandboxes have no credentials: tag it or skip it upstream-style if it fails",
    ]


def test_readme_of() -> None:
    assert readme_of(["docs/README.md", "README.rst", "src/x.py"]) == "README.rst"
    assert readme_of(["src/x.py"]) == ""
