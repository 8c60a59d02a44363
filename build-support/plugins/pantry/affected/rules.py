"""Engine glue for `./pants affected`: ask git and the build graph, let `selection` decide."""

from __future__ import annotations

import os

from pantry.affected.build_files import compare_build_files
from pantry.affected.global_inputs import global_input_for
from pantry.affected.goal import Affected, AffectedKind, AffectedSubsystem
from pantry.affected.lock_precision import lock_seeds
from pantry.affected.selection import Seed, render, select
from pantry.vcs.git import Repository
from pants.backend.project_info.dependents import AddressToDependents
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import (
    PythonRequirementResolveField,
    PythonRequirementsField,
    PythonTestSourceField,
)
from pants.base.build_root import BuildRoot
from pants.engine.console import Console
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule
from pants.engine.target import AllUnexpandedTargets, Target, TargetGenerator

BUILD_FILE_NAMES = ("BUILD", "BUILD.pants")


def _is_build_file(path: str) -> bool:
    return os.path.basename(path) in BUILD_FILE_NAMES


def _requirement_strings(target: Target) -> tuple[str, ...]:
    return tuple(str(requirement) for requirement in target[PythonRequirementsField].value)


def _text(content: bytes | None) -> str | None:
    return None if content is None else content.decode("utf-8")


def _build_file_seeds(
    repository: Repository, base: str, path: str, targets: list[Target]
) -> list[Seed]:
    directory = os.path.dirname(path)
    old = _text(repository.file_at(base, path))
    current = repository.root / path
    new = current.read_text() if current.is_file() else None
    change = compare_build_files(old, new, os.path.basename(directory) or "root")
    if change.whole_tree:
        return [
            Seed(tgt.address.spec, f"{path} changed what all its targets inherit")
            for tgt in targets
            if tgt.address.spec_path == directory
            or tgt.address.spec_path.startswith(f"{directory}/" if directory else "")
        ]
    return [
        Seed(tgt.address.spec, f"{path}: target `{tgt.address.target_name}` changed")
        for tgt in targets
        if tgt.address.spec_path == directory and tgt.address.target_name in change.target_names
    ]


@goal_rule(desc="Find affected targets")
async def list_affected(
    console: Console,
    subsystem: AffectedSubsystem,
    build_root: BuildRoot,
    python_setup: PythonSetup,
    all_targets: AllUnexpandedTargets,
    address_to_dependents: AddressToDependents,
) -> Affected:
    root = build_root.pathlib_path
    repository = Repository(root)
    # A bad --base or a repository git cannot read raises vcs.git.GitError, a PantryError.
    base = repository.resolve_base(subsystem.base, "--affected-base").commit
    changes = repository.changed_files(base)

    # Generated targets (one per file) stand for their generators everywhere but where a
    # deleted file's only owner is its generator.
    # Synthetic targets (aliases starting with `_`, e.g. a resolve's lockfile) are Pants'
    # bookkeeping, not something to build or test.
    targets = [
        tgt
        for tgt in all_targets
        if not isinstance(tgt, TargetGenerator) and not tgt.alias.startswith("_")
    ]
    lockfiles = {path: resolve for resolve, path in python_setup.resolves.items()}
    seeds: list[Seed] = []
    owned_paths: list[str] = []
    for path in changes.all:
        global_input = global_input_for(path)
        if global_input:
            reason = f"{path} changed ({global_input.reason})"
            seeds.extend(Seed(tgt.address.spec, reason) for tgt in targets)
        elif _is_build_file(path):
            seeds.extend(_build_file_seeds(repository, base, path, targets))
        elif path in lockfiles:
            current = root / path
            requirements = {
                tgt.address.spec: _requirement_strings(tgt)
                for tgt in targets
                if tgt.has_field(PythonRequirementsField)
                and tgt.has_field(PythonRequirementResolveField)
                and tgt[PythonRequirementResolveField].normalized_value(python_setup)
                == lockfiles[path]
            }
            seeds.extend(
                lock_seeds(
                    path,
                    _text(repository.file_at(base, path)),
                    current.read_text() if current.is_file() else None,
                    requirements,
                )
            )
        else:
            owned_paths.append(path)

    owners_per_path = await MultiGet(Get(Owners, OwnersRequest((path,))) for path in owned_paths)
    for path, owners in zip(owned_paths, owners_per_path):
        verb = "deleted" if path in changes.deleted else "changed"
        # Where a generated file target owns the path, it stands for its generator.
        generators = {
            address.maybe_convert_to_target_generator()
            for address in owners
            if address.is_generated_target
        }
        seeds.extend(
            Seed(address.spec, f"{path} {verb}") for address in owners if address not in generators
        )

    dependents = {
        address.spec: [dependent.spec for dependent in found]
        for address, found in address_to_dependents.mapping.items()
    }
    chains = select(seeds, dependents)

    # Generators only carry a deleted file's selection on to their dependents: their
    # generated targets are what is listed.
    by_spec = {tgt.address.spec: tgt for tgt in targets}
    kept = {
        spec: chain
        for spec, chain in chains.items()
        if spec in by_spec
        and (subsystem.kind is AffectedKind.ALL or by_spec[spec].has_field(PythonTestSourceField))
    }
    with subsystem.line_oriented(console) as print_stdout:
        for line in render(kept, why=subsystem.why):
            print_stdout(line)
    return Affected(exit_code=0)


def rules():
    return collect_rules()
