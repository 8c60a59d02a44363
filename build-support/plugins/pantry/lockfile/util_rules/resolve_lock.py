"""Read a resolve's lockfile from the working tree, and check it is fresh, offline.

`read_resolve_lock` gives the lock's text and its parsed projects (`lock_model`).
`check_resolve_freshness` compares the requirement inputs every target of the resolve
declares now with the `generated_with_requirements` Pants wrote into the lock's header,
using Pants' own requirement equality (as `generate-lockfiles` would see them). No process
runs and nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from pantry.errors import PantryError
from pantry.lockfile.freshness import (
    DeclaredRequirement,
    DuplicateDeclaration,
    Staleness,
    duplicate_declarations,
    regenerate_command,
    render_duplicates,
    render_staleness,
)
from pantry.lockfile.lock_model import LockedProject, LockfileParseError, parse_lock
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import (
    PythonRequirementResolveField,
    PythonRequirementsField,
)
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.lockfile_metadata import PythonLockfileMetadata
from pants.core.util_rules.lockfile_metadata import NoLockfileMetadataBlock
from pants.engine.fs import DigestContents, PathGlobs
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import AllTargets
from pants.util.docutil import bin_name
from pants.util.frozendict import FrozenDict
from pants.util.strutil import softwrap


class UnknownResolveError(PantryError):
    """A resolve name that `[python].resolves` does not define."""


class MissingLockfileError(PantryError):
    """A resolve whose lockfile does not exist in the working tree."""


class StaleLockfileError(PantryError):
    """A lockfile generated from other requirement inputs than are declared now."""


class DuplicateRequirementError(PantryError):
    """One project declared by more than one requirement input of a resolve."""


@dataclass(frozen=True)
class ResolveLockRequest:
    """`resolve` names a key of `[python].resolves`; None means `[python].default_resolve`.

    `option` names where the resolve came from (e.g. `[lock-diff].resolve`), for messages.
    """

    resolve: str | None
    option: str


@dataclass(frozen=True)
class ResolveLock:
    resolve: str
    path: str
    text: str
    projects: FrozenDict[str, LockedProject]


@rule(desc="Read a resolve's lockfile")
async def read_resolve_lock(request: ResolveLockRequest, python_setup: PythonSetup) -> ResolveLock:
    resolve = request.resolve or python_setup.default_resolve
    path = python_setup.resolves.get(resolve)
    if path is None:
        raise UnknownResolveError(
            softwrap(
                f"""
                {request.option} is {resolve!r}, which is not a resolve: `[python].resolves`
                defines {', '.join(repr(name) for name in sorted(python_setup.resolves))}.
                """
            )
        )
    contents = await Get(DigestContents, PathGlobs([path]))
    if not contents:
        raise MissingLockfileError(
            f"The lockfile {path} of the resolve `{resolve}` does not exist. Create it with "
            f"`{regenerate_command(resolve, bin_name())}`."
        )
    text = contents[0].content.decode("utf-8")
    projects = parse_lock(text, source=path)
    return ResolveLock(resolve=resolve, path=path, text=text, projects=FrozenDict(projects))


@dataclass(frozen=True)
class ResolveFreshnessRequest:
    resolve: str | None
    option: str


@dataclass(frozen=True)
class ResolveFreshness:
    """A resolve's lock, whether it matches its inputs, and whether the inputs are each
    declared once (two declarations of one project can only disagree, or come to)."""

    lock: ResolveLock
    staleness: Staleness
    duplicates: tuple[DuplicateDeclaration, ...] = ()
    # Every requirement the resolve's targets declare now (Pants' PipRequirement objects).
    declared: tuple = ()

    @property
    def is_stale(self) -> bool:
        return self.staleness.is_stale

    @property
    def has_problems(self) -> bool:
        return self.is_stale or bool(self.duplicates)

    def message(self) -> str:
        parts = []
        if self.duplicates:
            parts.append(render_duplicates(self.staleness.resolve, self.duplicates))
        if self.is_stale:
            parts.append(render_staleness(self.staleness, bin_name=bin_name()))
        return "\n\n".join(parts)

    def raise_if_stale(self) -> None:
        if self.duplicates:
            raise DuplicateRequirementError(self.message())
        if self.is_stale:
            raise StaleLockfileError(self.message())


@rule(desc="Check a resolve's lockfile against its requirement inputs")
async def check_resolve_freshness(
    request: ResolveFreshnessRequest, python_setup: PythonSetup, all_targets: AllTargets
) -> ResolveFreshness:
    lock = await Get(ResolveLock, ResolveLockRequest(request.resolve, request.option))
    try:
        metadata = PythonLockfileMetadata.from_lockfile(
            lock.text.encode("utf-8"), lock.path, lock.resolve, delimeter="//"
        )
    except NoLockfileMetadataBlock:
        raise LockfileParseError(
            f"{lock.path}: has no Pants metadata header (`// --- BEGIN PANTS LOCKFILE METADATA`)."
            f" Regenerate it with `{regenerate_command(lock.resolve, bin_name())}`."
        ) from None

    declared: dict = {}
    declarations = []
    for target in all_targets:
        if not target.has_fields((PythonRequirementResolveField, PythonRequirementsField)):
            continue
        if target[PythonRequirementResolveField].normalized_value(python_setup) != lock.resolve:
            continue
        for requirement in target[PythonRequirementsField].value:
            declared.setdefault(requirement, str(target.address))
            declarations.append(DeclaredRequirement(str(requirement), str(target.address)))

    locked = set(getattr(metadata, "requirements", set()))
    interpreter_constraints = InterpreterConstraints(
        python_setup.resolves_to_interpreter_constraints.get(
            lock.resolve, python_setup.interpreter_constraints
        )
    )
    locked_for = metadata.valid_for_interpreter_constraints
    return ResolveFreshness(
        lock,
        Staleness(
            resolve=lock.resolve,
            lock_path=lock.path,
            undeclared_in_lock=tuple(
                sorted(
                    DeclaredRequirement(str(requirement), origin)
                    for requirement, origin in declared.items()
                    if requirement not in locked
                )
            ),
            no_longer_declared=tuple(sorted(str(r) for r in locked if r not in declared)),
            interpreter_constraints=(
                (str(interpreter_constraints), str(locked_for))
                if interpreter_constraints != locked_for
                else None
            ),
        ),
        duplicates=duplicate_declarations(declarations),
        declared=tuple(sorted(declared, key=str)),
    )


def rules():
    return collect_rules()
