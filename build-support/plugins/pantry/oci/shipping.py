"""Which of our modules the OCI builder needs in its sandbox, derived from its imports.

The builder runs as `python -E -s -m pantry.oci.tool` (`TOOL_MODULE`) on the standard
library alone, with the pantry modules it imports shipped beside it under their own names.
`tool_files` follows the static imports (`import a.b`, `from a import b`, relative ones,
wherever they are) of first-party modules (`pantry.*`) from `TOOL_MODULE`, transitively, and
returns each module's source with every enclosing package's `__init__.py`. There is no list
to keep by hand: a module the builder starts importing ships with it, one it stops importing
does not. Anything else it imports must be the standard library (`shipping_test` runs the
shipped copy without site-packages). No Pants here: the glue (`util_rules/oci_tool.py`)
writes these files into the sandbox.
"""

from __future__ import annotations

import ast
import pkgutil
from typing import Callable, Iterator, Optional

from pantry.errors import PantryError

# The builder's entry point: `python -m pantry.oci.tool COMMAND...`.
TOOL_MODULE = "pantry.oci.tool"
FIRST_PARTY = "pantry"

# `read(path)`: the source at a path under the source root (`pantry/oci/tool.py`), or None.
Reader = Callable[[str], Optional[bytes]]


class ShippingError(PantryError):
    """A module the builder imports cannot be found or parsed."""


def read_source(path: str) -> Optional[bytes]:
    """The source of `path` (`pantry/oci/tool.py`) as installed beside this module, or None."""
    package, _, resource = path.rpartition("/")
    try:
        return pkgutil.get_data(package.replace("/", "."), resource)
    except (FileNotFoundError, ModuleNotFoundError):
        return None


def tool_files(
    read: Reader = read_source, entry_point: str = TOOL_MODULE
) -> tuple[tuple[str, bytes], ...]:
    """(path under the source root, source) of every module the builder runs, sorted."""
    files: dict[str, bytes] = {}
    pending = [entry_point]
    seen: set[str] = set()
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        found = _find_module(module, read)
        if found is None:
            raise ShippingError(
                f"The OCI builder ({entry_point}) imports {module}, which is not a module under "
                f"build-support/plugins/. Ship only modules of `{FIRST_PARTY}` that exist, or "
                "import the standard library instead."
            )
        path, source, is_package = found
        files[path] = source
        parts = module.split(".")
        for depth in range(1, len(parts)):
            init = "/".join(parts[:depth]) + "/__init__.py"
            if init not in files:
                content = read(init)
                if content is None:
                    raise ShippingError(
                        f"The OCI builder needs the package {'.'.join(parts[:depth])}, but "
                        f"{init} is missing: add it (an empty file will do)."
                    )
                files[init] = content
        pending.extend(
            first_party_imports(
                source, path, module, is_package, lambda name: _find_module(name, read) is not None
            )
        )
    return tuple(sorted(files.items()))


def first_party_imports(
    source: bytes,
    path: str,
    module: str,
    is_package: bool,
    is_module: Callable[[str], bool],
) -> Iterator[str]:
    """The first-party modules `module`'s source imports statically, anywhere in it."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        raise ShippingError(
            f"{path}:{e.lineno}: the OCI builder imports this module, which does not parse: "
            f"{e.msg}."
        ) from None
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # `from ..x import y` in package a.b.c: a.b.x
            anchor = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join([*anchor, *([node.module] if node.module else [])])
            names = [
                f"{base}.{alias.name}" if is_module(f"{base}.{alias.name}") else base
                for alias in node.names
            ]
        else:
            continue
        yield from (name for name in names if name.split(".")[0] == FIRST_PARTY)


def _find_module(module: str, read: Reader) -> Optional[tuple[str, bytes, bool]]:
    """(path, source, is_package) of a first-party module, or None."""
    base = module.replace(".", "/")
    for path, is_package in ((f"{base}.py", False), (f"{base}/__init__.py", True)):
        source = read(path)
        if source is not None:
            return path, source, is_package
    return None
