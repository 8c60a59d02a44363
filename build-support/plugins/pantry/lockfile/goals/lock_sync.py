"""`./pants lock-sync`: bring a stale lock in line with its requirement inputs, changing only
what changed.

`generate-lockfiles` re-resolves every project from scratch (minutes, and any pin may move).
When only a few requirement inputs were added or changed (as `build-support/bin/adopt`
does), only those are resolved:

- *added only* (the common case): `pex3 lock create` of just the new requirements, with every
  locked version as a constraint, merged into the lock (`merge_lock_bodies`). pip then reads
  the index pages of the new projects and their dependencies only; most of a resolve's time is
  pip evaluating the thousands of files on the pages of big projects (coverage, grimp, black),
  and none of ours is read again. When the new requirements need another version of something
  we lock (botocore needs urllib3<1.27 on Python 3.9, and a universal lock has one urllib3),
  pip names the constraint in conflict; it is released and the resolve retried, and the merge
  moves that project, provided every locked project that depends on it accepts the new
  version. The lock-diff table shows each move;
- otherwise pex's lock-update machinery: `pex3 lock update` with `--project=REQ` for a new
  requirement, `--replace-project=REQ` for a changed one and `--delete-project=NAME` for one no
  longer declared; every other pin stays (but pip reads every top-level project's page).

The Pants header is rewritten from the inputs declared now (Pants' own
`PythonLockfileMetadata`), so the result is as fresh as `generate-lockfiles` would make it.
Then the lock-diff table is printed.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from typing import Iterable, cast

from packaging.utils import canonicalize_name  # pants: no-infer-dep
from pantry.errors import PantryError
from pantry.lockfile.diff_table import render_diff
from pantry.lockfile.freshness import regenerate_command
from pantry.lockfile.lock_analysis import diff_locks, parse_requirement
from pantry.lockfile.lock_model import parse_lock, split_header
from pantry.lockfile.util_rules.pex_lock_update import PexLockUpdate, PexLockUpdateRequest
from pantry.lockfile.util_rules.resolve_lock import (
    ResolveFreshness,
    ResolveFreshnessRequest,
    ResolveLock,
)
from pants.backend.python.pip_requirement import PipRequirement
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.util_rules.lockfile_metadata import (
    PythonLockfileMetadata,
    PythonLockfileMetadataV2,
)
from pants.backend.python.util_rules.pex_cli import PexCliProcess
from pants.backend.python.util_rules.pex_requirements import (
    ResolvePexConfig,
    ResolvePexConfigRequest,
)
from pants.engine.console import Console
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, Workspace
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.process import FallibleProcessResult, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, goal_rule
from pants.option.option_types import StrOption
from pants.util.docutil import bin_name
from pants.util.strutil import softwrap

PINS_FILE = "__pins.txt"


class LockSyncSubsystem(GoalSubsystem):
    name = "lock-sync"
    help = softwrap(
        f"""
        Update a resolve's lockfile for the requirement inputs that were added, changed or
        removed since it was generated, keeping every other pin (pex's lock update), then
        print the lock-diff table. Faster than `{bin_name()} generate-lockfiles` and moves
        nothing else; use that when the interpreter constraints change (lock-sync refuses
        that case with an error and changes nothing). Exits 1 only when pex cannot update the
        lock for the changed inputs (a finding: its output says which requirement conflicts).
        """
    )
    resolve = StrOption(
        default=None,
        help="The resolve whose lockfile to sync. Default: `[python].default_resolve`.",
    )


class LockSyncGoal(Goal):
    subsystem_cls = LockSyncSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


@dataclasses.dataclass(frozen=True)
class SyncArgs:
    """pex3 lock update arguments for the difference between the lock's inputs and ours."""

    add: tuple[str, ...]
    replace: tuple[str, ...]
    delete: tuple[str, ...]

    def pex_args(self) -> tuple[str, ...]:
        return (
            *(f"--project={r}" for r in self.add),
            *(f"--replace-project={r}" for r in self.replace),
            *(f"--delete-project={n}" for n in self.delete),
        )

    def describe(self) -> str:
        parts = [
            f"{label} {', '.join(items)}"
            for label, items in (
                ("add", self.add),
                ("replace", self.replace),
                ("delete", self.delete),
            )
            if items
        ]
        return "; ".join(parts)


def sync_args(declared: list[str], locked: list[str]) -> SyncArgs:
    """What to tell pex, from the requirement strings declared now and those the lock was made
    from. A project declared with another specifier or marker is replaced, not added."""

    def by_name(requirements: list[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for requirement in requirements:
            out.setdefault(parse_requirement(requirement).name, set()).add(requirement)
        return out

    now, before = by_name(declared), by_name(locked)
    add, replace = [], []
    for name, requirements in sorted(now.items()):
        if name not in before:
            add += sorted(requirements)
        elif requirements != before[name]:
            replace += sorted(requirements)
    delete = sorted(name for name in before if name not in now)
    return SyncArgs(tuple(add), tuple(replace), tuple(delete))


class InterpreterConstraintsChangedError(PantryError):
    """lock-sync was asked to sync a lock whose resolve now has other interpreter constraints.

    Bad input for this goal, not a finding: it cannot do what was asked (only
    `generate-lockfiles` can), so it raises instead of reporting and exiting 1.
    """


class LockMergeError(PantryError):
    """Two pex locks that cannot be merged (a project locked at two versions)."""


class DependentBreaksError(LockMergeError):
    """Moving a project breaks a locked project that requires it: that one must move too."""

    def __init__(self, message: str, dependent: str) -> None:
        super().__init__(message)
        self.dependent = dependent


_CONFLICTING_CONSTRAINT = re.compile(r"The user requested \(constraint\) ([A-Za-z0-9][\w.-]*)==")


def conflicting_constraints(pip_error: str) -> set[str]:
    """The locked projects whose pins pip says make the resolve impossible."""
    return {canonicalize_name(n) for n in _CONFLICTING_CONSTRAINT.findall(pip_error)}


# pip's conflict report, lines prefixed `pip: ` by pex: `botocore 1.42.91 depends on
# urllib3<1.27 and >=1.25.4; python_version < "3.10"` (pip writes a specifier's commas as ", "
# and the last one as " and ").
_DEPENDS_ON = re.compile(
    r"^(?:pip:)?\s*[A-Za-z0-9][\w.-]* \S+ depends on "
    r"([A-Za-z0-9][\w.-]*)(?:\[[^\]]*\])?([^;\n]*)",
    re.M,
)


def demanded_specifiers(pip_error: str) -> dict[str, set[str]]:
    """What pip's conflict report says the new requirements need of each project, as
    specifiers: {"urllib3": {"<1.27,>=1.25.4", ...}}."""
    demanded: dict[str, set[str]] = {}
    for name, specifier in _DEPENDS_ON.findall(pip_error):
        specifier = specifier.replace(" and ", ",").replace(" ", "")
        demanded.setdefault(canonicalize_name(name), set()).add(specifier)
    return demanded


def _pkg_requirement(text: str):
    # Pants' own requirement type (pkg_resources underneath), as its lock code does.
    return PipRequirement.parse(text).as_pkg_resources_requirement()


def specifiers_overlap(first: str, second: str) -> bool:
    """Whether some version satisfies both specifiers (`>=2,<3` and `<1.27` do not). Tried at,
    just above and just below every version either names, so any non-empty range has one."""
    requirements = [_pkg_requirement(f"x{specifier}") for specifier in (first, second)]
    candidates = {"0"}
    for version in re.findall(r"\d+(?:\.\d+)*", f"{first},{second}"):
        release = version.split(".")
        bumped = ".".join([*release[:-1], str(int(release[-1]) + 1)])
        candidates |= {version, f"{version}.0.0.0.1", f"{version}.post999999", f"{version}.dev0"}
        candidates.add(bumped)
    return any(all(c in r for r in requirements) for c in sorted(candidates))


def dependents_to_release(
    released: set[str], demanded: dict[str, set[str]], projects: Iterable[dict]
) -> dict[str, str]:
    """The locked projects that must move with the `released` ones, predicted before the next
    resolve instead of found after it: those whose requirement on a released project excludes
    every version the new requirements need of it (pip says botocore needs urllib3<1.27 on
    Python 3.9; id 1.6.1 requires urllib3>=2, so id must move too). Requirements that apply
    only with an extra are left to the merge's check. Project -> why."""
    why: dict[str, str] = {}
    for project in projects:
        for text in project.get("requires_dists", []):
            try:
                requirement = _pkg_requirement(text)
            except ValueError:
                continue  # the merge's check refuses it, with the reason
            name = canonicalize_name(requirement.project_name)
            if name not in released or "extra" in str(requirement.marker or ""):
                continue
            ours = str(requirement.specifier)
            for needed in sorted(demanded.get(name, ())):
                if not specifiers_overlap(ours, needed):
                    why.setdefault(
                        canonicalize_name(project["project_name"]),
                        f"{project['project_name']} {project['version']} requires {text!r}, "
                        f"the new requirements {name}{needed}",
                    )
    return why


def constraints_text(versions: dict[str, str]) -> str:
    """A pip constraints file pinning every locked project to its locked version."""
    return "".join(f"{name}=={version}\n" for name, version in sorted(versions.items()))


def merge_lock_bodies(old: str, new: str, moved: frozenset[str] = frozenset()) -> str:
    """The pex lock `old` plus the projects and top-level requirements of `new` (a lock of the
    added requirements, resolved with `old`'s versions as constraints, except `moved`). A
    project in both keeps `old`'s entry, unless it is one of `moved`: then `new`'s version
    replaces it, if every project of `old` that requires it accepts that version. Written as
    pex writes locks (indent 2, sorted)."""
    old_lock, new_lock = json.loads(old), json.loads(new)
    (old_resolve,) = old_lock["locked_resolves"]
    (new_resolve,) = new_lock["locked_resolves"]
    projects = {p["project_name"]: p for p in old_resolve["locked_requirements"]}
    for project in new_resolve["locked_requirements"]:
        name = project["project_name"]
        if name in projects and projects[name]["version"] != project["version"]:
            if name not in moved:
                raise LockMergeError(
                    f"{name} is locked at {projects[name]['version']} but the new requirements "
                    f"resolved {project['version']}"
                )
            _check_dependents(name, project["version"], projects.values())
            projects[name] = project
        projects.setdefault(name, project)
    old_resolve["locked_requirements"] = [projects[name] for name in sorted(projects)]
    # Released projects were resolved as requirements only so that they could move.
    added = {r for r in new_lock["requirements"] if parse_requirement(r).name not in moved}
    old_lock["requirements"] = sorted({*old_lock["requirements"], *added})
    return json.dumps(old_lock, indent=2, sort_keys=True) + "\n"


def _check_dependents(name: str, version: str, projects) -> None:
    for project in projects:
        for text in project.get("requires_dists", []):
            try:  # Pants' own requirement type (pkg_resources underneath), as its lock code does
                requirement = PipRequirement.parse(text).as_pkg_resources_requirement()
            except ValueError:  # unreadable: be safe, refuse to move
                raise LockMergeError(f"cannot read {project['project_name']}'s {text!r}")
            if canonicalize_name(requirement.project_name) != name:
                continue
            if version not in requirement:
                raise DependentBreaksError(
                    f"moving {name} to {version} breaks {project['project_name']} "
                    f"{project['version']}, which requires {text!r}",
                    project["project_name"],
                )


@goal_rule
async def lock_sync(
    console: Console,
    subsystem: LockSyncSubsystem,
    workspace: Workspace,
    python_setup: PythonSetup,
) -> LockSyncGoal:
    option = "[lock-sync].resolve"
    freshness = await Get(ResolveFreshness, ResolveFreshnessRequest(subsystem.resolve, option))
    lock = freshness.lock
    if freshness.duplicates:
        freshness.raise_if_stale()  # one project declared twice: nothing sensible to sync to
    if not freshness.is_stale:
        console.print_stderr(f"{lock.path} is up to date with its inputs; nothing to sync.")
        return LockSyncGoal(exit_code=0)
    if freshness.staleness.interpreter_constraints:
        now, then = freshness.staleness.interpreter_constraints
        raise InterpreterConstraintsChangedError(
            f"{lock.path} was locked for {then}, the resolve `{lock.resolve}` now needs {now}"
            " ([python].resolves_to_interpreter_constraints): that is a new resolve, not an"
            f" update, so lock-sync changed nothing. Run"
            f" `{regenerate_command(lock.resolve, bin_name())}`."
        )

    metadata = PythonLockfileMetadata.from_lockfile(
        lock.text.encode("utf-8"), lock.path, lock.resolve, delimeter="//"
    )
    args = sync_args(
        [str(r) for r in freshness.declared], [str(r) for r in getattr(metadata, "requirements")]
    )
    _, body = split_header(lock.text)
    resolve_config = await Get(ResolvePexConfig, ResolvePexConfigRequest(lock.resolve))
    new_body = None
    if args.add and not args.replace and not args.delete:
        versions = {name: project.version for name, project in lock.projects.items()}
        released: set[str] = set()
        locked_projects = [
            project
            for resolve in json.loads(body)["locked_resolves"]
            for project in resolve["locked_requirements"]
        ]
        for attempt in range(1, 7):  # each retry releases what pip or the merge names in the way
            pins = {name: v for name, v in versions.items() if name not in released}
            constraints = await Get(
                Digest,
                CreateDigest([FileContent(PINS_FILE, constraints_text(pins).encode("utf-8"))]),
            )
            # The Get is in the rule body: Pants finds a rule's Gets there, not in helpers.
            started = time.monotonic()
            created = await Get(
                FallibleProcessResult,
                PexCliProcess,
                lock_added_process(
                    args,
                    sorted(released),
                    constraints,
                    metadata,
                    resolve_config,
                    python_setup,
                    lock,
                ),
            )
            console.print_stderr(
                f"Resolve {attempt} of the new requirements"
                + (f" ({', '.join(sorted(released))} free to move)" if released else "")
                + f": {'resolved' if created.exit_code == 0 else 'in conflict'}, "
                f"{time.monotonic() - started:.1f} s."
            )
            if created.exit_code == 0:
                added = await Get(DigestContents, Digest, created.output_digest)
                try:
                    new_body = merge_lock_bodies(
                        body, added[0].content.decode("utf-8"), frozenset(released)
                    )
                    break
                except DependentBreaksError as error:
                    conflicts = {error.dependent}
                    reason = str(error)
                except LockMergeError as error:
                    console.print_stderr(f"Merging the new requirements' lock failed ({error}).")
                    break
            else:
                pip_error = created.stderr.decode("utf-8", "replace")
                conflicts = conflicting_constraints(pip_error)
                reason = "pip names their pins as in conflict"
                # What must move with them, known now rather than after one more resolve.
                dependents = dependents_to_release(
                    conflicts | released,
                    demanded_specifiers(pip_error),
                    locked_projects,
                )
                if dependents and conflicts - released:
                    conflicts |= set(dependents)
                    reason += "; " + "; ".join(dependents[d] for d in sorted(dependents))
            if not conflicts or conflicts <= released:
                break
            console.print_stderr(
                f"The new requirements need other versions of {', '.join(sorted(conflicts))} "
                f"({reason}); resolving again with those free to move."
            )
            released |= conflicts
        if new_body is None:
            console.print_stderr(
                "The new requirements need other versions of locked projects; updating the "
                "lock with pex's lock update instead (it may move those pins)."
            )
    if new_body is None:
        updated = await Get(
            PexLockUpdate,
            PexLockUpdateRequest(
                resolve=lock.resolve,
                body=body,
                selection=args.pex_args(),
                description=f"Sync {lock.path} with its inputs ({args.describe()})",
            ),
        )
        if updated.body is None:
            console.print_stderr(
                f"pex could not update {lock.path} (resolve `{lock.resolve}`) for "
                f"{args.describe()}; the lockfile is unchanged. pex said:\n\n{updated.stderr}"
            )
            return LockSyncGoal(exit_code=1)
        new_body = updated.body

    # The freshness check above read a header with `requirements`: version 2 or later.
    new_metadata = dataclasses.replace(
        cast(PythonLockfileMetadataV2, metadata), requirements=set(freshness.declared)
    )
    new_text = new_metadata.add_header_to_lockfile(
        new_body.encode("utf-8"),
        delimeter="//",
        regenerate_command=regenerate_command(lock.resolve, bin_name()),
    ).decode("utf-8")
    diff = diff_locks(lock.projects, parse_lock(new_text, source=f"{lock.path} as pex updated it"))
    workspace.write_digest(
        await Get(Digest, CreateDigest([FileContent(lock.path, new_text.encode("utf-8"))]))
    )
    console.print_stdout(
        render_diff(diff, resolve=lock.resolve, old_label=lock.path, new_label="after lock-sync"),
        end="",
    )
    console.print_stderr(f"\nWrote {lock.path} ({args.describe()}).")
    return LockSyncGoal(exit_code=0)


def lock_added_process(
    args: SyncArgs,
    released: list[str],
    constraints: Digest,
    metadata: PythonLockfileMetadata,
    resolve_config: ResolvePexConfig,
    python_setup: PythonSetup,
    lock: ResolveLock,
) -> PexCliProcess:
    """`pex3 lock create` of the added requirements (and the `released` projects, so that they
    can move), the locked versions in `constraints` (PINS_FILE) as constraints."""
    return PexCliProcess(
        subcommand=("lock", "create"),
        extra_args=(
            "--output=added.json",
            "--no-emit-warnings",
            # As Pants' generate-lockfiles makes the lock (so the merge is one lock).
            "--style=universal",
            "--pip-version",
            python_setup.pip_version.value,
            "--resolver-version",
            "pip-2020-resolver",
            "--target-system",
            "linux",
            "--target-system",
            "mac",
            "--indent=2",
            *resolve_config.pex_args(),
            f"--constraints={PINS_FILE}",
            *metadata.valid_for_interpreter_constraints.generate_pex_arg_list(),
            *args.add,
            *released,
        ),
        additional_input_digest=constraints,
        output_files=("added.json",),
        description=f"Lock only the new requirements of {lock.path} ({args.describe()})",
        cache_scope=ProcessCacheScope.PER_SESSION,
    )


def rules():
    return collect_rules()
