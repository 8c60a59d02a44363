"""Static imports of first-party packages, found by grimp.

grimp's `build_graph` finds each top-level package through `importlib`, so the package's
source root is put at the front of `sys.path` (and taken off again) for the scan. Only
imports between the scanned packages are kept: imports of anything else (the standard
library, third-party code, loose test modules, packages grimp was not given) are the
checker's to find with ast where they may matter (keeping them in grimp's graph,
`include_external_packages`, costs a third of the whole check on a large tree).
`get_import_details` gives each import's line: the line its statement starts on, also
for parenthesised multi-line imports. grimp sees relative imports, imports inside
functions and under `if TYPE_CHECKING:`.

What grimp cannot do, and `python_imports` (ast) does instead:

- loose modules, which are in no package: a tests directory's `test_*.py` and
  `conftest.py`;
- string imports (`importlib.import_module("a.b")`, `__import__("a.b")`);
- top-level *namespace* packages (no `__init__.py`): grimp before 3.14 refuses them;
- a top-level name that several source roots define, that is already imported in this
  process (`importlib.util.find_spec` then answers with the loaded module, e.g. the
  checker's own package if it ran from the tree it checks), or whose spec points
  anywhere but the expected directory (e.g. shadowed by an installed distribution);
- subdirectories of a package that lack `__init__.py` (grimp does not descend into them);
- a package with a file that does not parse (grimp fails the whole graph), so the
  checker does not hand such packages to grimp (should grimp fail anyway, everything is
  scanned with ast and the report notes why).

`scan_with_grimp` skips such packages and reports which modules it scanned; the checker
scans every other file with ast.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Mapping, Optional, Sequence


@dataclass(frozen=True)
class GrimpImports:
    """Per scanned module, its static imports as (line, imported module) pairs."""

    imports: Mapping[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)
    packages: frozenset[str] = frozenset()
    skipped: Mapping[str, str] = field(default_factory=dict)
    failure: Optional[str] = None

    def scanned(self, module: str) -> bool:
        """Whether grimp scanned `module`'s own imports."""
        return module in self.imports

    def covers(self, name: str) -> bool:
        """Whether grimp resolves imports of `name` precisely: its package was scanned.

        Imports of anything else are not in grimp's graph, so the checker takes those
        from ast.
        """
        return name.split(".")[0] in self.packages


def scan_with_grimp(packages: Mapping[str, Sequence[str]]) -> GrimpImports:
    """Scan the top-level `packages` (name -> the absolute source roots defining it)."""
    skipped: dict[str, str] = {}
    eligible: list[str] = []
    with _on_sys_path(sorted({root for roots in packages.values() for root in roots})):
        for name, roots in sorted(packages.items()):
            reason = _why_not_scannable(name, roots)
            if reason:
                skipped[name] = reason
            else:
                eligible.append(name)
        if not eligible:
            return GrimpImports(skipped=skipped)
        import grimp  # Here, not at the top: the rest of the checker imports without it.
        from grimp.exceptions import GrimpException

        try:
            graph = grimp.build_graph(*eligible, include_external_packages=False, cache_dir=None)
        except GrimpException as e:  # e.g. SourceSyntaxError: reported, the ast pass goes on
            return GrimpImports(
                skipped={**skipped, **{name: "grimp failed" for name in eligible}},
                failure=f"{type(e).__name__}: {e}",
            )

    imports: dict[str, tuple[tuple[int, str], ...]] = {}
    for module in graph.modules:
        if module.split(".")[0] not in eligible or graph.is_module_squashed(module):
            continue
        found = set()
        for imported in graph.find_modules_directly_imported_by(module):
            for detail in graph.get_import_details(importer=module, imported=imported):
                found.add((detail["line_number"], imported))
        imports[module] = tuple(sorted(found))
    return GrimpImports(imports=imports, packages=frozenset(eligible), skipped=skipped)


def _why_not_scannable(name: str, roots: Sequence[str]) -> Optional[str]:
    if len(roots) != 1:
        return f"defined in {len(roots)} source roots"
    root = roots[0]
    if not name.isidentifier():
        return "not an importable name"
    if name in sys.modules:
        return "already imported by the checker's process"
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError) as e:
        return f"cannot be located ({e})"
    if spec is None or not spec.origin or os.path.basename(spec.origin) != "__init__.py":
        return "not a regular package (no __init__.py)"
    expected = os.path.realpath(os.path.join(root, name))
    found = [os.path.realpath(p) for p in spec.submodule_search_locations or ()]
    if found != [expected]:
        return f"resolves to {found} instead of {expected}"
    return None


@contextmanager
def _on_sys_path(roots: list[str]) -> Iterator[None]:
    saved = list(sys.path)
    sys.path[:0] = roots
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path[:] = saved
        importlib.invalidate_caches()
