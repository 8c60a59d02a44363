"""Raise the pip that Pants 2.17 asks pex to use from 23.1.2 to 24.2.

Why: Pants 2.17 caps `[python].pip_version` at 23.1.2, and pex refuses that pip for
CPython >= 3.12 ("Pip 23.1.2 requires Python <3.12"), so one universal lock for
CPython 3.9-3.13 and tests on 3.12/3.13 are impossible without this. pex 2.19.1 (pinned
in pants.toml) knows pip 24.2, which supports every Python we test on.

How: Pants reads the value only as `PythonSetup.pip_version.value` (lock generation and
every pex invocation), so replacing that one attribute is the whole patch. As a side
effect `[python].pip_version` is no longer an option: do not set it in pants.toml.

Guarded: it patches only the Pants it was written for (`pantry.pants_patch`), and fails
naming itself on any other. Remove this backend when Pants can be upgraded to a release that
accepts newer pips.
"""

from __future__ import annotations

from dataclasses import dataclass

from pantry.pants_patch import require_pants_version

PIP_VERSION = "24.2"


@dataclass(frozen=True)
class PinnedPipVersion:
    """Quacks like the `PipVersion` enum member Pants expects: only `.value` is read."""

    value: str = PIP_VERSION


def raise_pip_version() -> None:
    """Replace `PythonSetup.pip_version` with a property giving PIP_VERSION. Idempotent."""
    require_pants_version(
        "pantry.modern_python (replaces PythonSetup.pip_version)",
        "PythonSetup.pip_version, read as `.value` where Pants hands pex its pip",
    )
    from pants.backend.python.subsystems.setup import PythonSetup

    # An option descriptor replaced by a property: mypy types the attribute as the option.
    PythonSetup.pip_version = property(lambda self: PinnedPipVersion())  # type: ignore[assignment]
