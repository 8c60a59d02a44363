"""Imports of adopted code that Pants cannot map to an owner, and where to ignore them.

Only the project's OWN modules that exist only at run time (`six.moves.*`, made by a meta path
importer) are ever ignored; a third-party import gets a requirement instead (`adopt.imports`),
so nothing a project imports from elsewhere is hidden. With
`[python-infer].unowned_dependency_behavior = "error"` each one stops every goal, and the
only fixes are a `# pants: no-infer-dep` comment on the line (an edit of upstream code) or
`[python-infer].ignored_unowned_imports` in pants.toml, which adopt uses: the upstream code
stays byte-identical, and the entries are grouped under a comment naming the project.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

# Pants 2.17.1 reports unowned imports only as text (its one structured view,
# `python-dump-source-analysis`, skips test targets and `ignored_unowned_imports`): the warning
# of `_handle_unowned_imports` in pants/backend/python/dependency_inference/rules.py is this
# headline, naming the target, then one bullet per import. pants_wording_test.py makes Pants
# itself write one and fails when its wording changes.
UNOWNED_HEADLINE = "Pants cannot infer owners for the following imports in the target "
UNOWNED_BULLET = re.compile(r"^\s*\* (?P<module>[A-Za-z_][\w.]*) \(line: \d+\)\s*$")
_KEY = "ignored_unowned_imports"


def unowned_imports(pants_output: str) -> list[str]:
    """The imports Pants reported as unowned: the bullets (`* six.moves.zip (line: 241)`)
    under each `UNOWNED_HEADLINE`, up to the first line that is not one."""
    found: set[str] = set()
    lines = iter(pants_output.splitlines())
    for line in lines:
        if UNOWNED_HEADLINE not in line:
            continue
        for bullet in lines:
            match = UNOWNED_BULLET.match(bullet)
            if match:
                found.add(match["module"])
            elif bullet.strip():
                break
    return sorted(found)


def ignore_entries(imports: Iterable[str], first_party: Sequence[str]) -> list[str]:
    """What to ignore: for our own top-level names, the submodule below it (`six.moves`);
    for anything else, the import as written."""
    entries = set()
    for module in imports:
        parts = module.split(".")
        entries.add(".".join(parts[:2]) if parts[0] in first_party and len(parts) > 1 else module)
    return sorted(entries)


def add_ignored_imports(text: str, entries: Sequence[str], project: str) -> str:
    """pants.toml with `entries` added to `[python-infer].ignored_unowned_imports`."""
    if not entries:
        return text
    block = f"  # {project} (adopted): imports Pants cannot map to an owner.\n" + "".join(
        f'  "{entry}",\n' for entry in entries
    )
    existing = re.search(rf"^{_KEY}\s*=\s*\[(?P<body>.*?)^\]", text, flags=re.MULTILINE | re.DOTALL)
    if existing:
        return text[: existing.end("body")] + block + text[existing.end("body") :]
    section = re.search(r"^\[python-infer\]\s*$", text, flags=re.MULTILINE)
    new_key = f"{_KEY} = [\n{block}]\n"
    if section is None:
        return text.rstrip("\n") + "\n\n[python-infer]\n" + new_key
    line_end = text.index("\n", section.end()) + 1 if "\n" in text[section.end() :] else len(text)
    return text[:line_end] + new_key + text[line_end:]


class SourceRootsError(Exception):
    """pants.toml has no `[source].root_patterns = [...]` list to add a root to."""


def add_source_root(text: str, pattern: str, reason: str) -> str:
    """pants.toml with `pattern` appended to `[source].root_patterns` (once), after a comment."""
    found = re.search(r"^root_patterns\s*=\s*\[(?P<body>.*?)^\]", text, flags=re.M | re.S)
    if found is None:
        raise SourceRootsError(
            "pants.toml has no [source].root_patterns list; add one (see README, Layout) "
            f'with "{pattern}" in it'
        )
    if f'"{pattern}"' in found.group("body"):
        return text
    line = f'  # {reason}\n  "{pattern}",\n'
    return text[: found.end("body")] + line + text[found.end("body") :]
