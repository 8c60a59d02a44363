"""One way to fail: every error class our Pants process can raise is a PantryError, and no rule
stops on a bare `assert` (python -O strips them, and their message names no fix).

Modules shipped into a tool's sandbox (the import-rules checker, the OCI layer builder) run
outside Pants on the standard library alone: their errors are reported by the tool's own
`main` as a message and an exit status, so they keep standard bases.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pantry.import_rules.shipping import CHECKER_MODULES
from pantry.oci.shipping import tool_files

PANTRY = Path(__file__).parent
RULE_DECORATORS = {"rule", "goal_rule", "_uncacheable_rule"}
SHIPPED = {f"import_rules/{m}" for m in CHECKER_MODULES} | {
    path.removeprefix("pantry/") for path, _ in tool_files()
}
MODULES = sorted(
    path.relative_to(PANTRY).as_posix()
    for path in PANTRY.rglob("*.py")
    if not path.name.endswith("_test.py") and path.name != "conftest.py"
)
BASE = "errors.py"  # where PantryError itself derives from Exception


def error_classes_not_based_on_pantry_error(source: str) -> list[str]:
    """`LINE: NAME(BASES)` for each class whose bases name an exception but no PantryError."""
    defined = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            defined[node.name] = (node.lineno, [ast.unparse(base) for base in node.bases])

    def is_ours(name: str) -> bool:
        if name.endswith("PantryError") or name.endswith("PantsPatchError"):
            return True
        local = defined.get(name)
        return local is not None and any(is_ours(base) for base in local[1])

    problems: list[str] = []
    for name, (line, bases) in defined.items():
        exception_like = any(b.endswith(("Error", "Exception")) for b in bases)
        if exception_like and not any(is_ours(base) for base in bases):
            problems.append(f"{line}: {name}({', '.join(bases)})")
    return problems


def asserts_in_rules(source: str) -> list[str]:
    """`LINE: RULE asserts` for each `assert` statement inside a rule's body."""
    problems: list[str] = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.AsyncFunctionDef):
            continue
        decorators = {(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list}
        names = {d.id for d in decorators if isinstance(d, ast.Name)}
        if not names & RULE_DECORATORS:
            continue
        problems.extend(
            f"{inner.lineno}: {node.name} asserts"
            for inner in ast.walk(node)
            if isinstance(inner, ast.Assert)
        )
    return problems


def test_the_checks_find_what_they_look_for() -> None:
    source = (
        "class Mine(PantryError): pass\n"
        "class Sub(Mine): pass\n"
        "class Bare(Exception): pass\n"
        "class Value(ValueError, Mixin): pass\n"
        "class Plain: pass\n"
        "@rule(desc='x')\n"
        "async def build(r: R) -> O:\n"
        "    assert r.ok\n"
        "async def helper() -> None:\n"
        "    assert True\n"
    )
    assert error_classes_not_based_on_pantry_error(source) == [
        "3: Bare(Exception)",
        "4: Value(ValueError, Mixin)",
    ]
    assert asserts_in_rules(source) == ["8: build asserts"]


@pytest.mark.parametrize("module", [m for m in MODULES if m not in SHIPPED | {BASE}])
def test_every_error_is_a_pantry_error(module: str) -> None:
    assert error_classes_not_based_on_pantry_error((PANTRY / module).read_text()) == []


@pytest.mark.parametrize("module", MODULES)
def test_no_rule_asserts(module: str) -> None:
    assert asserts_in_rules((PANTRY / module).read_text()) == []
