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
        ('tomli; python_version < "3.11"', "runtime", "pyproject.toml [project].dependencies"),
        ("pytest>=7", "test", "pyproject.toml [project.optional-dependencies].test"),
        ("sphinx", "runtime", "pyproject.toml [project.optional-dependencies].docs"),
        ("hypothesis", "test", "pyproject.toml [dependency-groups].dev"),
    ]
    assert meta.scripts == {"demo": "demo.cli:main"}
    assert meta.extras == {"docs": ["sphinx"]}  # offered by the distribution, merged as runtime
    assert meta.notes == []


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
        ("sphinx", "runtime", "PKG-INFO Requires-Dist (extra 'docs')"),
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
    assert meta.notes == []


def test_unreadable_requirement_is_a_note_not_a_failure(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "pkg @ https://example.invalid/pkg.whl\n"})
    meta = read_metadata(tmp_path)
    assert meta.requirements == []
    assert meta.notes == [
        "skipped: requirements.txt:1: direct URL requirements are not supported: "
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
    write(
        tmp_path,
        {
            "setup.py": (
                "from setuptools import setup\nsetup(name='t', entry_points={'console_scripts': "
                "['trove-classifiers=trove_classifiers.__main__:cli']})\n"
            )
        },
    )
    assert read_metadata(tmp_path).scripts == {
        "trove-classifiers": "trove_classifiers.__main__:cli"
    }


HASHED = """\
#
# This file is autogenerated by pip-compile with Python 3.11
#
blinker==1.9.0 \\
    --hash=sha256:b4ce2265a7abece45e7cc896e98dbebe6cead56bcf805a3d23136d145f5445bf
    # via flask
flask==3.1.3 \\
    --hash=sha256:0ef0e52b8a9cd932855379197dd8f94047b359ca0a78695144304cb45f87c9eb
    # via -r requirements/main.in
"""


def test_requirements_directory_of_in_and_compiled_files(tmp_path: Path) -> None:
    """inspector's shape: requirements/*.in hold the requirements, the hashed *.txt are its
    lock (pins become preferences), lint tools are ours, requirements.txt only includes."""
    write(
        tmp_path,
        {
            "requirements.txt": "# for Dependabot\n-r requirements/main.txt\n",
            "requirements/main.in": "#!/usr/bin/env -S pip-compile --generate-hashes\n\nFlask\n",
            "requirements/main.txt": HASHED,
            "requirements/tests.in": "pytest\n",
            "requirements/lint.in": "black\n",
            ".python-version": "3.11.15\n",
        },
    )
    meta = read_metadata(tmp_path)
    assert summary(tmp_path) == [
        ("Flask", "runtime", "requirements/main.in"),
        ("pytest", "test", "requirements/tests.in"),
    ]
    assert meta.preferences == {
        "blinker": ("1.9.0", "requirements/main.txt"),
        "flask": ("3.1.3", "requirements/main.txt"),
    }
    assert list(meta.transitive) == ["blinker"]
    assert meta.python_version == "3.11"
    assert meta.notes == [
        "requirements/lint.in: tools the monorepo provides itself (black); not merged"
    ]


def test_compiled_file_without_its_in_uses_the_via_annotations(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": HASHED})
    meta = read_metadata(tmp_path)
    assert summary(tmp_path) == [("flask", "runtime", "requirements.txt")]  # unpinned
    assert meta.transitive["blinker"][1] == "flask"


def test_tox_deps_are_test_requirements_and_follow_includes(tmp_path: Path) -> None:
    """conveyor's shape: requirements.in + compiled requirements.txt, tox.ini deps."""
    write(
        tmp_path,
        {
            "requirements.in": "aiobotocore\n",
            "requirements.txt": "# autogenerated by pip-compile\naiobotocore==2.13.0\n"
            "    # via -r requirements.in\nbotocore==1.34.106\n    # via aiobotocore\n",
            "tox.ini": "[tox]\nenvlist = py312\n[testenv]\ndeps =\n"
            "    -r{toxinidir}/requirements.txt\n    pytest-asyncio\n[testenv:lint]\n"
            "deps = flake8\n",
        },
    )
    meta = read_metadata(tmp_path)
    assert summary(tmp_path) == [
        ("aiobotocore", "runtime", "requirements.in"),
        ("pytest-asyncio", "test", "tox.ini [testenv] deps"),
    ]
    assert meta.preferences["botocore"] == ("1.34.106", "requirements.txt")
    assert meta.transitive["botocore"][1] == "aiobotocore"


def test_dynamic_version_from_setuptools_scm(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "d"\ndynamic = ["version"]\n'
            '[build-system]\nrequires = ["setuptools_scm"]\n[tool.setuptools_scm]\n',
        },
    )
    meta = read_metadata(tmp_path)
    assert (meta.version, meta.dynamic_version) == ("", "scm")
