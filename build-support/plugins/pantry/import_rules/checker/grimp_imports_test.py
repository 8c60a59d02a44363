from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Iterator, Mapping

import pytest
from pantry.import_rules.checker.grimp_imports import GrimpImports, scan_with_grimp


def _write(root: Path, files: Mapping[str, str]) -> None:
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(textwrap.dedent(content))


def test_grimp_sees_every_static_form(tmp_path: Path) -> None:
    _write(
        tmp_path / "src",
        {
            "irpkg/__init__.py": "",
            "irpkg/sub/__init__.py": "from . import b\n",
            "irpkg/sub/b.py": "",
            "irpkg/sub/a.py": """\
                from typing import TYPE_CHECKING
                from irother import (
                    x,
                    y as why,
                )
                from .. import sub
                from .b import thing
                import irother.x as ox
                if TYPE_CHECKING:
                    from irother.y import Y
                def f():
                    import irother
                    import conftest
                    import requests.adapters
                    importlib.import_module("irother.x")
                """,
            "irpkg/nons/c.py": "import irother\n",
        },
    )
    _write(tmp_path / "src2", {"irother/__init__.py": "", "irother/x.py": "", "irother/y.py": ""})
    saved_path = list(sys.path)

    scan = scan_with_grimp({"irpkg": [str(tmp_path / "src")], "irother": [str(tmp_path / "src2")]})

    assert sys.path == saved_path
    assert scan.failure is None
    assert scan.skipped == {}
    assert scan.imports["irpkg.sub.a"] == (
        (2, "irother.x"),  # a parenthesised import is reported where its statement starts
        (2, "irother.y"),
        (6, "irpkg.sub"),
        (7, "irpkg.sub.b"),
        (8, "irother.x"),
        (10, "irother.y"),  # under TYPE_CHECKING
        (12, "irother"),  # inside a function
    )  # Not typing, conftest (a loose module) or requests: only the scanned packages.
    # ... and no string import: grimp cannot see `import_module("irother.x")`.
    assert scan.imports["irpkg.sub"] == ((1, "irpkg.sub.b"),)
    assert scan.scanned("irpkg") and scan.scanned("irother.x")
    # grimp does not descend into a package's subdirectory without __init__.py.
    assert not scan.scanned("irpkg.nons.c")


def test_packages_grimp_cannot_scan_are_skipped_with_a_reason(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "a/good/__init__.py": "import irns\n",
            "a/irns/mod.py": "",  # a namespace package
            "a/json/__init__.py": "",  # shadowed by the already imported stdlib json
            "b/twice/__init__.py": "",
            "c/twice/__init__.py": "",
            "d/irmod.py": "",  # a module, not a package
            "e/elsewhere/__init__.py": "",
        },
    )
    scan = scan_with_grimp(
        {
            "good": [str(tmp_path / "a")],
            "irns": [str(tmp_path / "a")],
            "json": [str(tmp_path / "a")],
            "twice": [str(tmp_path / "b"), str(tmp_path / "c")],
            "irmod": [str(tmp_path / "d")],
            "not-a-name": [str(tmp_path / "a")],
            # Claimed by root d, but found in root e.
            "elsewhere": [str(tmp_path / "d")],
            "anchor": [str(tmp_path / "e")],
        }
    )
    expected_dir = (tmp_path / "d" / "elsewhere").resolve()
    found_dir = (tmp_path / "e" / "elsewhere").resolve()
    assert scan.skipped == {
        "irns": "not a regular package (no __init__.py)",
        "json": "already imported by the checker's process",
        "twice": "defined in 2 source roots",
        "irmod": "not a regular package (no __init__.py)",
        "not-a-name": "not an importable name",
        "elsewhere": f"resolves to ['{found_dir}'] instead of {expected_dir}",
        "anchor": "not a regular package (no __init__.py)",
    }
    assert scan.imports == {"good": ()}  # irns was not scanned: the checker's job.


def test_a_grimp_failure_is_reported_not_raised(tmp_path: Path) -> None:
    _write(tmp_path, {"irbroken/__init__.py": "", "irbroken/bad.py": "def f(:\n"})
    scan = scan_with_grimp({"irbroken": [str(tmp_path)]})
    assert scan.imports == {}
    assert scan.skipped == {"irbroken": "grimp failed"}
    assert scan.failure is not None and "bad.py" in scan.failure


def test_nothing_to_scan() -> None:
    assert scan_with_grimp({}) == GrimpImports()


@pytest.fixture(autouse=True)
def _no_leaked_modules() -> Iterator[None]:
    """grimp must only read the scanned packages, never import them."""
    yield
    leaked = {"irpkg", "irother", "good", "twice", "irbroken"} & set(sys.modules)
    assert not leaked
