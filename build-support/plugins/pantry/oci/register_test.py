"""`register.rules()` splices every rule module of the backend: a module added to goals/ or
util_rules/ but not to register.py would leave its rules out of Pants."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from pantry.oci import goals, register, util_rules

RULE_MODULES = sorted(
    f"{package.__name__}.{info.name}"
    for package in (goals, util_rules)
    for info in pkgutil.iter_modules(package.__path__)
    if not info.name.endswith("_test")
)


def test_the_rule_modules_are_found() -> None:
    assert "pantry.oci.goals.package_image" in RULE_MODULES
    assert "pantry.oci.util_rules.oci_tool" in RULE_MODULES


@pytest.mark.parametrize("module", RULE_MODULES)
def test_register_splices_every_rule_module(module: str) -> None:
    registered = set(register.rules())
    missing = [r for r in importlib.import_module(module).rules() if r not in registered]
    assert missing == []
