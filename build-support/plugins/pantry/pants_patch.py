"""Guards for the few places Pantry patches Pants itself, all written against one release.

Pants 2.17 has no hook for four things Pantry needs, so four modules patch it when they are
imported (each docstring says why): `modern_python.pip_version` replaces
`PythonSetup.pip_version`, `lockfile.consumed_requirements` wraps `pex.validate_metadata`,
`lockfile.goals.lock_upgrade` sets a private `_extra_kwargs` entry of an option, and
`index_mirror.offline` adds a `PythonSetup` option and wraps the `load_lockfile` rule. Each
depends on Pants internals that may change in any release, so each first calls
`require_pants_version`, which refuses to patch any Pants but the one it was written for.
"""

from __future__ import annotations

from pantry.errors import PantryError

# The Pants release every patch was written and tested against (pants.toml `pants_version`).
WRITTEN_FOR = "2.17.1"


class PantsPatchError(PantryError):
    """A patch of Pants' internals met a Pants release it was not written for."""


def running_pants_version() -> str:
    from pants import version

    return version.VERSION


def require_pants_version(patch: str, why: str, running: str | None = None) -> None:
    """Raise unless Pants is WRITTEN_FOR; `patch` names the patching module and what it patches."""
    running = running_pants_version() if running is None else running
    if running == WRITTEN_FOR:
        return
    raise PantsPatchError(
        f"{patch} was written for Pants {WRITTEN_FOR}, but this is Pants {running}: it patches "
        f"Pants internals ({why}) that may differ here, so it refuses to run. Check that the "
        f"patched code is unchanged in Pants {running} (or that the patch is no longer needed and "
        "can go), then set WRITTEN_FOR in build-support/plugins/pantry/pants_patch.py."
    )
