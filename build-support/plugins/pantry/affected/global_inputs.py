"""The files that change how everything builds, so a change to any of them affects every target.

This is the one list; README.md beside this file documents it. Patterns are repository paths;
a trailing `/**` matches everything below a directory.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GlobalInput:
    pattern: str
    reason: str

    def matches(self, path: str) -> bool:
        if self.pattern.endswith("/**"):
            return path.startswith(self.pattern[: -len("**")])
        return path == self.pattern


GLOBAL_INPUTS: tuple[GlobalInput, ...] = (
    GlobalInput("pants.toml", "Pants configuration"),
    GlobalInput("pants.ci.toml", "CI's Pants configuration"),
    GlobalInput("pants.offline.toml", "the offline builds' Pants configuration"),
    GlobalInput("pants", "the launcher"),
    GlobalInput("build-support/launcher/**", "the launcher's pins and bootstrap"),
    GlobalInput("build-support/plugins/**", "Pantry's plugins (and their lock) run every goal"),
    GlobalInput("build-support/import-rules.toml", "the import rules every file is linted by"),
    GlobalInput("build-support/import-rules-baseline.txt", "the import-rules baseline"),
    GlobalInput("pyproject.toml", "formatter and type-checker settings for every file"),
    GlobalInput("build-support/mypy/**", "the type checker's pin, which checks every file"),
    GlobalInput("conftest.py", "a root conftest.py is loaded by every test"),
    GlobalInput(".ci/**", "the CI entry point"),
    GlobalInput("build-support/ci/**", "the CI scripts"),
)


def global_input_for(path: str) -> GlobalInput | None:
    """The global input `path` is, if any."""
    return next((candidate for candidate in GLOBAL_INPUTS if candidate.matches(path)), None)
