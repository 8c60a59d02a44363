"""The `import-rules` linter: `./pants lint ::` checks Pantry's import rules (see `rules`);
`./pants import-rules-baseline ::` rewrites their baseline (see `goals.baseline`)."""

from pantry.import_rules import rules as import_rules_rules
from pantry.import_rules import subsystem
from pantry.import_rules.goals import baseline as baseline_goal


def rules():
    return [*import_rules_rules.rules(), *baseline_goal.rules(), *subsystem.rules()]
