"""`./pants lint` runs the import rules checker over the whole repository, in one process.

Import rules are a property of the whole repository, so there is one partition with one
element, `ImportRulesScope` (the targets `lint` was given): a partition of field sets
would be split into batches by `[lint].batch_size`. What the checker reads:

- every Python file of every target, with its source root, so that imports resolve;
  those of the given targets are checked, the others are context (`"check": false`);
- the explicit `dependencies=[...]` of the given targets, as written in their BUILD file;
- the given `file` targets whose source ends in `.tf` (e.g. `files(name="infra",
  sources=["*.tf"])`): the local `source` of each Terraform `module` block. A `.tf` file
  that no `files` target owns is not checked.

String imports are checked as Pants infers them: when `[python-infer].string_imports` is
on, with its `string_imports_min_dots`. When the given targets are every target, the
checker is told so (`whole_repository`): then every baseline entry can be stale, else only
those about the files checked.

`run_import_rules_checker` serves both `./pants lint` and `./pants import-rules-baseline`
(`goals.baseline`), which asks the checker to rewrite the baseline and takes it out of the
sandbox.

The checker and the request format are in `checker/`; what ships it is in `shipping`.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Optional

from pantry.errors import PantryError
from pantry.import_rules.request import BuildDependency, CheckedPythonFile, CheckRequest
from pantry.import_rules.shipping import REQUEST_FILE, checker_args, checker_files
from pantry.import_rules.subsystem import ImportRules
from pants.backend.python.dependency_inference.subsystem import PythonInferSubsystem
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import PythonSourceField
from pants.backend.python.util_rules import pex
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.pex import PexRequest, VenvPex, VenvPexProcess
from pants.core.goals.lint import LintResult, LintTargetsRequest, Partitions
from pants.core.target_types import FileSourceField
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address, BuildFileAddress, BuildFileAddressRequest
from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests, PathGlobs
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import AllTargets, Dependencies, FieldSet
from pants.source.source_root import SourceRootsRequest, SourceRootsResult
from pants.util.logging import LogLevel
from pants.util.strutil import pluralize, softwrap

TERRAFORM_SUFFIX = ".tf"


class InvalidImportRulesOption(PantryError):
    """An `[import-rules]` option the checker cannot use."""


@dataclass(frozen=True)
class ImportRulesFieldSet(FieldSet):
    """Every target that can declare dependencies: python_source, python_test, file, ..."""

    required_fields = (Dependencies,)

    dependencies: Dependencies


class ImportRulesRequest(LintTargetsRequest):
    field_set_type = ImportRulesFieldSet
    # Pants 2.17's SkippableSubsystem protocol types `skip` as the SkipOption descriptor, which
    # newer mypy matches against the bool the descriptor returns.
    tool_subsystem = ImportRules  # type: ignore[assignment]


@dataclass(frozen=True)
class ImportRulesScope:
    """The one element of the one partition: the addresses of the targets to check."""

    addresses: tuple[Address, ...]

    def __str__(self) -> str:
        return f"import rules of {pluralize(len(self.addresses), 'target')}"


@dataclass(frozen=True)
class CheckerRun:
    """Run the checker on `scope`; with `write_baseline`, rewrite the baseline instead."""

    scope: ImportRulesScope
    write_baseline: bool = False


@dataclass(frozen=True)
class CheckerInput:
    """The sandbox the checker runs in: the repository files it reads, and its request."""

    digest: Digest
    files_checked: int
    baseline_file: Optional[str]


@dataclass(frozen=True)
class CheckerResult:
    """The checker's process; with `write_baseline`, its output digest holds the baseline."""

    process_result: FallibleProcessResult


@rule
async def partition_import_rules(
    request: ImportRulesRequest.PartitionRequest[ImportRulesFieldSet],
    import_rules: ImportRules,
) -> Partitions[ImportRulesScope, Any]:
    if import_rules.skip or not request.field_sets:
        return Partitions()
    addresses = tuple(sorted({field_set.address for field_set in request.field_sets}))
    return Partitions.single_partition([ImportRulesScope(addresses)])


@rule(desc="Gather the files the import rules check", level=LogLevel.DEBUG)
async def gather_checker_input(
    run: CheckerRun,
    all_targets: AllTargets,
    import_rules: ImportRules,
    python_infer: PythonInferSubsystem,
) -> CheckerInput:
    rules_file = _repo_path(import_rules.rules_file, "rules_file")
    baseline_file = _repo_path(import_rules.baseline, "baseline") if import_rules.baseline else None
    checked = set(run.scope.addresses)
    whole_repository = all(t.address in checked for t in all_targets if t.has_field(Dependencies))

    python_targets = [t for t in all_targets if t.has_field(PythonSourceField)]
    terraform_targets = [
        t
        for t in all_targets
        if t.address in checked
        and t.has_field(FileSourceField)
        and t[FileSourceField].file_path.endswith(TERRAFORM_SUFFIX)
    ]
    dependencies = sorted(
        {
            (_build_file_owner(t.address), spec)
            for t in all_targets
            if t.address in checked and t.has_field(Dependencies)
            for spec in (t[Dependencies].value or ())
        }
    )
    owners = sorted({owner for owner, _ in dependencies})

    python_sources, terraform_sources, source_roots = await MultiGet(
        Get(SourceFiles, SourceFilesRequest(t[PythonSourceField] for t in python_targets)),
        Get(SourceFiles, SourceFilesRequest(t[FileSourceField] for t in terraform_targets)),
        Get(
            SourceRootsResult,
            SourceRootsRequest.for_files(t[PythonSourceField].file_path for t in python_targets),
        ),
    )
    build_file_addresses = await MultiGet(
        Get(
            BuildFileAddress,
            BuildFileAddressRequest(owner, description_of_origin="the import-rules linter"),
        )
        for owner in owners
    )
    build_file_of = {bfa.address: bfa.rel_path for bfa in build_file_addresses}

    # A file can have several targets (e.g. `parametrize`d resolves): checked if any is.
    root_of: dict[str, str] = {}
    checked_paths = set()
    for t in python_targets:
        path = t[PythonSourceField].file_path
        root_of[path] = source_roots.path_to_root[PurePath(path)].path
        if t.address in checked:
            checked_paths.add(path)
    request = CheckRequest(
        rules_file=rules_file,
        baseline_file=baseline_file,
        python_files=tuple(
            CheckedPythonFile(path, root, path in checked_paths) for path, root in root_of.items()
        ),
        build_dependencies=tuple(
            BuildDependency(build_file_of[owner], None, owner.spec, spec)
            for owner, spec in dependencies
        ),
        terraform_files=tuple(terraform_sources.files),
        string_imports_min_dots=(
            python_infer.string_imports_min_dots if python_infer.string_imports else None
        ),
        whole_repository=whole_repository,
        write_baseline=baseline_file if run.write_baseline else None,
    ).render()

    request_digest, build_files, rule_files = await MultiGet(
        Get(Digest, CreateDigest([FileContent(REQUEST_FILE, request)])),
        Get(Digest, PathGlobs(sorted(set(build_file_of.values())))),
        # Missing files are the checker's to report (a missing baseline accepts nothing).
        Get(Digest, PathGlobs([rules_file, *([baseline_file] if baseline_file else [])])),
    )
    digest = await Get(
        Digest,
        MergeDigests(
            (
                python_sources.snapshot.digest,
                terraform_sources.snapshot.digest,
                build_files,
                rule_files,
                request_digest,
            )
        ),
    )
    files_checked = (
        len(checked_paths) + len(set(build_file_of.values())) + len(terraform_sources.files)
    )
    return CheckerInput(digest=digest, files_checked=files_checked, baseline_file=baseline_file)


@rule(desc="Run the import rules checker", level=LogLevel.DEBUG)
async def run_import_rules_checker(
    run: CheckerRun,
    import_rules: ImportRules,
    python_setup: PythonSetup,
) -> CheckerResult:
    if not import_rules.install_from_resolve:
        raise InvalidImportRulesOption(
            softwrap(
                """
                [import-rules].install_from_resolve: expected the resolve to install the
                checker's requirements from (grimp, and tomli on Python < 3.11), e.g.
                `install_from_resolve = "python-default"` in pants.toml, got nothing.
                """
            )
        )
    sources = await Get(
        Digest, CreateDigest(FileContent(path, content) for path, content in checker_files())
    )
    # The checker parses every file with `ast`, so it runs on the Python product code runs
    # on: `[python].interpreter_constraints`.
    checker, checker_input = await MultiGet(
        Get(
            VenvPex,
            PexRequest,
            import_rules.to_pex_request(
                interpreter_constraints=InterpreterConstraints(
                    python_setup.interpreter_constraints
                ),
                sources=sources,
            ),
        ),
        Get(CheckerInput, CheckerRun, run),
    )
    if run.write_baseline:
        if not checker_input.baseline_file:  # the goal refuses an empty one first
            raise InvalidImportRulesOption(
                "`[import-rules].baseline` is empty, so there is no baseline file to write. "
                "Set it, e.g. baseline = 'build-support/import-rules-baseline.txt'."
            )
        description = f"Rewrite the import rules baseline {checker_input.baseline_file}."
        output_files: tuple[str, ...] = (checker_input.baseline_file,)
    else:
        description = f"Check the import rules of {pluralize(checker_input.files_checked, 'file')}."
        output_files = ()
    result = await Get(
        FallibleProcessResult,
        VenvPexProcess(
            checker,
            argv=checker_args(REQUEST_FILE),
            input_digest=checker_input.digest,
            description=description,
            output_files=output_files,
            level=LogLevel.DEBUG,
        ),
    )
    return CheckerResult(result)


@rule(desc="Check import rules", level=LogLevel.DEBUG)
async def check_imports(request: ImportRulesRequest.Batch) -> LintResult:
    (scope,) = request.elements
    checker = await Get(CheckerResult, CheckerRun(scope))
    # Exit 0: no problems; 1: violations, project cycles or stale baseline entries (on
    # stdout); 2: bad input, e.g. a malformed rules file (one `error: <file>: <key>:
    # expected ...` line on stderr).
    return LintResult.create(request, checker.process_result)


def _build_file_owner(address: Address) -> Address:
    """The target written in the BUILD file: a generated target's generator, unparametrized."""
    owner = address.maybe_convert_to_target_generator()
    return Address(owner.spec_path, target_name=owner.target_name)


def _repo_path(value: str, option: str) -> str:
    path = posixpath.normpath(value)
    if not value or path.startswith("/") or path == ".." or path.startswith("../"):
        raise InvalidImportRulesOption(
            f"[import-rules].{option}: expected a path relative to the build root, "
            f"e.g. 'build-support/import-rules.toml', got {value!r}."
        )
    return path


def rules():
    return [*collect_rules(), *ImportRulesRequest.rules(), *pex.rules()]
