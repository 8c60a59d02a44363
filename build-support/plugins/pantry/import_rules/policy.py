"""Decide whether one edge (importer path -> imported path) is allowed.

Each tree is protected by exactly one rule, which lists who may import it. An edge is
forbidden when the imported path is in a tree and the importer is none of the rule's
`may-be-imported-by` entries: the importer's tree, `"itself"` (same project) or `"*"`.
Edges into paths that belong to no tree are never forbidden.

`[[banned-imports]]` tables are about what a file imports rather than where the imported
module lives: `bans_for` says which of them cover a file, and each ban says which imported
names it forbids (e.g. `pants` in a pure plugin module).
"""

from __future__ import annotations

from typing import Optional

from .classify import Classifier, Location
from .rules_file import EVERYTHING, ITSELF, BannedImports, Rule, RuleSet


class Policy:
    """The rules of a `RuleSet`, applied to paths."""

    def __init__(self, rule_set: RuleSet) -> None:
        self.rule_set = rule_set
        self.classifier = Classifier(rule_set)
        self._rules = {rule.tree: rule for rule in rule_set.rules}

    def classify(self, path: str) -> Location:
        return self.classifier.classify(path)

    def forbidding_rule(self, importer: Location, imported: Location) -> Optional[Rule]:
        """The rule that forbids `importer` importing `imported`, or None if it is allowed."""
        if imported.tree is None:
            return None
        rule = self._rules[imported.tree]
        allowed = rule.may_be_imported_by
        if EVERYTHING in allowed:
            return None
        if ITSELF in allowed and importer.project is not None:
            if importer.project == imported.project:
                return None
        if importer.tree is not None and importer.tree in allowed:
            return None
        return rule

    def bans_for(self, path: str) -> tuple[BannedImports, ...]:
        """The `[[banned-imports]]` tables that cover the file at `path`."""
        return tuple(ban for ban in self.rule_set.banned_imports if ban.applies_to(path))
