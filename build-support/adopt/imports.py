"""Which third-party modules an adopted project imports, and which requirement provides each.

Under Pants every third-party module a project imports needs a requirement that provides it,
even when upstream only gets it transitively (conveyor imports `botocore` and requires
`aiobotocore`, which pulls botocore in). Before the relock, `promote_imported` turns each
such transitive pin of upstream's compiled requirements into a requirement of its own, so
one relock suffices. After it, Pants' own inference (`./pants dependencies`) is the judge:
`provider_in_lock` maps an import it still cannot own to a locked distribution, by Pants'
default module mapping or by name, and whatever remains is an error, never an ignored import.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Optional

from adopt.requirements import Requirement, canonical_name

# Standard-library modules of Python 2 that Python 3 renamed or removed. Code that still
# supports both imports them behind a version check (six: `import StringIO`); they are no
# third-party import, and no distribution provides them.
PYTHON2_STDLIB = frozenset(
    """
    BaseHTTPServer CGIHTTPServer ConfigParser Cookie DocXMLRPCServer HTMLParser Queue
    ScrolledText SimpleHTTPServer SimpleXMLRPCServer SocketServer StringIO Tix Tkinter UserDict
    UserList UserString __builtin__ anydbm commands cPickle cStringIO cookielib copy_reg dbhash
    dumbdbm exceptions gdbm htmlentitydefs httplib md5 markupbase repr robotparser sets sha
    thread tkMessageBox ttk urllib2 urlparse whichdb xmlrpclib _winreg
    """.split()
)


def is_python2_stdlib(module: str) -> bool:
    return module.split(".")[0] in PYTHON2_STDLIB


@dataclass(frozen=True)
class ImportSite:
    module: str  # as written: "botocore.config"
    path: str  # the house path of the importing file
    line: int

    @property
    def top(self) -> str:
        return self.module.split(".")[0]

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


def imports_of(text: str, path: str) -> list[ImportSite]:
    """Absolute imports of one module's source (relative ones are first-party by definition)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [ImportSite(alias.name, path, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(ImportSite(node.module, path, node.lineno))
    return found


def third_party(
    sites: Iterable[ImportSite], first_party: Iterable[str]
) -> dict[str, list[ImportSite]]:
    """Top-level module -> where it is imported, for modules neither stdlib nor first-party."""
    ours = set(first_party) | set(sys.stdlib_module_names) | PYTHON2_STDLIB | {"__future__"}
    out: dict[str, list[ImportSite]] = {}
    for site in sites:
        if site.top not in ours and not site.top.startswith("_"):
            out.setdefault(site.top, []).append(site)
    return out


def module_names(requirement_name: str, mapping: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The top-level modules Pants assumes a distribution provides (its default mapping, or the
    name with `-`/`.` as `_`, lower case)."""
    key = canonical_name(requirement_name)
    if key in mapping:
        return tuple(sorted({m.split(".")[0] for m in mapping[key]}))
    return (key.replace("-", "_"),)


@dataclass(frozen=True)
class Promotion:
    requirement: Requirement
    module: str
    via: str  # "aiobotocore"
    sites: tuple[ImportSite, ...]
    kind: str  # "runtime" when code under src/ imports it, else "test"


def promote_imported(
    imported: Mapping[str, list[ImportSite]],
    provided: Iterable[str],
    transitive: Mapping[str, tuple[Requirement, str]],
    mapping: Mapping[str, tuple[str, ...]],
) -> list[Promotion]:
    """Transitive pins of upstream that the project imports directly, as new requirements.

    `provided`: top-level modules the declared requirements already provide.
    """
    provided = set(provided)
    by_module: dict[str, tuple[str, Requirement, str]] = {}
    for key, (requirement, via) in transitive.items():
        for module in module_names(key, mapping):
            by_module.setdefault(module, (key, requirement, via))
    out = []
    for module, sites in sorted(imported.items()):
        if module in provided or module not in by_module:
            continue
        _, requirement, via = by_module[module]
        kind = "runtime" if any(s.path.startswith("src/") for s in sites) else "test"
        via_names = ", ".join(v for v in via.split(", ") if not v.startswith("-r ")) or via
        out.append(Promotion(requirement.unpinned(), module, via_names, tuple(sites), kind))
    return out


def provider_in_lock(
    module: str, locked: Iterable[str], mapping: Mapping[str, tuple[str, ...]]
) -> Optional[str]:
    """The locked project (canonical name) that provides top-level `module`, if any."""
    top = module.split(".")[0]
    for name in sorted(locked):
        if top in module_names(name, mapping):
            return name
    return None


def pants_default_module_mapping(cache_dirs: Iterable[Path]) -> dict[str, tuple[str, ...]]:
    """Pants' DEFAULT_MODULE_MAPPING (distribution -> modules), read from the Pants the launcher
    installed (`pants/backend/python/dependency_inference/default_module_mapping.py`), with
    `ast.literal_eval`: the very table Pants infers with. Empty if no Pants is installed."""
    relative = "site-packages/pants/backend/python/dependency_inference/default_module_mapping.py"
    for cache in cache_dirs:
        for candidate in sorted(cache.glob(f"pants/*/lib/python3*/{relative}")):
            return _read_mapping(candidate)
    return {}


def _read_mapping(path: Path) -> dict[str, tuple[str, ...]]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return {}
    for node in tree.body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if getattr(target, "id", "") == "DEFAULT_MODULE_MAPPING" and node.value is not None:
            try:
                raw = ast.literal_eval(node.value)
            except ValueError:
                return {}
            return {canonical_name(k): tuple(v) for k, v in raw.items()}
    return {}
