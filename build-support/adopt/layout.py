"""Map an upstream project's files onto the house layout: src/, tests/, infra/ (services).

Pure: takes the project's relative file paths, returns where each one goes. Two upstream
shapes are recognised:

- *src layout*: a `src/` directory holds the code; it is kept as is.
- *flat layout*: packages (directories with `__init__.py`) and modules sit at the top; they
  move under `src/`.

Either way a top-level `tests/`, `test/` or `testing/` directory becomes `tests/`, and
top-level `test_*.py`, `*_test.py` and `conftest.py` join it. Tests that live inside a
package stay there. A `tests/__init__.py` (empty or not) is kept: upstream's tests are then
the package `tests` (`from tests.helpers import ...`, relative imports), and the project
directory is their source root, as it is pytest's rootdir upstream. Documents (README,
LICENSE, CHANGES, docs/ without its Sphinx .py) stay at the project root, and so does any
other top-level directory the tests name in a string (linehaul's `fixtures/`, read as
`Path(".") / "fixtures"`), listed in `Layout.test_data` with the documents they read.
Packaging files (setup.py, setup.cfg, pyproject.toml, requirements files, ...) are
superseded by BUILD files and 3rdparty/python and are not copied; neither is anything else
unrecognised: each is listed in `Layout.dropped`, so nothing is lost silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import AbstractSet, Iterable, Mapping, Optional

TEST_DIRS = ("tests", "test", "testing")
DOC_DIRS = ("docs", "doc", "documentation")
INFRA_DIRS = ("infra", "terraform")
DOCUMENTS = re.compile(
    r"^(README|LICEN[CS]E|COPYING|NOTICE|AUTHORS|CONTRIBUTORS|CHANGES|CHANGELOG|HISTORY|NEWS)"
    r"([._-].*)?$",
    re.IGNORECASE,
)
NOT_CODE_MODULES = ("setup.py", "noxfile.py", "fabfile.py", "tasks.py", "conftest.py")
# Never copied: build output, caches and VCS state.
JUNK = re.compile(
    r"(^|/)(\.git|__pycache__|\.tox|\.nox|\.venv|venv|build|dist|\.eggs|\.mypy_cache|"
    r"\.pytest_cache)(/|$)|\.egg-info(/|$)|\.py[co]$|(^|/)\.DS_Store$"
)

# Container builds are never copied, in any commit (images are built by `oci_image` targets);
# adopt.deploy reads the top-level one for hints.
CONTAINER_BUILD = re.compile(r"(^|/)(Dockerfile|Containerfile)([._-][^/]*)?$|\.[Dd]ockerfile$")


class LayoutError(Exception):
    """The project's files cannot be mapped (no code found, or two files land on one path)."""


@dataclass
class Layout:
    kind: str  # "src" or "flat"
    moves: dict[str, str] = field(default_factory=dict)  # upstream path -> house path
    dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    packages: frozenset[str] = frozenset()
    with_infra: bool = False
    data_dirs: frozenset[str] = frozenset()  # top-level directories kept for the tests
    test_data: list[str] = field(default_factory=list)  # house paths at the root tests read

    @property
    def tests_are_a_package(self) -> bool:
        """Upstream's tests/ has an __init__.py: pytest imports them as the package `tests`."""
        return "tests/__init__.py" in self.moves.values()

    def historic_destination(self, path: str) -> Optional[str]:
        """Where a path of any upstream commit goes: as today's file does, or by today's rules."""
        if path in self.moves:
            return self.moves[path]
        if path in self.dropped or JUNK.search(path):
            return None
        return _destination(
            path, self.kind == "src", self.packages, self.with_infra, self.data_dirs
        )

    @property
    def top_level(self) -> list[str]:
        """Importable top-level names under src/ (packages and modules)."""
        names = set()
        for destination in self.moves.values():
            parts = PurePosixPath(destination).parts
            if parts[0] != "src" or len(parts) < 2:
                continue
            if len(parts) > 2:
                names.add(parts[1])
            elif parts[1].endswith(".py"):
                names.add(parts[1][: -len(".py")])
        return sorted(names)


def is_test_file(name: str) -> bool:
    return name == "conftest.py" or (
        name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))
    )


def plan_layout(
    files: Iterable[str],
    *,
    with_infra: bool,
    test_texts: Optional[Mapping[str, str]] = None,
) -> Layout:
    """`files`: every file of the project, relative to its root, `/`-separated.

    `test_texts`: upstream test file path -> its text, to find the top-level files and
    directories the tests read (named in a string literal).
    """
    paths = sorted(p for p in files if not JUNK.search(p))
    packages = {PurePosixPath(p).parts[0] for p in paths if re.match(r"^[^/]+/__init__\.py$", p)}
    src_layout = any(p.startswith("src/") and p.endswith(".py") for p in paths)
    mentioned = _named_in_strings((test_texts or {}).values())
    reserved = {*TEST_DIRS, *DOC_DIRS, *INFRA_DIRS, "src", *packages}
    data_dirs = frozenset(
        top
        for top in {PurePosixPath(p).parts[0] for p in paths if "/" in p}
        if top in mentioned and top not in reserved and not top.startswith(".")
    )
    layout = Layout(
        kind="src" if src_layout else "flat",
        packages=frozenset(packages),
        with_infra=with_infra,
        data_dirs=data_dirs,
    )
    for path in paths:
        destination = _destination(path, src_layout, packages, with_infra, data_dirs)
        if destination is None:
            layout.dropped.append(path)
        else:
            layout.moves[path] = destination
    layout.test_data = sorted(
        d
        for d in layout.moves.values()
        if PurePosixPath(d).parts[0] in data_dirs
        or ("/" not in d and d in mentioned and not d.endswith(".py"))
    )
    clashes = _clashes(layout.moves)
    if clashes:
        raise LayoutError("two upstream files map to the same path: " + "; ".join(clashes))
    if not any(d.startswith("src/") and d.endswith(".py") for d in layout.moves.values()):
        raise LayoutError(
            "no Python code found (looked for src/, top-level packages with __init__.py and "
            "top-level modules)"
        )
    return layout


def _named_in_strings(texts: Iterable[str]) -> frozenset[str]:
    """First path components of the string literals in `texts` (`"fixtures/a.log"` ->
    fixtures, `"README.rst"` -> README.rst)."""
    names = set()
    for text in texts:
        for literal in re.findall(r"""["']([\w.-]+)(?:/[^"'\n]*)?["']""", text):
            names.add(literal)
    return frozenset(names)


def _destination(
    path: str,
    src_layout: bool,
    packages: AbstractSet[str],
    with_infra: bool,
    data_dirs: AbstractSet[str] = frozenset(),
) -> Optional[str]:
    parts = PurePosixPath(path).parts
    top, name = parts[0], parts[-1]
    if CONTAINER_BUILD.search(path):
        return None
    if len(parts) == 1:
        if DOCUMENTS.match(name):
            return name
        if is_test_file(name):
            return f"tests/{name}"
        if name.endswith(".py") and name not in NOT_CODE_MODULES and not src_layout:
            return f"src/{name}"
        return None
    rest = "/".join(parts[1:])
    if top in TEST_DIRS:
        return f"tests/{rest}"
    if top in DOC_DIRS:
        return None if name.endswith(".py") else path
    if with_infra and top in INFRA_DIRS:
        return f"infra/{rest}"
    if top in data_dirs:
        return path
    if src_layout:
        return path if top == "src" else None
    if top in packages:
        return f"src/{path}"
    return None


def _clashes(moves: dict[str, str]) -> list[str]:
    seen: dict[str, str] = {}
    clashes = []
    for source, destination in sorted(moves.items()):
        if destination in seen:
            clashes.append(f"{seen[destination]} and {source} -> {destination}")
        seen[destination] = source
    return clashes
