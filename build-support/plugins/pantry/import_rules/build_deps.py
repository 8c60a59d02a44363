"""Turn explicit BUILD `dependencies=[...]` values into repository paths.

The values are Pants address specs exactly as written in the BUILD file:

    "services/stats/src/stats:lib"       -> services/stats/src/stats
    "//services/stats/src/stats"         -> services/stats/src/stats
    "services/stats/src/stats/parse.py"  -> services/stats/src/stats/parse.py
    "services/stats:app#gen"             -> services/stats
    ":lib", "./sub:lib", "../x:lib"      -> relative to the BUILD file's directory
    "!services/stats:lib", "!!..."       -> None: an ignore, not a dependency

The path is all the rules need: it puts the dependency in a tree and project. A spec
naming a third-party requirement (`3rdparty/python#requests`) resolves to a path in no
tree, which no rule restricts.
"""

from __future__ import annotations

import posixpath
import re
from typing import Optional

from .classify import normalize_path


def address_path(spec: str, build_dir: str) -> Optional[str]:
    """The repository path a dependency spec written in a BUILD file in `build_dir` names."""
    spec = spec.strip()
    if not spec or spec.startswith("!"):
        return None
    path = re.split(r"[:#@]", spec, maxsplit=1)[0]
    if path.startswith("//"):
        path = path[2:]
    elif path == "" or path == "." or path.startswith("./") or path.startswith("../"):
        path = posixpath.join(build_dir, path)
    resolved = normalize_path(path) if path else "."
    if resolved == ".." or resolved.startswith("../"):
        return None
    return resolved


def find_dependency_line(build_file_text: str, spec: str) -> Optional[int]:
    """The first line of a BUILD file on which `spec` appears as a quoted string."""
    quoted = re.compile(r"""(["'])""" + re.escape(spec) + r"\1")
    for number, line in enumerate(build_file_text.splitlines(), start=1):
        if quoted.search(line):
            return number
    return None
