from __future__ import annotations

from typing import Optional

import pytest
from pantry.import_rules.modules import (
    ModuleIndex,
    ModuleLocation,
    NotUnderSourceRoot,
    PythonFile,
    module_name,
)


@pytest.mark.parametrize(
    "path, root, name",
    [
        ("services/index/src/index/app.py", "services/index/src", "index.app"),
        ("services/index/src/index/__init__.py", "services/index/src", "index"),
        ("services/index/src/index/sub/__init__.py", "services/index/src/", "index.sub"),
        ("services/index/tests/test_app.py", "services/index/tests", "test_app"),
        ("services/index/tests/conftest.py", "./services/index/tests", "conftest"),
        ("setup.py", ".", "setup"),
        ("stubs/index/app.pyi", "stubs", "index.app"),
    ],
)
def test_module_name(path: str, root: str, name: str) -> None:
    assert module_name(path, root) == name


@pytest.mark.parametrize(
    "path, root",
    [("services/index/src/index/app.py", "services/stats/src"), ("a/b.py", "a/b.py")],
)
def test_module_name_outside_root(path: str, root: str) -> None:
    with pytest.raises(NotUnderSourceRoot):
        module_name(path, root)


FILES = (
    PythonFile("services/index/src/index/__init__.py", "services/index/src"),
    PythonFile("services/index/src/index/app.py", "services/index/src"),
    PythonFile("services/index/src/index/ns/deep.py", "services/index/src"),
    PythonFile("services/index/tests/conftest.py", "services/index/tests"),
    PythonFile("services/index/tests/test_app.py", "services/index/tests"),
    PythonFile("services/index/tests2/helpers.py", "services/index/tests2"),
    PythonFile("services/stats/tests/conftest.py", "services/stats/tests"),
    PythonFile("services/stats/tests/helpers.py", "services/stats/tests"),
    PythonFile("services/stats/src/stats/parse.py", "services/stats/src"),
    PythonFile("services/other/tests/helpers.py", "services/other/tests"),
    PythonFile("libs/shared/x/src/x/y.py", "libs/shared/x/src"),
)


def _project(path: str) -> Optional[str]:
    return "/".join(path.split("/")[:2]) if path.startswith("services/") else None


@pytest.mark.parametrize(
    "name, importer, paths",
    [
        ("index.app", 4, ["services/index/src/index/app.py"]),
        # Joined: a literal "index.app.Thing" is a string import of the repository's real
        # index.app for Pants ([python-infer].string_imports), and so for the import rules.
        (".".join(["index", "app", "Thing"]), 4, ["services/index/src/index/app.py"]),
        ("index", 4, ["services/index/src/index/__init__.py"]),
        ("index.missing", 4, ["services/index/src/index/__init__.py"]),
        # A directory without __init__.py is a namespace package located at the directory.
        ("index.ns", 4, ["services/index/src/index/ns"]),
        ("index.ns.deep", 4, ["services/index/src/index/ns/deep.py"]),
        ("stats", 4, ["services/stats/src/stats"]),
        ("requests.adapters", 4, []),
        # Several roots define conftest: the importer's own root wins.
        ("conftest", 4, ["services/index/tests/conftest.py"]),
        ("conftest", 6, ["services/stats/tests/conftest.py"]),
        # Then the importer's own project.
        ("helpers", 4, ["services/index/tests2/helpers.py"]),
        ("conftest", 1, ["services/index/tests/conftest.py"]),
        ("helpers", 8, ["services/stats/tests/helpers.py"]),
        # Otherwise every candidate.
        ("conftest", 10, ["services/index/tests/conftest.py", "services/stats/tests/conftest.py"]),
        (
            "helpers",
            10,
            [
                "services/index/tests2/helpers.py",
                "services/other/tests/helpers.py",
                "services/stats/tests/helpers.py",
            ],
        ),
    ],
)
def test_resolve(name: str, importer: int, paths: list[str]) -> None:
    index = ModuleIndex(FILES)
    locations = index.resolve(name, FILES[importer], _project)
    assert sorted(loc.path for loc in locations) == paths


def test_index_contents() -> None:
    index = ModuleIndex(FILES)
    assert "index.ns" in index
    assert "index.ns.deep" in index
    assert "index.nope" not in index
    assert index.top_level_names() == {"index", "stats", "conftest", "test_app", "helpers", "x"}
    assert index.longest_known_prefix("index.app.Thing.attr") == "index.app"
    assert index.longest_known_prefix("nope.x") is None
    assert index.locations("index") == (
        ModuleLocation("index", "services/index/src/index/__init__.py", "services/index/src"),
    )


def test_init_file_beats_directory_whatever_the_order() -> None:
    files = [
        PythonFile("src/pkg/mod.py", "src"),
        PythonFile("src/pkg/__init__.py", "src"),
    ]
    for ordered in (files, files[::-1]):
        assert ModuleIndex(ordered).locations("pkg") == (
            ModuleLocation("pkg", "src/pkg/__init__.py", "src"),
        )


def test_init_directly_in_a_source_root_names_no_module() -> None:
    index = ModuleIndex([PythonFile("tests/__init__.py", "tests")])
    assert index.top_level_names() == frozenset()
