"""The `import-rules` linter: `./pants lint ::` checks Pantry's import rules (see `rules`)."""

from pantry.import_rules import rules as import_rules_rules
from pantry.import_rules import subsystem


def rules():
    return [*import_rules_rules.rules(), *subsystem.rules()]
