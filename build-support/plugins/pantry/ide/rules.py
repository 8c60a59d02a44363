"""Engine glue for `./pants ide`: ask the build graph and Pants' export, let the pure
`plan.plan_ide` decide (with `layout`, `interpreters`, `venv_state`, `editor_config`), then
carry the plan out: export the stale venvs, write with `files`, print `IdePlan.report`.

Order matters for "nothing half-written": the editor settings are read and checked first,
then the venvs are built (an interpreter or resolve failure stops here, before anything on
disk changed), exported only where stale, and finally the `.pth` files and settings are
written all-or-nothing.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from collections import defaultdict
from dataclasses import dataclass

from pantry.errors import PantryError
from pantry.ide import files, layout, plan
from pantry.ide.goal import Ide, IdeSubsystem
from pantry.ide.interpreters import venv_interpreter_constraints
from pantry.ide.venv_state import ExportRecord
from pants.backend.python.goals.export import VenvExportRequest
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import PexLayout, PythonResolveField, PythonSourceField
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.pex import PexRequest
from pants.backend.python.util_rules.pex_environment import PythonExecutable
from pants.backend.python.util_rules.pex_requirements import EntireLockfile, Lockfile
from pants.base.build_root import BuildRoot
from pants.core.goals.export import ExportResult
from pants.core.util_rules.distdir import DistDir
from pants.engine.console import Console
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import DigestContents, GlobMatchErrorBehavior, PathGlobs, Workspace
from pants.engine.process import (
    InteractiveProcess,
    InteractiveProcessResult,
    ProcessExecutionFailure,
)
from pants.engine.rules import Effect, Get, MultiGet, collect_rules, goal_rule, rule
from pants.engine.target import AllTargets
from pants.source.source_root import SourceRootsRequest, SourceRootsResult
from pants.util.dirutil import safe_rmtree
from pants.util.strutil import path_safe


class MissingInterpreterError(PantryError):
    """No interpreter on the search path satisfies a resolve's venv constraints."""


class IdeError(PantryError):
    """`./pants ide` stopped before writing anything it could not finish; the message says why."""


class VenvBuildError(PantryError):
    """Building or exporting a resolve's virtualenv failed for another reason."""


def _tail(output: bytes, lines: int = 15) -> str:
    text = output.decode(errors="replace").strip().splitlines()
    return "\n".join(f"    {line}" for line in text[-lines:])


@dataclass(frozen=True)
class FirstPartyPython:
    """Every owned first-party Python file, with its resolves and source root."""

    files: tuple[layout.PythonFile, ...]


@rule(desc="Find first-party Python source roots per resolve")
async def find_first_party_python(
    all_targets: AllTargets, python_setup: PythonSetup
) -> FirstPartyPython:
    resolves: dict[str, set[str]] = defaultdict(set)
    for target in all_targets:
        if target.has_field(PythonSourceField) and target.has_field(PythonResolveField):
            path = target[PythonSourceField].file_path
            resolves[path].add(target[PythonResolveField].normalized_value(python_setup))
    found = await Get(SourceRootsResult, SourceRootsRequest, SourceRootsRequest.for_files(resolves))
    roots = {str(path): root.path for path, root in found.path_to_root.items()}
    return FirstPartyPython(
        tuple(
            layout.PythonFile(path, tuple(sorted(resolves[path])), roots[path])
            for path in sorted(resolves)
        )
    )


@dataclass(frozen=True)
class IdeVenvRequest:
    resolve: str


@dataclass(frozen=True)
class IdeVenv:
    """A resolve's venv as Pants' export would write it, and the record of its inputs."""

    record: ExportRecord
    export: ExportResult


@rule(desc="Build a resolve's virtualenv for editors")
async def build_ide_venv(request: IdeVenvRequest, python_setup: PythonSetup) -> IdeVenv:
    resolve = request.resolve
    lockfile_path = python_setup.resolves[resolve]
    constraints = InterpreterConstraints(
        venv_interpreter_constraints(
            python_setup.resolves_to_interpreter_constraints.get(
                resolve, python_setup.interpreter_constraints
            ),
            python_setup.interpreter_constraints,
            python_setup.interpreter_versions_universe,
        )
    )
    lock_contents = await Get(
        DigestContents,
        PathGlobs(
            [lockfile_path],
            glob_match_error_behavior=GlobMatchErrorBehavior.error,
            description_of_origin=f"the lockfile of resolve `{resolve}` ([python].resolves)",
        ),
    )
    try:
        await Get(PythonExecutable, InterpreterConstraints, constraints)
    except ProcessExecutionFailure as failure:
        version = constraints.minimum_python_version(python_setup.interpreter_versions_universe)
        raise MissingInterpreterError(
            f"No Python interpreter for resolve `{resolve}`: its editor venv needs"
            f" {' OR '.join(map(str, constraints))} (the project default"
            " `[python].interpreter_constraints` if the resolve allows it, else"
            " `[python.resolves_to_interpreter_constraints]`), and none was found on"
            f" `[python-bootstrap].search_path`. Install one (e.g. `pyenv install {version}`)"
            " or point the search path at it (PANTS_PYTHON_BOOTSTRAP_SEARCH_PATH). Nothing was"
            f" written. pex said:\n{_tail(failure.stderr)}"
        ) from None
    pex_request = PexRequest(
        description=f"Build pex for resolve `{resolve}`",
        output_filename=f"{path_safe(resolve)}.pex",
        internal_only=True,
        requirements=EntireLockfile(
            Lockfile(
                url=lockfile_path,
                url_description_of_origin=f"the resolve `{resolve}`",
                resolve_name=resolve,
            )
        ),
        interpreter_constraints=constraints,
        layout=PexLayout.PACKED,
    )
    try:
        export = await Get(
            ExportResult,
            VenvExportRequest(
                pex_request,
                os.path.join("python", "virtualenvs"),
                resolve,
                qualify_path_with_python_version=True,
            ),
        )
    except ProcessExecutionFailure as failure:
        raise VenvBuildError(
            f"Could not build the virtualenv for resolve `{resolve}` from {lockfile_path}:"
            f" {str(failure).splitlines()[0]} Nothing was written. Its output ends with:\n"
            f"{_tail(failure.stderr)}\n"
            f"Check that `./pants export --resolve={resolve}` works; if the lockfile is stale,"
            f" run `./pants generate-lockfiles --resolve={resolve}`."
        ) from None
    record = ExportRecord(
        resolve=resolve,
        lockfile=lockfile_path,
        lockfile_sha256=hashlib.sha256(lock_contents[0].content).hexdigest(),
        interpreter_constraints=tuple(str(constraint) for constraint in constraints),
        python_version=posixpath.basename(export.reldir),
    )
    return IdeVenv(record, export)


@goal_rule(desc="Prepare virtualenvs and editor settings")
async def ide(
    console: Console,
    subsystem: IdeSubsystem,
    build_root: BuildRoot,
    dist_dir: DistDir,
    python_setup: PythonSetup,
    first_party: FirstPartyPython,
    workspace: Workspace,
) -> Ide:
    if not python_setup.enable_resolves:
        raise IdeError(
            "ide: `[python].enable_resolves` is false: `./pants ide` exports one virtualenv per"
            " resolve (`[python.resolves]`). Set it to true in pants.toml."
        )
    root = build_root.pathlib_path
    trees = layout.trees(first_party.files, python_setup.default_resolve)
    if not trees:
        raise IdeError(
            "ide: no first-party Python code (python_sources/python_tests targets) found."
        )
    try:
        settings_files = plan.read_settings_files(
            root, pyright=subsystem.pyright, vscode=subsystem.vscode
        )
        venvs = await MultiGet(Get(IdeVenv, IdeVenvRequest(tree.resolve)) for tree in trees)
    except PantryError as error:
        raise IdeError(f"ide: {error}") from None

    export_dir = os.path.join(str(dist_dir.relpath), "export")
    ide_plan = plan.plan_ide(
        build_root=root,
        venvs=[
            plan.VenvInput(
                tree,
                venv.record,
                os.path.join(export_dir, venv.export.reldir),
                plan.venv_facts(root / export_dir / venv.export.reldir, venv.record.python_version),
            )
            for tree, venv in zip(trees, venvs)
        ],
        settings_files=settings_files,
        execution_roots=layout.execution_roots(first_party.files, python_setup.default_resolve),
        force=subsystem.force,
    )

    results = {tree.resolve: venv.export for tree, venv in zip(trees, venvs)}
    for export in ide_plan.exports:
        console.print_stderr(export.announcement)
        # What Pants 2.17's `export` goal does with an ExportResult (core/goals/export.py,
        # `export`: remove the directory, write the digest, run the post-processing commands
        # with only PATH), copied because Pants has it inline in its goal rule, which no
        # other rule can call, and because it rewrites every venv on every run: here only
        # stale ones. Use Pants' code instead once it exposes it as a rule or function.
        safe_rmtree(str(export.venv_dir))
        workspace.write_digest(results[export.resolve].digest, path_prefix=export.relative_dir)
        path_env = await Get(EnvironmentVars, EnvironmentVarsRequest(["PATH"]))
        for command in results[export.resolve].post_processing_cmds:
            result = await Effect(
                InteractiveProcessResult,
                InteractiveProcess(
                    argv=tuple(arg.format(digest_root=export.venv_dir) for arg in command.argv),
                    env={"PATH": path_env.get("PATH", ""), **command.extra_env},
                    run_in_workspace=True,
                ),
            )
            if result.exit_code:
                raise IdeError(
                    f"ide: exporting `{export.resolve}` failed: `{' '.join(command.argv)}`"
                    f" exited with {result.exit_code} (its output is above)."
                    f" {export.relative_dir} is incomplete and will be rebuilt by the next"
                    " `./pants ide`; no editor settings were written."
                )
        try:
            files.write_all([export.stamp])
        except files.UnwritableFileError as error:
            raise IdeError(f"ide: {error}") from None

    try:
        written = files.write_all(ide_plan.writes)
    except files.UnwritableFileError as error:
        raise IdeError(f"ide: {error}") from None
    for line in ide_plan.report(written):
        console.print_stdout(line)
    return Ide(exit_code=0)


def rules():
    return collect_rules()
