"""The `import-rules` linter: `./pants lint ::` checks Pantry's import rules (see `rules`);
`./pants import-rules-baseline ::` rewrites their baseline (see `baseline_goal`)."""

from pantry.import_rules import baseline_goal
from pantry.import_rules import rules as import_rules_rules
from pantry.import_rules import subsystem


def rules():
    return [*import_rules_rules.rules(), *baseline_goal.rules(), *subsystem.rules()]
