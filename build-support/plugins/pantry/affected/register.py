"""`./pants affected`: exact change detection for CI (global inputs, per-requirement locks)."""

from pantry.affected import rules as affected_rules
from pants.backend.project_info import dependents


def rules():
    return [*affected_rules.rules(), *dependents.rules()]
