"""Every async helper a rule awaits is defined before that rule, in every plugin module.

Pants 2.17 collects a rule's `Get`s when `@rule` runs, following calls to module-level async
helpers that already exist; a helper defined below the rule is invisible, and its `Get`s fail
only at run time ("... was not detected in your @rule body at rule compile time").
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PANTRY = Path(__file__).parent
RULE_DECORATORS = {"rule", "goal_rule", "_uncacheable_rule"}


def helpers_defined_after_their_rule(source: str) -> list[str]:
    """`LINE: RULE awaits HELPER, defined below it at line N` for each offence in `source`."""
    tree = ast.parse(source)
    helpers = {
        node.name: node.lineno
        for node in tree.body
        if isinstance(node, ast.AsyncFunctionDef) and not _is_rule(node)
    }
    problems = []
    for node in tree.body:
        if not (isinstance(node, ast.AsyncFunctionDef) and _is_rule(node)):
            continue
        for call in ast.walk(node):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
                continue
            line = helpers.get(call.func.id)
            if line is not None and line > node.lineno:
                problems.append(
                    f"{call.lineno}: {node.name} awaits {call.func.id}, "
                    f"defined below it at line {line}"
                )
    return problems


def _is_rule(node: ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Name) and target.id in RULE_DECORATORS:
            return True
    return False


@pytest.mark.parametrize(
    "source, expected",
    [
        (
            "@rule\nasync def r() -> int:\n    return await _h()\n\n\nasync def _h() -> int:\n"
            "    return await Get(int, str, '')\n",
            ["3: r awaits _h, defined below it at line 6"],
        ),
        (
            "async def _h() -> int:\n    return await Get(int, str, '')\n\n\n"
            "@rule(desc='r')\nasync def r() -> int:\n    return await _h()\n",
            [],
        ),
    ],
)
def test_the_check_finds_a_helper_below_its_rule(source: str, expected: list[str]) -> None:
    assert helpers_defined_after_their_rule(source) == expected


def test_no_plugin_module_awaits_a_helper_defined_below_the_rule() -> None:
    modules = sorted(p for p in PANTRY.rglob("*.py") if not p.name.endswith("_test.py"))
    assert modules, f"no plugin modules under {PANTRY}"
    problems = [
        f"{path.relative_to(PANTRY.parent)}:{problem}"
        for path in modules
        for problem in helpers_defined_after_their_rule(path.read_text())
    ]
    assert problems == []
