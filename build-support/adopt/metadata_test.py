from __future__ import annotations

from pathlib import Path

import pytest
from adopt.metadata import MetadataError, module_version, read_metadata


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def summary(root: Path) -> list[tuple[str, str, str]]:
    return [(str(d.requirement), d.kind, d.origin) for d in read_metadata(root).requirements]


def test_pyproject_project_and_test_extras_and_groups(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": """\
[project]
name = "demo"
version = "1.2"
description = "Demo"
license = {text = "MIT"}
requires-python = ">=3.10"
dependencies = ["attrs>=22", "tomli; python_version < '3.11'"]
[project.optional-dependencies]
test = ["pytest>=7"]
docs = ["sphinx"]
[project.scripts]
demo = "demo.cli:main"
[dependency-groups]
dev = ["hypothesis", {include-group = "test"}]
""",
        },
    )
    meta = read_metadata(tmp_path)
    assert (meta.name, meta.version, meta.summary, meta.license, meta.requires_python) == (
        "demo",
        "1.2",
        "Demo",
        "MIT",
        ">=3.10",
    )
    assert summary(tmp_path) == [
        ("attrs>=22", "runtime", "pyproject.toml [project].dependencies"),
        ("tomli; python_version < '3.11'", "runtime", "pyproject.toml [project].dependencies"),
        ("pytest>=7", "test", "pyproject.toml [project.optional-dependencies].test"),
        ("hypothesis", "test", "pyproject.toml [dependency-groups].dev"),
    ]
    assert meta.scripts == {"demo": "demo.cli:main"}
    assert meta.notes == ["pyproject.toml: extra 'docs' not merged (not a test extra)"]


def test_setup_cfg(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "setup.cfg": """\
[metadata]
name = demo
version = attr: demo.__version__
[options]
install_requires =
    requests>=2
    idna
[options.extras_require]
testing = pytest
""",
        },
    )
    meta = read_metadata(tmp_path)
    assert (meta.name, meta.version) == ("demo", "")
    assert summary(tmp_path) == [
        ("requests>=2", "runtime", "setup.cfg install_requires"),
        ("idna", "runtime", "setup.cfg install_requires"),
        ("pytest", "test", "setup.cfg extras_require.testing"),
    ]


def test_setup_py_literals_read_computed_values_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "setup.py": """\
import demo
from setuptools import setup
setup(name="demo", version=demo.__version__, tests_require=["pytest"],
      install_requires=open("reqs.txt").read().split())
""",
        },
    )
    meta = read_metadata(tmp_path)
    assert (meta.name, meta.version) == ("demo", "")
    assert summary(tmp_path) == [("pytest", "test", "setup.py tests_require")]
    assert meta.notes == [
        "setup.py: install_requires is computed, not a literal; not read (add by hand)"
    ]


def test_pkg_info_requires_dist_with_extras(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "PKG-INFO": """\
Metadata-Version: 2.1
Name: demo
Version: 0.3
Requires-Dist: attrs>=22
Requires-Dist: pytest; extra == "test"
Requires-Dist: sphinx; extra == "docs"
Requires-Dist: pywin32; sys_platform == "win32" and extra == "tests"

""",
        },
    )
    assert summary(tmp_path) == [
        ("attrs>=22", "runtime", "PKG-INFO Requires-Dist"),
        ("pytest", "test", "PKG-INFO Requires-Dist (test extra)"),
        ('pywin32; sys_platform == "win32"', "test", "PKG-INFO Requires-Dist (test extra)"),
    ]


def test_requirements_files_and_first_source_wins(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "d"\ndependencies = ["attrs>=22"]\n',
            "requirements.txt": "attrs\nidna>=3  # why\n",
            "requirements-dev.txt": "-r requirements.txt\npytest\n",
        },
    )
    meta = read_metadata(tmp_path)
    assert summary(tmp_path) == [
        ("attrs>=22", "runtime", "pyproject.toml [project].dependencies"),
        ("pytest", "test", "requirements-dev.txt"),
        ("idna>=3", "runtime", "requirements.txt"),
    ]
    assert meta.notes == ["requirements-dev.txt: -r/-c includes not followed"]


def test_unreadable_requirement_is_a_note_not_a_failure(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "pkg @ https://example.invalid/pkg.whl\n"})
    meta = read_metadata(tmp_path)
    assert meta.requirements == []
    assert meta.notes == [
        "requirements.txt: skipped: direct URL requirements are not supported: "
        "'pkg @ https://example.invalid/pkg.whl'"
    ]


def test_bad_pyproject_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[project\n"})
    with pytest.raises(MetadataError, match="pyproject.toml is not valid TOML"):
        read_metadata(tmp_path)


def test_module_version(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": '"""Doc."""\n__version__ = "2.0"\n'})
    assert module_version(tmp_path / "pkg/__init__.py") == "2.0"
    assert module_version(tmp_path / "missing.py") == ""


def test_setup_py_console_scripts(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\n"
        "setup(\n"
        '    name="trove-classifiers",\n'
        '    entry_points={"console_scripts": [\n'
        '        "trove-classifiers=trove_classifiers.__main__:cli",\n'
        "    ]},\n"
        ")\n"
    )
    meta = read_metadata(tmp_path)
    assert meta.scripts == {"trove-classifiers": "trove_classifiers.__main__:cli"}
