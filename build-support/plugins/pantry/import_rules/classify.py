"""Map a repository path to the tree and project it belongs to.

A path is in the tree whose directory pattern matches the most of its leading segments
(ties go to the pattern with fewer `*`; `rules_file` rejects patterns that would still
tie). The *project* is the matched directory up to the pattern's last `*`, or the whole
matched directory for a pattern without `*`:

    pattern           path                                   tree           project
    services/*        services/index/src/index/app.py        service        services/index
    services/*/infra  services/index/infra/main.tf           service-infra  services/index
    infra             infra/modules/dns/main.tf              infra          infra

Paths are relative to the repository root, with `/` separators.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Optional

from .rules_file import WILDCARD, RuleSet


@dataclass(frozen=True)
class Location:
    """Where a path sits in the rules' view of the repository; `tree` None means no tree."""

    tree: Optional[str]
    project: Optional[str]


NOWHERE = Location(tree=None, project=None)


@dataclass(frozen=True)
class _CompiledPattern:
    tree: str
    segments: tuple[str, ...]
    project_length: int

    @property
    def specificity(self) -> tuple[int, int]:
        return (len(self.segments), -self.segments.count(WILDCARD))


class Classifier:
    """Classifies paths by the trees of a `RuleSet`."""

    def __init__(self, rule_set: RuleSet) -> None:
        compiled = []
        for tree in rule_set.trees:
            for pattern in tree.patterns:
                segments = tuple(pattern.split("/"))
                wildcards = [i for i, s in enumerate(segments) if s == WILDCARD]
                project_length = wildcards[-1] + 1 if wildcards else len(segments)
                compiled.append(_CompiledPattern(tree.name, segments, project_length))
        # Most specific first, so the first match wins.
        self._patterns = tuple(sorted(compiled, key=lambda p: p.specificity, reverse=True))

    def classify(self, path: str) -> Location:
        segments = normalize_path(path).split("/")
        for pattern in self._patterns:
            if len(segments) < len(pattern.segments):
                continue
            if all(p == WILDCARD or p == s for p, s in zip(pattern.segments, segments)):
                project = "/".join(segments[: pattern.project_length])
                return Location(tree=pattern.tree, project=project)
        return NOWHERE


def normalize_path(path: str) -> str:
    """`./a//b/` -> `a/b`; the repository root is `.`."""
    return posixpath.normpath(path)
