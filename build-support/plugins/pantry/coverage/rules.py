"""Engine glue: per-project coverage floors judged by `./pants test --use-coverage`.

How it hooks in. The `test` goal groups the runs' coverage data by type and asks, per union
member of `CoverageDataCollection` whose `element_type` is that type, for `CoverageReports`.
`PantryCoverageDataCollection` registers for Pants' own `PytestCoverageData`, after Pants'
python backend, so the goal builds it instead of Pants' merged report (the goal keeps the
last member per element type; `rules_test.py` pins that), and `judge_coverage_floors` answers.

What it judges. Every project (`[coverage-floors].projects`) that a test of the run belongs to
or depends on: its own tests' data over its own sources. Data of the project's tests that were
not in the run (an affected-only run) comes from the same pytest processes Pants caches, the
`.coverage` file being one of their outputs: a cache hit (local or remote) costs nothing, and
what is not in the cache is run, and listed.
"""

from __future__ import annotations

import json
import pkgutil
from collections import defaultdict
from dataclasses import dataclass

from pantry.coverage import floors
from pantry.coverage.subsystem import CoverageFloors
from pantry.coverage.target_types import PythonTestCoverageFloorField
from pantry.errors import PantryError
from pants.backend.python.goals.coverage_py import (
    CoverageConfig,
    CoverageSetup,
    PytestCoverageData,
)
from pants.backend.python.goals.pytest_runner import PyTestRequest
from pants.backend.python.subsystems.pytest import PythonTestFieldSet
from pants.backend.python.target_types import PythonSourceField, PythonTestSourceField
from pants.backend.python.util_rules.pex import VenvPexProcess
from pants.base.specs import RawSpecs, RecursiveGlobSpec
from pants.core.goals.test import (
    ConsoleCoverageReport,
    CoverageDataCollection,
    CoverageReports,
    FilesystemCoverageReport,
    TestRequest,
    TestResult,
    TestSubsystem,
)
from pants.core.util_rules.distdir import DistDir
from pants.core.util_rules.environments import (
    ChosenLocalEnvironmentName,
    EnvironmentName,
    SingleEnvironmentNameRequest,
)
from pants.core.util_rules.partitions import Partitions
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.fs import (
    AddPrefix,
    CreateDigest,
    Digest,
    DigestContents,
    FileContent,
    MergeDigests,
    RemovePrefix,
    Snapshot,
)
from pants.engine.internals.session import RunId
from pants.engine.process import ProcessResult, ProcessResultMetadata
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Targets, TransitiveTargets, TransitiveTargetsRequest
from pants.engine.unions import UnionRule
from pants.option.global_options import GlobMatchErrorBehavior
from pants.util.collections import partition_sequentially
from pants.util.logging import LogLevel


class PantryCoverageDataCollection(CoverageDataCollection[PytestCoverageData]):
    element_type = PytestCoverageData


class CoverageFloorsError(PantryError):
    """Configuration the floors cannot be judged with (disagreeing floors, no data)."""


@dataclass(frozen=True)
class _ProjectTargets:
    project: str
    tests: tuple[PythonTestFieldSet, ...]
    floors: tuple[tuple[str, float | None], ...]
    sources: tuple[PythonSourceField, ...]


def _result_source(result: TestResult, run_id: RunId) -> ProcessResultMetadata.Source | None:
    return result.result_metadata.source(run_id) if result.result_metadata else None


@rule(desc="Judge per-project coverage floors", level=LogLevel.DEBUG)
async def judge_coverage_floors(
    collection: PantryCoverageDataCollection,
    subsystem: CoverageFloors,
    test_subsystem: TestSubsystem,
    coverage_setup: CoverageSetup,
    coverage_config: CoverageConfig,
    local_environment_name: ChosenLocalEnvironmentName,
    run_id: RunId,
    distdir: DistDir,
) -> CoverageReports:
    patterns = tuple(subsystem.projects)
    data_of: dict[Address, Digest] = {a: d.digest for d in collection for a in d.addresses}

    # Which projects: those of the run's tests and of everything they depend on.
    closure = await Get(TransitiveTargets, TransitiveTargetsRequest(tuple(data_of)))
    projects = sorted(
        {
            p
            for t in (*closure.roots, *closure.dependencies)
            if (p := floors.project_of(t.address.spec_path, patterns))
        }
    )
    if not projects:
        # Nothing run belongs to, or uses, a project (e.g. only build-support/ tests).
        return CoverageReports(())
    per_project = await MultiGet(
        Get(
            Targets,
            RawSpecs(
                recursive_globs=(RecursiveGlobSpec(project),),
                description_of_origin="the `[coverage-floors].projects` option",
                unmatched_glob_behavior=GlobMatchErrorBehavior.ignore,
            ),
        )
        for project in projects
    )
    project_targets = []
    for project, targets in zip(projects, per_project):
        tests = tuple(
            PythonTestFieldSet.create(t)
            for t in targets
            if PythonTestFieldSet.is_applicable(t) and not PythonTestFieldSet.opt_out(t)
        )
        sources = tuple(
            t[PythonSourceField]
            for t in targets
            if t.has_field(PythonSourceField)
            and not t.has_field(PythonTestSourceField)
            and floors.is_own_source(t[PythonSourceField].file_path, project)
        )
        project_floors = tuple(
            (str(t.address), t.get(PythonTestCoverageFloorField).value)
            for t in targets
            if PythonTestFieldSet.is_applicable(t)
        )
        project_targets.append(_ProjectTargets(project, tests, project_floors, sources))

    # The projects' tests this run did not run: their data from the cache, or run them now.
    missing = tuple(fs for pt in project_targets for fs in pt.tests if fs.address not in data_of)
    results: tuple[TestResult, ...] = ()
    if missing:
        partitions = await Get(
            Partitions,
            {
                PyTestRequest.PartitionRequest(missing): TestRequest.PartitionRequest,
                local_environment_name.val: EnvironmentName,
            },
        )
        batches = [
            PyTestRequest.Batch(PyTestRequest.tool_name, tuple(batch), partition.metadata)
            for partition in partitions
            for batch in partition_sequentially(
                partition.elements,
                key=lambda fs: str(fs.address),
                size_target=test_subsystem.batch_size,
                size_max=2 * test_subsystem.batch_size,
            )
        ]
        environments = await MultiGet(
            Get(
                EnvironmentName,
                SingleEnvironmentNameRequest,
                SingleEnvironmentNameRequest.from_field_sets(b.elements, b.description),
            )
            for b in batches
        )
        results = await MultiGet(
            Get(TestResult, {b: TestRequest.Batch, env: EnvironmentName})
            for b, env in zip(batches, environments)
        )
    ran: list[str] = []
    failed: list[str] = []
    from_cache = 0
    for result in results:
        names = [str(a) for a in result.addresses]
        if result.exit_code != 0:
            failed.extend(names)
        if _result_source(result, run_id) == ProcessResultMetadata.Source.RAN:
            ran.extend(names)
        else:
            from_cache += len(names)
        if result.coverage_data is not None and result.exit_code == 0:
            for address in result.addresses:
                data_of[address] = result.coverage_data.digest  # type: ignore[attr-defined]

    for pt in project_targets:
        for fs in pt.tests:
            if fs.address not in data_of and str(fs.address) not in failed:
                failed.append(str(fs.address))

    # Analyse each project's own data over its own sources, in one coverage.py process.
    digests = sorted({d for d in data_of.values()}, key=lambda d: d.fingerprint)
    index = {d: i for i, d in enumerate(digests)}
    request = []
    floor_of: dict[str, float | None] = {}
    tests_of: dict[str, list[str]] = defaultdict(list)
    for pt in project_targets:
        try:
            floor_of[pt.project] = floors.one_floor(pt.project, dict(pt.floors))
        except floors.CoverageFloorError as e:
            raise CoverageFloorsError(str(e)) from None
        measured = [fs.address for fs in pt.tests if fs.address in data_of]
        data = sorted({f"data/{index[data_of[a]]}/.coverage" for a in measured})
        tests_of[pt.project] = [str(a) for a in measured]
        request.append(
            {
                "project": pt.project,
                "slug": pt.project.replace("/", "."),
                "data": data,
                "sources": sorted(s.file_path for s in pt.sources),
            }
        )
    all_sources = await Get(
        SourceFiles, SourceFilesRequest([s for pt in project_targets for s in pt.sources])
    )
    prefixed = await MultiGet(Get(Digest, AddPrefix(d, f"data/{index[d]}")) for d in digests)
    script = pkgutil.get_data("pantry.coverage", "analyze.py")
    if script is None:  # a plugin installed without its data file
        raise CoverageFloorsError(
            "pantry.coverage cannot read its analyze.py; reinstall the plugin"
        )
    inputs = await Get(
        Digest,
        CreateDigest(
            [
                FileContent("__pantry_coverage/analyze.py", script),
                FileContent(
                    "__pantry_coverage/request.json",
                    json.dumps({"projects": request}, sort_keys=True).encode(),
                ),
            ]
        ),
    )
    input_digest = await Get(
        Digest,
        MergeDigests((inputs, all_sources.snapshot.digest, coverage_config.digest, *prefixed)),
    )
    analysis = await Get(
        ProcessResult,
        VenvPexProcess(
            coverage_setup.pex,
            argv=(
                "__pantry_coverage/analyze.py",
                "__pantry_coverage/request.json",
                coverage_config.path,
            ),
            # The tool's venv PEX runs as its interpreter: our script, coverage.py importable.
            extra_env={"PEX_INTERPRETER": "1"},
            input_digest=input_digest,
            output_directories=("out",),
            description=f"Coverage per project: {', '.join(projects)}",
            level=LogLevel.DEBUG,
        ),
    )
    report_dir = distdir.relpath / "coverage"
    contents = await Get(DigestContents, Digest, analysis.output_digest)
    figures = json.loads(
        next(fc.content for fc in contents if fc.path == "out/figures.json").decode()
    )
    judged = floors.projects_from_report(figures, floor_of, tests_of)
    summary = floors.summary_json(judged, sorted(ran), from_cache)
    summary_digest = await Get(
        Digest, CreateDigest([FileContent("out/summary.json", summary.encode())])
    )
    out = await Get(Digest, MergeDigests((analysis.output_digest, summary_digest)))
    out = await Get(Digest, RemovePrefix(out, "out"))
    out_snapshot = await Get(Snapshot, Digest, out)
    text = floors.render(judged, sorted(ran), from_cache)
    if failed:
        text += (
            f"\n  {len(failed)} test target(s) failed or gave no coverage data, so their "
            f"projects cannot be judged: {', '.join(sorted(failed))}"
        )
    insufficient = bool(failed) or any(p.below_floor for p in judged)
    return CoverageReports(
        (
            FilesystemCoverageReport(
                coverage_insufficient=False,
                report_type="per-project",
                result_snapshot=out_snapshot,
                directory_to_materialize_to=report_dir,
                report_file=report_dir / "summary.json",
            ),
            ConsoleCoverageReport(insufficient, text),
        )
    )


def rules():
    return [
        *collect_rules(),
        UnionRule(CoverageDataCollection, PantryCoverageDataCollection),
    ]
