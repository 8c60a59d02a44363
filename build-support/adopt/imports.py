"""Which third-party modules an adopted project imports, and which requirement provides each.

Under Pants every third-party module a project imports needs a requirement that provides it,
even when upstream only gets it transitively (conveyor imports `botocore` and requires
`aiobotocore`, which pulls botocore in). Before the relock, `promote_imported` turns each
such transitive pin of upstream's compiled requirements into a requirement of its own, so
one relock suffices. After it, Pants' own inference (`./pants dependencies`) is the judge:
`provider_in_lock` maps an import it still cannot own to a locked distribution, by Pants'
default module mapping or by name, and whatever remains is an error, never an ignored import.

Imports are matched by module path, as Pants matches them, not by top-level name: in a
namespace package (`google.`) `google.api_core` is google-api-core's, not
google-cloud-bigquery's. A distribution Pants' mapping does not know is assumed to provide
`first.rest` (`google-api-core` -> `google.api_core`) as well as its name with `_`, and then
needs a `module_mapping` entry on its requirement target so that Pants infers it too.
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
    names: tuple[str, ...] = ()  # `from google.cloud import bigquery`: ("bigquery",)

    @property
    def top(self) -> str:
        return self.module.split(".")[0]

    def covered_by(self, prefix: str) -> bool:
        """Whether a distribution providing module `prefix` owns this import, as Pants judges
        it: `google.cloud.bigquery` owns `from google.cloud import bigquery`."""
        candidates = [self.module, *(f"{self.module}.{name}" for name in self.names)]
        return any(c == prefix or c.startswith(f"{prefix}.") for c in candidates)

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
            names = tuple(alias.name for alias in node.names if alias.name != "*")
            found.append(ImportSite(node.module, path, node.lineno, names))
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
    """The modules Pants infers a distribution provides: its default mapping (dotted, e.g.
    `google.cloud.bigquery`), else the name with `-`/`.` as `_`, lower case."""
    key = canonical_name(requirement_name)
    if key in mapping:
        return tuple(sorted(set(mapping[key])))
    return (key.replace("-", "_"),)


def namespace_module(requirement_name: str) -> Optional[str]:
    """The module of a distribution in a namespace package, which Pants does not infer:
    `google-api-core` -> `google.api_core`, `zope-interface` -> `zope.interface`."""
    first, dash, rest = canonical_name(requirement_name).partition("-")
    return f"{first}.{rest.replace('-', '_')}" if dash else None


def covering(
    site: ImportSite, requirement_name: str, mapping: Mapping[str, tuple[str, ...]]
) -> Optional[tuple[str, bool]]:
    """(the longest module of the distribution that owns `site`, whether Pants needs a
    `module_mapping` to infer it), or None if the distribution does not provide it."""
    pants_modules = [m for m in module_names(requirement_name, mapping) if site.covered_by(m)]
    if pants_modules:
        return max(pants_modules, key=len), False
    namespaced = namespace_module(requirement_name)
    if namespaced and site.covered_by(namespaced):
        return namespaced, True
    return None


@dataclass(frozen=True)
class Promotion:
    requirement: Requirement
    module: str
    via: str  # "aiobotocore"
    sites: tuple[ImportSite, ...]
    kind: str  # "runtime" when code under src/ imports it, else "test"
    # Set when Pants' default mapping does not know the module (`google.api_core` of
    # `google-api-core`): the requirement target needs `module_mapping` for it.
    mapped_module: str = ""


def promote_imported(
    imported: Mapping[str, list[ImportSite]],
    provided: Iterable[str],
    transitive: Mapping[str, tuple[Requirement, str]],
    mapping: Mapping[str, tuple[str, ...]],
) -> list[Promotion]:
    """Transitive pins of upstream that the project imports directly, as new requirements.

    `provided`: modules (dotted, as Pants infers them) the declared requirements provide. An
    import is matched by module path, not top-level name, so `google.api_core` is not taken
    as provided by `google-cloud-bigquery` (`google.cloud.bigquery`) because both are `google`.
    """
    provided = sorted(set(provided))
    found: dict[str, tuple[str, bool, list[ImportSite]]] = {}
    for _, sites in sorted(imported.items()):
        for site in sites:
            if any(site.covered_by(module) for module in provided):
                continue
            best: Optional[tuple[str, str, bool]] = None
            for key in sorted(transitive):
                match = covering(site, key, mapping)
                if match and (best is None or len(match[0]) > len(best[1])):
                    best = (key, *match)
            if best is None:
                continue
            key, module, mapped = best
            found.setdefault(key, (module, mapped, []))[2].append(site)
    out = []
    for key, (module, mapped, sites) in sorted(found.items(), key=lambda kv: kv[1][0]):
        requirement, via = transitive[key]
        kind = "runtime" if any(s.path.startswith("src/") for s in sites) else "test"
        via_names = ", ".join(v for v in via.split(", ") if not v.startswith("-r ")) or via
        out.append(
            Promotion(
                requirement.unpinned(),
                module,
                via_names,
                tuple(sites),
                kind,
                mapped_module=module if mapped else "",
            )
        )
    return out


@dataclass(frozen=True)
class Provider:
    name: str  # the locked project (canonical name)
    module: str  # the module of it that owns the import
    needs_mapping: bool  # Pants' default mapping does not know `module`: add module_mapping


def provider_in_lock(
    module: str, locked: Iterable[str], mapping: Mapping[str, tuple[str, ...]]
) -> Optional[Provider]:
    """The locked project that provides `module` (the longest module path that owns it wins:
    `google.api_core.retry` is google-api-core's, not google-cloud-bigquery's), if any."""
    site = ImportSite(module, "", 0)
    best: Optional[Provider] = None
    for name in sorted(locked):
        match = covering(site, name, mapping)
        if match and (best is None or len(match[0]) > len(best.module)):
            best = Provider(name, match[0], match[1])
    return best


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
        value = getattr(node, "value", None)
        if getattr(target, "id", "") == "DEFAULT_MODULE_MAPPING" and value is not None:
            try:
                raw = ast.literal_eval(value)
            except ValueError:
                return {}
            return {canonical_name(k): tuple(v) for k, v in raw.items()}
    return {}
