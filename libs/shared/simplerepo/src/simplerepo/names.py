"""Project names as PEP 503 defines them: validity and normalization."""

from __future__ import annotations

import re

# PEP 508 name grammar; PEP 503 normalization applies only to valid names.
_VALID_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_SEPARATOR_RUNS = re.compile(r"[-_.]+")


def is_valid_name(name: str) -> bool:
    """Return True if `name` is a valid project name (e.g. `Foo.Bar_baz`)."""
    return bool(_VALID_NAME.match(name))


def normalize_name(name: str) -> str:
    """Return the PEP 503 normalized form: `Foo.Bar__baz` -> `foo-bar-baz`."""
    return _SEPARATOR_RUNS.sub("-", name).lower()
