"""Which first-party code belongs to which resolve, and where an editor must look for it.

Engine-free: the engine glue hands over one `PythonFile` per owned Python file (its resolves
and its Pants source root); this module decides

- the *trees*: per resolve, the source roots that resolve's virtualenv must make importable
  (written as a `.pth` file into the venv's site-packages);
- the *execution roots*: which directories (and, where a directory mixes resolves, which
  files) an editor checks against which resolve's virtualenv, few of them, deepest first,
  because pyright uses the first execution environment whose root contains a file.

Paths are relative to the build root, POSIX-style, with "." for the build root itself.
"""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence


@dataclass(frozen=True)
class PythonFile:
    """An owned first-party Python file, with every resolve a target that owns it is in."""

    path: str
    resolves: tuple[str, ...]
    source_root: str


@dataclass(frozen=True)
class Tree:
    """One resolve's first-party code: its virtualenv must import from these source roots."""

    resolve: str
    source_roots: tuple[str, ...]


@dataclass(frozen=True)
class ExecutionRoot:
    """A directory or file whose code is checked against `resolve`'s virtualenv."""

    root: str
    resolve: str


def checked_resolve(file: PythonFile, default_resolve: str) -> str:
    """The one resolve a file is checked against in an editor.

    A file in several resolves (a `parametrize`d `resolve` field) is importable from each
    of their venvs, but an editor checks it once: against the default resolve if it is one
    of them (the editor's interpreter), else against the first alphabetically.
    """
    if default_resolve in file.resolves:
        return default_resolve
    return sorted(file.resolves)[0]


def trees(files: Iterable[PythonFile], default_resolve: str) -> tuple[Tree, ...]:
    """One tree per resolve that owns code, the default resolve first, then alphabetically."""
    roots: dict[str, set[str]] = defaultdict(set)
    for file in files:
        for resolve in file.resolves:
            roots[resolve].add(file.source_root)
    order = sorted(roots, key=lambda resolve: (resolve != default_resolve, resolve))
    return tuple(Tree(resolve, tuple(sorted(roots[resolve]))) for resolve in order)


def _parent(path: str) -> str:
    return posixpath.dirname(path) or "."


def _ancestors(directory: str) -> list[str]:
    """`directory` and every directory above it, up to and including "."."""
    chain = [directory]
    while directory != ".":
        directory = _parent(directory)
        chain.append(directory)
    return chain


def _depth(path: str) -> int:
    return 0 if path == "." else path.count("/") + 1


def execution_roots(files: Iterable[PythonFile], default_resolve: str) -> tuple[ExecutionRoot, ...]:
    """Few roots that give every file the resolve `checked_resolve` picks for it.

    Top-down: a directory gets the resolve most of the files under it are checked against
    (ties: the default resolve, then alphabetical) unless its parent's root already says
    so; a file that differs from its directory's resolve is a root of its own. Deeper roots
    come first, so they win.
    """
    checked = {file.path: checked_resolve(file, default_resolve) for file in files}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    direct: dict[str, dict[str, str]] = defaultdict(dict)
    subdirs: dict[str, set[str]] = defaultdict(set)
    for path, resolve in checked.items():
        directory = _parent(path)
        direct[directory][path] = resolve
        chain = _ancestors(directory)
        for inner, outer in zip(chain, chain[1:]):
            subdirs[outer].add(inner)
        for ancestor in chain:
            counts[ancestor][resolve] += 1

    found: list[ExecutionRoot] = []

    def visit(directory: str, covering: str | None) -> None:
        here = counts[directory]
        resolve = min(here, key=lambda r: (-here[r], r != default_resolve, r))
        if resolve != covering:
            found.append(ExecutionRoot(directory, resolve))
        if len(here) == 1:
            return
        found.extend(
            ExecutionRoot(path, r) for path, r in direct[directory].items() if r != resolve
        )
        for subdir in subdirs[directory]:
            visit(subdir, resolve)

    if checked:
        visit(".", None)
    return tuple(sorted(found, key=lambda root: (-_depth(root.root), root.root)))


def absolute(build_root: str, path: str) -> str:
    """`path` (relative to the build root, "." for itself) as an absolute path."""
    return build_root if path == "." else posixpath.join(build_root, path)


def pth_content(build_root: str, source_roots: Sequence[str]) -> str:
    """A `.pth` file that puts each source root on `sys.path`, one absolute path a line."""
    lines = [
        "# Written by `./pants ide`: this repository's source roots, importable from this venv.",
        *(absolute(build_root, root) for root in source_roots),
    ]
    return "\n".join(lines) + "\n"
