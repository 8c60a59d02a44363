"""Find the imports of one Python file with `ast`, with line numbers.

This covers what grimp cannot see, and stands in for it where it cannot run:

- *static* imports: `import a.b`, `import a.b as c`, `from a import b`, parenthesised
  multi-line forms, `from a import *`, relative imports (`from . import b`,
  `from ..a import b`), wherever they are: module level, inside functions and classes,
  under `if TYPE_CHECKING:`, in `try:` blocks. Needed for loose modules (a tests
  directory's `test_*.py` and `conftest.py` are in no package, so grimp never scans them),
  for packages grimp cannot locate, and for imports *of* those (grimp squashes them to a
  top-level name); see `checker.grimp_imports`.
- *dynamic* imports with a literal name: `importlib.import_module("a.b")`,
  `import_module(".b", package="a")`, `import_module(".b", __package__)`,
  `__import__("a.b")`. grimp ignores these everywhere.
- optionally, *string* imports the way Pants infers them (`[python-infer].string_imports`):
  any string literal that looks like a dotted module name with at least `min_dots` dots
  and names a first-party module or an attribute of one.

`from a import b` imports `a.b` when that is a module, else `a` (b is an attribute), as
grimp decides. Each import is reported at the line its statement or call starts on.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Iterator, Optional

_DOTTED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


class ImportKind(Enum):
    STATIC = "static"
    DYNAMIC = "dynamic"
    STRING = "string"


@dataclass(frozen=True)
class ImportedName:
    """One module name a file imports, absolute, at the line the import starts on."""

    line: int
    name: str
    kind: ImportKind


def parse_python(source: bytes, path: str) -> ast.Module:
    """Parse a file (honouring its encoding declaration); raises SyntaxError."""
    return ast.parse(source, filename=path)


def find_imports(
    tree: ast.AST,
    module: str,
    is_package: bool,
    is_module: Callable[[str], bool],
    *,
    string_imports_min_dots: Optional[int] = None,
) -> tuple[ImportedName, ...]:
    """Every import in `tree`, the parsed source of `module`.

    `is_module(name)` says whether a name is a module (first-party ones are all we need
    to know). `string_imports_min_dots` enables Pants-style string imports.
    """
    package = _package_parts(module, is_package)
    found: set[ImportedName] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(ImportedName(node.lineno, alias.name, ImportKind.STATIC))
        elif isinstance(node, ast.ImportFrom):
            found.update(_from_import(node, package, is_module))
        elif isinstance(node, ast.Call):
            dynamic = _dynamic_import(node, module, package)
            if dynamic is not None:
                found.add(ImportedName(node.lineno, dynamic, ImportKind.DYNAMIC))
    if string_imports_min_dots is not None:
        dynamic_imports = {(i.line, i.name) for i in found if i.kind is ImportKind.DYNAMIC}
        for line, value in _string_literals(tree):
            if value.count(".") < string_imports_min_dots or not _DOTTED_NAME.match(value):
                continue
            if (line, value) in dynamic_imports:
                continue
            if is_module(value) or is_module(value.rsplit(".", 1)[0]):
                found.add(ImportedName(line, value, ImportKind.STRING))
    return tuple(sorted(found, key=lambda i: (i.line, i.name, i.kind.value)))


def _package_parts(module: str, is_package: bool) -> list[str]:
    """The package relative imports in `module` are relative to, as name parts."""
    parts = module.split(".") if module else []
    return parts if is_package else parts[:-1]


def _resolve_relative(package: list[str], level: int, name: Optional[str]) -> Optional[str]:
    """`from ..x import y` in package a.b.c -> `a.b.x`; None if it climbs out of the top."""
    if level - 1 >= len(package):
        return None
    base = package[: len(package) - (level - 1)]
    if name:
        base = [*base, *name.split(".")]
    return ".".join(base)


def _from_import(
    node: ast.ImportFrom, package: list[str], is_module: Callable[[str], bool]
) -> Iterator[ImportedName]:
    if node.level:
        base = _resolve_relative(package, node.level, node.module)
    else:
        base = node.module
    if not base or base == "__future__":
        return
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        if alias.name != "*" and is_module(candidate):
            yield ImportedName(node.lineno, candidate, ImportKind.STATIC)
        else:
            yield ImportedName(node.lineno, base, ImportKind.STATIC)


def _dynamic_import(node: ast.Call, module: str, package: list[str]) -> Optional[str]:
    """The literal module name of `import_module(...)` / `__import__(...)`, if any."""
    func = node.func
    if isinstance(func, ast.Name):
        function = func.id
    elif isinstance(func, ast.Attribute):
        function = func.attr
    else:
        return None
    if function == "__import__":
        name = _string(_argument(node, 0, "name"))
        level_node = _argument(node, 4, "level")
        relative = level_node is not None and not (
            isinstance(level_node, ast.Constant) and level_node.value == 0
        )
        return name if name and not relative else None
    if function != "import_module":
        return None
    name = _string(_argument(node, 0, "name"))
    if not name:
        return None
    if not name.startswith("."):
        return name
    level = len(name) - len(name.lstrip("."))
    anchor_node = _argument(node, 1, "package")
    if isinstance(anchor_node, ast.Name) and anchor_node.id == "__package__":
        anchor = package
    elif isinstance(anchor_node, ast.Name) and anchor_node.id == "__name__":
        anchor = module.split(".")
    else:
        literal = _string(anchor_node)
        if not literal:
            return None
        anchor = literal.split(".")
    return _resolve_relative(anchor, level, name[level:] or None)


def _argument(node: ast.Call, position: int, keyword: str) -> Optional[ast.expr]:
    if len(node.args) > position:
        return node.args[position]
    for kw in node.keywords:
        if kw.arg == keyword:
            return kw.value
    return None


def _string(node: Optional[ast.expr]) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _string_literals(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
