from __future__ import annotations

import tomllib

import pytest
from adopt.pants_toml import (
    SourceRootsError,
    add_ignored_imports,
    add_source_root,
    ignore_entries,
    unowned_imports,
)

OUTPUT = """\
13:01:02.00 [WARN] Pants cannot infer owners for the following imports in the target x:

  * six.moves.configparser.ConfigParser (line: 212)
  * six.moves.filter (line: 217)
  * numpy (line: 3)

"""


def test_unowned_imports_and_entries() -> None:
    other_list = "Other bullets are not imports:\n\n  * stray.module (line: 1)\n"
    imports = unowned_imports(OUTPUT + other_list + OUTPUT)
    assert imports == ["numpy", "six.moves.configparser.ConfigParser", "six.moves.filter"]
    assert ignore_entries(imports, ["six"]) == ["numpy", "six.moves"]


def test_adds_the_key_to_the_section_then_extends_it() -> None:
    text = '[python-infer]\nunowned_dependency_behavior = "error"\n\n[pytest]\nargs = []\n'
    once = add_ignored_imports(text, ["six.moves"], "libs/shared/six")
    assert tomllib.loads(once)["python-infer"] == {
        "unowned_dependency_behavior": "error",
        "ignored_unowned_imports": ["six.moves"],
    }
    assert "  # libs/shared/six (adopted): imports Pants cannot map to an owner.\n" in once
    twice = add_ignored_imports(once, ["yaml.cyaml"], "libs/internal/conf")
    assert tomllib.loads(twice)["python-infer"]["ignored_unowned_imports"] == [
        "six.moves",
        "yaml.cyaml",
    ]
    assert tomllib.loads(twice)["pytest"] == {"args": []}
    assert add_ignored_imports(text, [], "x") == text


def test_adds_the_section_when_missing() -> None:
    text = add_ignored_imports("[GLOBAL]\n", ["a.b"], "p")
    assert tomllib.loads(text)["python-infer"]["ignored_unowned_imports"] == ["a.b"]


def test_add_source_root() -> None:
    text = '[source]\nroot_patterns = [\n  "/services/*",\n]\n\n[python]\n'
    once = add_source_root(text, "/services/svc/tests", "services/svc: tests are not a package")
    assert once == (
        '[source]\nroot_patterns = [\n  "/services/*",\n'
        '  # services/svc: tests are not a package\n  "/services/svc/tests",\n]\n\n[python]\n'
    )
    assert add_source_root(once, "/services/svc/tests", "again") == once
    with pytest.raises(SourceRootsError, match="no \\[source\\].root_patterns list"):
        add_source_root("[python]\n", "/x/tests", "x")
