"""Per-project coverage floors for `./pants test --use-coverage` (README: "Coverage floors")."""

from pantry.coverage import rules as coverage_rules
from pantry.coverage import subsystem
from pantry.coverage import target_types as coverage_target_types


def rules():
    return [*coverage_rules.rules(), *subsystem.rules(), *coverage_target_types.rules()]
