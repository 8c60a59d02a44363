"""Which target definitions a BUILD file edit changed, comparing syntax trees, not text.

Whitespace and comments change nothing. Each top-level call is keyed by its `name=` (or,
without one, by its target type, standing for the directory-named default target).
Anything else at top level (assignments, `__defaults__`, macros, conditionals) may change
every target below the directory, so it is reported as such.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

DEFAULTS_CALL = "__defaults__"


@dataclass(frozen=True)
class BuildFileChange:
    """What an edit to one BUILD file changed."""

    target_names: frozenset[str] = frozenset()
    # True when a change may reach every target in the directory and below it.
    whole_tree: bool = False

    @property
    def changes_nothing(self) -> bool:
        return not self.target_names and not self.whole_tree


def _definitions(text: str, directory_name: str) -> tuple[dict[str, str], list[str]]:
    """Target name -> normalized call, and the normalized non-target statements."""
    targets: dict[str, str] = {}
    others: list[str] = []
    for statement in ast.parse(text).body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
            if call.func.id != DEFAULTS_CALL:
                targets[_target_name(call, directory_name)] = ast.dump(call)
                continue
        others.append(ast.dump(statement))
    return targets, others


def _target_name(call: ast.Call, directory_name: str) -> str:
    for keyword in call.keywords:
        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    return directory_name


def compare_build_files(old: str | None, new: str | None, directory_name: str) -> BuildFileChange:
    """Compare a BUILD file's text at the base (None: absent) with the working tree's.

    A file that does not parse on either side is treated as changing the whole tree, which
    is the safe answer; Pants itself reports the syntax error when it loads the file.
    """
    try:
        old_targets, old_others = _definitions(old or "", directory_name)
        new_targets, new_others = _definitions(new or "", directory_name)
    except SyntaxError:
        return BuildFileChange(whole_tree=True)
    if old_others != new_others:
        return BuildFileChange(whole_tree=True)
    changed = {
        name
        for name in old_targets.keys() | new_targets.keys()
        if old_targets.get(name) != new_targets.get(name)
    }
    return BuildFileChange(target_names=frozenset(changed))
