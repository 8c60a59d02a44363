"""Refuse a stale lock whenever a goal consumes a requirement the lock was not made from.

Why: Pants 2.17 compares a lockfile's header with the requirements a goal consumes only when
the goal installs the *entire* lockfile. When it installs a subset (every `test`, `run`,
`package` and tool PEX), it leaves the check to pex, which only asks whether the locked
versions satisfy the consumed requirements. So `pytest>=8` edited to `pytest>=8.1` passes
silently on a lock made from the old input, and `pytest>=9` fails deep inside pex with
"Dependency on pytest not satisfied", with no word about the lock being stale.

How: `pants.backend.python.util_rules.pex` calls the module-level `validate_metadata(...)`
(looked up at call time) before it builds any PEX from a lockfile. We wrap it: when Pants
subsets, every consumed requirement that pins something (a version specifier, a URL or a
marker, i.e. a requirement input written in `3rdparty/python/*.txt` or a BUILD file) must be
one of the header's `generated_with_requirements`, by Pants' own requirement equality. Bare
names (`pytest`, `coverage[toml]`: how tools name what they install from the resolve) are
left to pex. Only the header is read, so the check is offline and costs nothing;
`[python].invalid_lockfile_behavior` decides between error, warning and silence, as for
Pants' own check.

Guarded: it wraps only the Pants it was written for (`pantry.pants_patch`), and fails naming
itself on any other. Remove this when Pants validates subsets itself (or `lock_model`'s
whole-resolve freshness check moves into a Pants hook that every goal runs).
"""

from __future__ import annotations

import functools
import inspect
import logging
from typing import Any, Callable, Iterable

from packaging.utils import canonicalize_name  # pants: no-infer-dep
from pantry.lockfile.freshness import (
    DeclaredRequirement,
    Staleness,
    render_staleness,
)
from pantry.pants_patch import require_pants_version
from pants.backend.python.pip_requirement import PipRequirement
from pants.backend.python.subsystems.setup import InvalidLockfileBehavior
from pants.core.util_rules.lockfile_metadata import InvalidLockfileError
from pants.util.docutil import bin_name

logger = logging.getLogger(__name__)

_WRAPPED_MARKER = "_pantry_checks_consumed_requirements"


def pins_something(requirement: PipRequirement) -> bool:
    """Whether a requirement says more than a project name (and extras)."""
    pkg_requirement = requirement.as_pkg_resources_requirement()
    # pkg_resources' Requirement subclasses packaging's, which has `url`; its stubs omit it.
    url = pkg_requirement.url  # type: ignore[attr-defined]
    return bool(pkg_requirement.specs or url or pkg_requirement.marker)


def unlocked_requirements(
    consumed: Iterable[PipRequirement], locked: Iterable[PipRequirement]
) -> list[PipRequirement]:
    """The consumed requirements that pin something and are not among `locked`, sorted."""
    locked_set = set(locked)
    return sorted({r for r in consumed if pins_something(r) and r not in locked_set}, key=str)


def staleness_for(
    unlocked: list[PipRequirement], locked: Iterable[PipRequirement], resolve: str, lock_path: str
) -> Staleness:
    names = {canonicalize_name(r.project_name) for r in unlocked}
    return Staleness(
        resolve=resolve,
        lock_path=lock_path,
        undeclared_in_lock=tuple(DeclaredRequirement(str(r)) for r in unlocked),
        no_longer_declared=tuple(
            sorted(str(r) for r in locked if canonicalize_name(r.project_name) in names)
        ),
    )


def check_consumed_requirements(original: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    """Pants' check (`original`, called with the arguments as given) first, then ours for the
    subsetting case Pants leaves to pex. Arguments are read by the names `original` declares."""
    bound = inspect.signature(original).bind(*args, **kwargs)
    # An iterable may be a one-shot generator: read it once, for Pants' check and ours.
    consumed_req_strings = tuple(bound.arguments["consumed_req_strings"])
    bound.arguments["consumed_req_strings"] = consumed_req_strings
    original(*bound.args, **bound.kwargs)
    metadata = bound.arguments["metadata"]
    lockfile = bound.arguments["lockfile"]
    validate_consumed_req_strings = bound.arguments["validate_consumed_req_strings"]
    python_setup = bound.arguments["python_setup"]
    behavior = python_setup.invalid_lockfile_behavior
    locked = getattr(metadata, "requirements", None)
    if (
        validate_consumed_req_strings
        or locked is None
        or behavior == InvalidLockfileBehavior.ignore
    ):
        return
    unlocked = unlocked_requirements(
        (PipRequirement.parse(s) for s in consumed_req_strings), locked
    )
    if not unlocked:
        return
    message = render_staleness(
        staleness_for(unlocked, locked, lockfile.resolve_name, lockfile.url),
        bin_name=bin_name(),
        consumed=True,
    )
    if behavior == InvalidLockfileBehavior.error:
        raise InvalidLockfileError(message)
    logger.warning(message)


def install() -> None:
    """Wrap `validate_metadata` where `pex.py` looks it up. Idempotent."""
    require_pants_version(
        "pantry.lockfile (wraps pex.validate_metadata)",
        "pants.backend.python.util_rules.pex.validate_metadata, its parameter names and that "
        "pex.py looks it up at call time",
    )
    from pants.backend.python.util_rules import pex

    original = pex.validate_metadata
    if getattr(original, _WRAPPED_MARKER, False):
        return

    @functools.wraps(original)
    def validate_metadata(*args: Any, **kwargs: Any) -> None:
        check_consumed_requirements(original, *args, **kwargs)

    setattr(validate_metadata, _WRAPPED_MARKER, True)
    pex.validate_metadata = validate_metadata
