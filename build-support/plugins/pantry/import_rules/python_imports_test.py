from __future__ import annotations

import textwrap
from typing import Optional

import pytest
from pantry.import_rules.python_imports import (
    ImportedName,
    ImportKind,
    find_imports,
    parse_python,
)

S, D, STR = ImportKind.STATIC, ImportKind.DYNAMIC, ImportKind.STRING

MODULES = frozenset(
    {
        "pkg",
        "pkg.sub",
        "pkg.sub.a",
        "pkg.sub.b",
        "pkg.other",
        "stats",
        "stats.parse",
        "stats.models",
    }
)


def _find(
    source: str,
    module: str = "pkg.sub.a",
    is_package: bool = False,
    min_dots: Optional[int] = None,
) -> list[tuple[int, str, ImportKind]]:
    tree = parse_python(textwrap.dedent(source).encode(), "x.py")
    found = find_imports(
        tree, module, is_package, MODULES.__contains__, string_imports_min_dots=min_dots
    )
    return [(i.line, i.name, i.kind) for i in found]


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import stats", [(1, "stats", S)]),
        ("import stats.parse", [(1, "stats.parse", S)]),
        ("import stats.parse as p, os", [(1, "os", S), (1, "stats.parse", S)]),
        ("from stats import parse", [(1, "stats.parse", S)]),
        ("from stats import parse as p", [(1, "stats.parse", S)]),
        # An attribute, not a module: the import is of the package.
        ("from stats import Thing", [(1, "stats", S)]),
        ("from stats.parse import Parser", [(1, "stats.parse", S)]),
        ("from stats import *", [(1, "stats", S)]),
        (
            """
            from stats import (
                parse,
                models as m,
            )
            """,
            [(2, "stats.models", S), (2, "stats.parse", S)],
        ),
        ("from __future__ import annotations", []),
        ("import requests.adapters", [(1, "requests.adapters", S)]),
        # Relative to pkg.sub (the package of module pkg.sub.a).
        ("from . import b", [(1, "pkg.sub.b", S)]),
        ("from .b import thing", [(1, "pkg.sub.b", S)]),
        ("from .. import other", [(1, "pkg.other", S)]),
        ("from ..other import x", [(1, "pkg.other", S)]),
        ("from .. import sub", [(1, "pkg.sub", S)]),
        ("from ... import x", []),  # climbs out of the top-level package
        (
            """
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from stats.models import Model
            """,
            [(2, "typing", S), (4, "stats.models", S)],
        ),
        (
            """
            def f():
                import stats.parse
            class C:
                def m(self):
                    from stats import models
            try:
                import stats
            except ImportError:
                pass
            """,
            [(3, "stats.parse", S), (6, "stats.models", S), (8, "stats", S)],
        ),
        ('importlib.import_module("stats.parse")', [(1, "stats.parse", D)]),
        ('import_module("stats")', [(1, "stats", D)]),
        ('import_module(name="stats")', [(1, "stats", D)]),
        ('import_module(".b", package="pkg.sub")', [(1, "pkg.sub.b", D)]),
        ('import_module("..other", "pkg.sub")', [(1, "pkg.other", D)]),
        ('import_module(".b", __package__)', [(1, "pkg.sub.b", D)]),
        ('import_module(".", __package__)', [(1, "pkg.sub", D)]),
        ('import_module(".b", __name__)', [(1, "pkg.sub.a.b", D)]),
        ('import_module(".b", somevar)', []),
        ("import_module(name)", []),
        ('__import__("stats.models")', [(1, "stats.models", D)]),
        ('__import__("stats", globals(), locals(), [], 0)', [(1, "stats", D)]),
        ('__import__("models", globals(), locals(), [], 1)', []),
        ("__import__(5)", []),
        ('getattr(x, "y")("stats.parse")', []),
        (
            """
            def load():
                return importlib.import_module(
                    "stats.models",
                )
            """,
            [(3, "stats.models", D)],
        ),
        ('x = "stats.parse.Parser"', []),  # string imports are off by default
    ],
)
def test_find_imports(source: str, expected: list[tuple[int, str, ImportKind]]) -> None:
    assert _find(source) == expected


def test_relative_imports_in_a_package_init_are_relative_to_the_package() -> None:
    assert _find("from . import a\nfrom .. import other", module="pkg.sub", is_package=True) == [
        (1, "pkg.sub.a", S),
        (2, "pkg.other", S),
    ]


def test_relative_imports_in_a_loose_module_resolve_to_nothing() -> None:
    assert _find("from . import helpers", module="test_app") == []


@pytest.mark.parametrize(
    "min_dots, expected",
    [
        (None, []),
        (1, [(1, "stats.parse", STR), (2, "stats.parse.Parser", STR), (3, "pkg.sub.a", STR)]),
        (2, [(2, "stats.parse.Parser", STR), (3, "pkg.sub.a", STR)]),
        (3, []),
    ],
)
def test_string_imports(min_dots: Optional[int], expected: list) -> None:
    source = (
        'a = "stats.parse"\n'
        'b = "stats.parse.Parser"\n'
        'c = ["pkg.sub.a", "not.first.party", "stats.parse.x.y", "has space.x.y"]\n'
        'importlib.import_module("stats.models")\n'
    )
    dynamic = [(4, "stats.models", D)]
    assert _find(source, min_dots=min_dots) == sorted(
        dynamic + expected, key=lambda i: (i[0], i[1], i[2].value)
    )


def test_parse_python_honours_the_encoding_declaration() -> None:
    source = "# -*- coding: latin-1 -*-\nimport stats\nx = 'caf\xe9'\n".encode("latin-1")
    tree = parse_python(source, "x.py")
    assert find_imports(tree, "m", False, MODULES.__contains__) == (ImportedName(2, "stats", S),)


def test_parse_python_raises_syntax_error() -> None:
    with pytest.raises(SyntaxError) as e:
        parse_python(b"import stats\ndef broken(:\n", "x.py")
    assert e.value.lineno == 2
