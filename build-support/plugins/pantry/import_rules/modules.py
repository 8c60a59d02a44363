"""Name first-party Python modules and resolve imported names to the files that define them.

A file's module name is its path below its source root (`services/index/src` +
`index/app.py` -> `index.app`; `__init__.py` names its package). Every directory between
the source root and a file is a package too, with or without `__init__.py` (namespace
packages), located at that directory.

An imported name resolves to its longest prefix that names a first-party module, the
way an import of `stats.parse.Parser` loads `stats.parse`. Names no first-party file
defines (the standard library, third-party packages) resolve to nothing.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterable, Mapping, Optional

from .classify import normalize_path


@dataclass(frozen=True)
class PythonFile:
    """A Python file and the source root it is importable from (both repository paths)."""

    path: str
    source_root: str

    @cached_property
    def module(self) -> str:
        return module_name(self.path, self.source_root)

    @cached_property
    def is_package(self) -> bool:
        return posixpath.basename(self.path) == "__init__.py"


@dataclass(frozen=True)
class ModuleLocation:
    """Where a first-party module lives: its file, or its directory for a namespace package."""

    module: str
    path: str
    source_root: str


class NotUnderSourceRoot(ValueError):
    """A file that is not below the source root it was given with."""


def module_name(path: str, source_root: str) -> str:
    """`module_name("services/index/src/index/app.py", "services/index/src") == "index.app"`."""
    relative = posixpath.relpath(normalize_path(path), normalize_path(source_root))
    if relative == "." or relative.startswith("../") or relative == "..":
        raise NotUnderSourceRoot(f"{path} is not below its source root {source_root}")
    stem, _ext = posixpath.splitext(relative)
    parts = stem.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


class ModuleIndex:
    """Every first-party module name, with where each is defined."""

    def __init__(self, files: Iterable[PythonFile]) -> None:
        by_name: dict[str, dict[str, ModuleLocation]] = {}
        for file in files:
            root = normalize_path(file.source_root)
            name = file.module
            if not name:  # An `__init__.py` directly in a source root names no module.
                continue
            parts = name.split(".")
            for n in range(1, len(parts)):
                package = ".".join(parts[:n])
                directory = normalize_path(posixpath.join(root, *parts[:n]))
                by_name.setdefault(package, {}).setdefault(
                    root, ModuleLocation(package, directory, root)
                )
            # A file beats the directory a parent loop may have registered for it.
            by_name.setdefault(name, {})[root] = ModuleLocation(
                name, normalize_path(file.path), root
            )
        self._by_name: Mapping[str, tuple[ModuleLocation, ...]] = {
            name: tuple(sorted(by_root.values(), key=lambda loc: loc.path))
            for name, by_root in by_name.items()
        }

    def __contains__(self, module: str) -> bool:
        return module in self._by_name

    def top_level_names(self) -> frozenset[str]:
        return frozenset(name for name in self._by_name if "." not in name)

    def locations(self, module: str) -> tuple[ModuleLocation, ...]:
        return self._by_name.get(module, ())

    def longest_known_prefix(self, name: str) -> Optional[str]:
        """`stats.parse.Parser` -> `stats.parse` if that is a first-party module."""
        parts = name.split(".")
        for n in range(len(parts), 0, -1):
            candidate = ".".join(parts[:n])
            if candidate in self._by_name:
                return candidate
        return None

    def resolve(
        self,
        name: str,
        importer: PythonFile,
        project_of: Callable[[str], Optional[str]],
    ) -> tuple[ModuleLocation, ...]:
        """Where the import of `name` by `importer` may come from.

        When several source roots define the module (e.g. a `conftest` in every tests
        directory), the importer's own source root wins, then its own project; otherwise
        all of them are candidates.
        """
        module = self.longest_known_prefix(name)
        if module is None:
            return ()
        candidates = self._by_name[module]
        if len(candidates) == 1:
            return candidates
        root = normalize_path(importer.source_root)
        same_root = tuple(c for c in candidates if c.source_root == root)
        if same_root:
            return same_root
        project = project_of(importer.path)
        same_project = tuple(
            c for c in candidates if project is not None and project_of(c.path) == project
        )
        return same_project or candidates
