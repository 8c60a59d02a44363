"""build-support/bin/adopt SOURCE --as TREE/NAME: fold an existing project into the monorepo.

Everything is checked before the repository is touched (destination, source, layout,
metadata, requirement conflicts); then the project is copied into the house layout (for a
git repository: its history rewritten to the house paths and merged), its requirements
merged into 3rdparty/python and the lock regenerated, BUILD files written (then completed
by `./pants tailor`) and its import-rule problems recorded in the baseline. Any failure on
the way rolls everything back.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Optional, Sequence

from adopt import pantsd
from adopt.bootstrap import cache_dir
from adopt.build_files import ProjectInfo, describe_pythons, generate_build_files
from adopt.deploy import DeployError, place_deploy_files, plan_deploy, render_deploy
from adopt.history import rewrite_export
from adopt.imports import (
    ImportSite,
    Promotion,
    imports_of,
    is_python2_stdlib,
    module_names,
    pants_default_module_mapping,
    promote_imported,
    provider_in_lock,
    third_party,
)
from adopt.infra import plan_infra_layout, terraform_build_files
from adopt.layout import TEST_DIRS, Layout, LayoutError, is_test_file, plan_layout
from adopt.merge import (
    INPUT_FILES,
    Declared,
    MergePlan,
    ModuleMappingError,
    Ours,
    add_module_mapping,
    locked_versions,
    narrow_inputs,
    pin_differences,
    plan_merge,
    read_inputs,
    render_additions,
)
from adopt.metadata import MetadataError, ProjectMetadata, module_version, read_metadata
from adopt.pants_toml import (
    SourceRootsError,
    add_ignored_imports,
    add_source_root,
    ignore_entries,
    unowned_imports,
)
from adopt.pruned_index import PrunedIndex, configured_index, lock_pythons
from adopt.pytest_config import NO_CONFIG, plugins_named, read_pytest_config, render_pytest_ini
from adopt.requirements import RequirementError, canonical_name, parse_requirement
from adopt.sources import SourceError, Staged, classify, stage
from adopt.upstream_tests import (
    generated_conftest,
    pytest_plugin_addresses,
    readme_of,
    scan_tests,
)
from adopt.version import scm_version
from pantry.lockfile.lock_model import split_header

TREES = ("services", "libs/shared", "libs/internal", "infra")
REQUIREMENTS_DIR = "3rdparty/python"
LOCK = f"{REQUIREMENTS_DIR}/default.lock"
CONSTRAINTS = f"{REQUIREMENTS_DIR}/constraints.txt"
BASELINE = "build-support/import-rules-baseline.txt"
PANTS_TOML = "pants.toml"
NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
TOUCHED = (LOCK, CONSTRAINTS, BASELINE, PANTS_TOML, f"{REQUIREMENTS_DIR}/BUILD")
PANTS = ("./pants", "--no-pantsd", "--no-watch-filesystem")
PANTS_WITH_DAEMON = ("./pants", "--pantsd")  # pantsd needs to watch the files it caches
RUN_LOGS = ".pants.d/adopt"  # each ./pants run's output (.pants.d is Pants' workdir, ignored)
REPOS_PY = "pants/backend/python/subsystems/repos.py"  # Pants' default index

EPILOG = """\
examples:
  build-support/bin/adopt ~/src/flags --as libs/internal/flags          (a git repository)
  build-support/bin/adopt /tmp/six-1.17.0.tar.gz --as libs/shared/six  (an sdist)
  build-support/bin/adopt ./vendor/tool --as services/tool --dry-run   (a directory)
  build-support/bin/adopt ~/src/pypi-infra --as infra/pypi            (Terraform only)

exit status: 0 adopted (or planned, with --dry-run); 1 refused (a requirement conflict, or a
step failed and everything was rolled back); 2 bad input.
"""


class UsageError(Exception):
    """Bad input: the message says what and how to fix it (exit 2)."""


class StepError(Exception):
    """A step failed after the repository was touched (it is rolled back; exit 1)."""


@dataclass
class Plan:
    repo: Path
    source: str
    staged: Staged
    meta: ProjectMetadata
    layout: Layout
    merge: MergePlan
    builds: dict[str, str]
    info: ProjectInfo
    notes: list[str] = field(default_factory=list)
    extra_files: dict[str, str] = field(default_factory=dict)  # e.g. pytest.ini
    promoted: list[Promotion] = field(default_factory=list)  # imported, upstream transitive
    imported: dict[str, list[ImportSite]] = field(default_factory=dict)  # third-party modules
    deploy_report: list[str] = field(default_factory=list)  # binaries, image, Dockerfile hints

    @property
    def dest(self) -> str:
        return self.info.path

    @property
    def tests_root(self) -> Optional[str]:
        """The source root pattern its tests/ needs when not a package (pytest's sys.path)."""
        has_tests = any(d.startswith("tests/") for d in self.layout.moves.values())
        return f"/{self.dest}/tests" if has_tests and not self.layout.tests_are_a_package else None


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build-support/bin/adopt",
        description=(
            "Fold an existing Python project into the monorepo under TREE/NAME, in the house "
            "layout (src/, tests/, infra/ for services): its code (and git history), BUILD "
            "files, requirements merged into 3rdparty/python with the lock regenerated, and its "
            "import-rule problems recorded in the baseline. Checks everything first; a "
            "conflicting requirement pin is reported and nothing is written."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "source",
        metavar="SOURCE",
        nargs="+",
        help="a git repository (path or URL), an sdist, or a directory; several, each followed "
        "by its --as, are adopted together with one relock",
    )
    parser.add_argument(
        "--as",
        dest="dest",
        metavar="TREE/NAME",
        action="append",
        required=True,
        help=f"where it goes; TREE is one of {', '.join(TREES)}; NAME is lower-case-with-dashes",
    )
    parser.add_argument(
        "--require",
        metavar="REQUIREMENT",
        action="append",
        default=[],
        help="an extra runtime requirement (e.g. 'simplejson>=3') for an import no declared "
        "requirement provides; repeatable",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="check and print the plan; write nothing"
    )
    parser.add_argument("--repo", default=None, help=argparse.SUPPRESS)
    args = parser.parse_intermixed_args(argv)
    if len(args.source) != len(args.dest):
        parser.error(
            f"{len(args.source)} SOURCE(s) but {len(args.dest)} --as: give each SOURCE its own "
            "--as TREE/NAME, e.g. adopt SRC1 --as services/a SRC2 --as libs/shared/b"
        )
    return args


def check_destination(repo: Path, dest: str) -> tuple[str, str]:
    if dest.strip("/") == "infra":
        raise UsageError(
            "--as 'infra': infra/ holds the repository's own root module; adopt a Terraform "
            "repository beside it as infra/NAME (e.g. --as infra/pypi)"
        )
    tree, _, name = dest.strip("/").rpartition("/")
    if tree not in TREES:
        raise UsageError(
            f"unknown TREE {tree or dest!r} in --as {dest!r}; use one of "
            f"{', '.join(t + '/NAME' for t in TREES)}"
        )
    if not NAME.match(name):
        raise UsageError(
            f"NAME {name!r} in --as {dest!r} is not lower-case-with-dashes (e.g. feature-flags)"
        )
    if (repo / tree / name).exists():
        raise UsageError(
            f"{tree}/{name} already exists; adopt never overwrites. Pick another NAME, or remove "
            f"it first (git rm -r {tree}/{name})"
        )
    return tree, name


def first_party_owners(repo: Path) -> dict[str, str]:
    """Top-level import names our projects already own -> the project's path."""
    owners: dict[str, str] = {}
    for tree in TREES:
        for src in sorted(repo.glob(f"{tree}/*/src")):
            for entry in sorted(src.iterdir()):
                if entry.is_dir() and any(entry.glob("*.py")):
                    owners.setdefault(entry.name, str(src.parent.relative_to(repo)))
                elif entry.suffix == ".py":
                    owners.setdefault(entry.stem, str(src.parent.relative_to(repo)))
    return owners


def make_plan(
    repo: Path,
    source: str,
    tree: str,
    name: str,
    scratch: Path,
    *,
    dry_run: bool = False,
    extra_requirements: Sequence[str] = (),
    pending: Sequence[tuple[str, Declared]] = (),
) -> Plan:
    """`pending`: (project, requirement) already planned by an earlier SOURCE of this run."""
    kind = classify(source)
    needs_clean_tree = kind == "git" and not dry_run  # its history is committed
    if needs_clean_tree and git(repo, "status", "--porcelain", "--untracked-files=no").strip():
        raise UsageError(
            "the working tree has uncommitted changes, and adopting a git repository commits its "
            "history: commit or stash them first"
        )
    staged = stage(source, kind, scratch)
    if tree == "infra":
        return make_infra_plan(repo, source, kind, name, staged)
    meta = read_metadata(staged.root)
    test_texts = {
        f: (staged.root / f).read_text(errors="replace")
        for f in staged.files
        if f.endswith(".py") and (is_test_file(Path(f).name) or f.startswith(TEST_DIRS))
    }
    deploy = plan_deploy(staged.root, staged.files, meta.scripts) if tree == "services" else None
    layout = plan_layout(staged.files, with_infra=tree == "services", test_texts=test_texts)
    if deploy:
        place_deploy_files(layout, deploy)
        for server, origin in deploy.requirements.items():  # e.g. gunicorn, only in a Procfile
            if not any(d.requirement.key == canonical_name(server) for d in meta.requirements):
                meta.requirements.append(Declared(parse_requirement(server), origin, "runtime"))
    owners = first_party_owners(repo)
    clashes = [f"{n!r} (owned by {owners[n]})" for n in layout.top_level if n in owners]
    if clashes:
        raise UsageError(
            f"the project's top-level import names are already taken: {', '.join(clashes)}; "
            "one import name can have one owner in the monorepo: rename the package upstream "
            "or adopt it as the existing project"
        )
    house_files = sorted(layout.moves.values())
    notes = list(layout.notes) + list(meta.notes)
    version = meta.version
    if not version:
        # __version__ of the first package or module, read where it is in the source.
        source_of = {destination: source for source, destination in layout.moves.items()}
        top = layout.top_level[0]
        for candidate in (f"src/{top}/__init__.py", f"src/{top}.py"):
            if candidate in source_of:
                version = module_version(staged.root / source_of[candidate])
                if version:
                    break
    if not version and staged.git_dir is not None:
        version, how = scm_version(staged.git_dir)
        if version:
            notes.append(f"version {version} from the git history ({how})")
    if not version and tree == "libs/shared":
        why = f" ({meta.dynamic_version})" if meta.dynamic_version else ""
        raise UsageError(
            f"no version found{why}: not in the metadata, not a literal __version__, and no "
            "release tag in the git history. Adopt from a tagged git clone or an sdist (its "
            "PKG-INFO has the version)"
        )
    rendered = None
    if deploy:
        rendered = render_deploy(
            deploy, f"{tree}/{name}", _house_module_resolver(layout), f"pantry/{name}"
        )
    info = ProjectInfo(
        tree=tree,
        name=name,
        dist_name=meta.name or name,
        version=version,
        summary=meta.summary,
        license=meta.license,
        requires_python=meta.requires_python,
        origin=Path(source).name if kind == "sdist" else source,
        scripts=tuple(sorted(meta.scripts.items())),
        extras=tuple((extra, tuple(reqs)) for extra, reqs in sorted(meta.extras.items())),
        python_version=meta.python_version,
        deploy_targets=rendered.root_targets if rendered else (),
    )
    texts = {f: _read(repo / REQUIREMENTS_DIR / f) for f in INPUT_FILES}
    ours = read_inputs(texts, REQUIREMENTS_DIR)
    for project, item in pending:
        ours.setdefault(item.requirement.key, Ours(item.requirement, f"adopted with {project}"))
    for text in extra_requirements:
        try:
            meta.requirements.append(Declared(parse_requirement(text), "--require", "runtime"))
        except RequirementError as error:
            raise UsageError(f"--require {text!r}: {error}") from None
    # Every import resolves: what the code imports that upstream only gets transitively.
    first_party = {*layout.top_level, *owners, *_test_modules(house_files)}
    imported = third_party(
        [
            site
            for upstream, house in sorted(layout.moves.items())
            if house.endswith(".py")
            for site in imports_of(
                (staged.root / upstream).read_text(encoding="utf-8", errors="replace"), house
            )
        ],
        first_party,
    )
    mapping = pants_default_module_mapping([cache_dir()])
    provided = {
        module
        for key in [*ours, *(d.requirement.key for d in meta.requirements)]
        for module in module_names(key, mapping)
    }
    promoted = promote_imported(imported, provided, meta.transitive, mapping)
    for promotion in promoted:
        origin = f"imported at {promotion.sites[0]}; upstream has it via {promotion.via}"
        meta.requirements.append(Declared(promotion.requirement, origin, promotion.kind))
    lock_text = _read(repo / LOCK)
    merge = plan_merge(
        meta.requirements,
        ours,
        locked_versions(lock_text) if lock_text else {},
        self_name=canonical_name(meta.name) if meta.name else "",
    )
    # Upstream's tests as upstream runs them: its pytest settings (always a pytest.ini, which
    # makes the project directory pytest's rootdir) and a generated conftest.py.
    origin, options = read_pytest_config(staged.root) or (NO_CONFIG, {})
    extra_files = {}
    extra_files["pytest.ini"], pytest_notes = render_pytest_ini(origin, options)
    notes += pytest_notes
    has_tests = any(d.startswith("tests/") for d in house_files)
    if has_tests and "conftest.py" not in house_files:
        readme = readme_of(house_files)
        extra_files["conftest.py"] = generated_conftest(
            info.path,
            info.dist_name,
            info.version or "0.0.0",
            info.scripts,
            summary=info.summary,
            readme=readme,
        )
        if readme and readme not in layout.test_data:
            layout.test_data.append(readme)  # the generated metadata's long description
    plugins, plugin_notes = pytest_plugin_addresses(
        [d for d in meta.requirements if d.kind == "test"], merge, plugins_named(options)
    )
    notes += plugin_notes + scan_tests(test_texts, info.scripts)
    info = dataclasses.replace(info, test_dependencies=tuple(plugins))
    builds = generate_build_files(
        sorted({*house_files, *extra_files}) if has_tests else house_files,
        info,
        test_data=layout.test_data,
    )
    builds.update(terraform_build_files(house_files, info.path, "infra"))
    if rendered:
        builds.update(rendered.builds)
    report = list(rendered.report) if rendered else []
    return Plan(
        repo, source, staged, meta, layout, merge, builds, info, notes, extra_files,
        promoted, imported, report,
    )  # fmt: skip


def _test_modules(house_files: Sequence[str]) -> set[str]:
    """Top-level names importable from tests/ (a source root): `tests`, `conftest`, helpers."""
    names = {"tests"}
    for path in house_files:
        parts = PurePosixPath(path).parts
        if parts[0] == "tests" and len(parts) >= 2:
            names.add(parts[1][:-3] if parts[1].endswith(".py") else parts[1])
    return names


def make_infra_plan(repo: Path, source: str, kind: str, name: str, staged: Staged) -> Plan:
    """A repository of Terraform: its files under infra/NAME, a `files` target per module."""
    layout = plan_infra_layout(staged.files)
    info = ProjectInfo(
        tree="infra",
        name=name,
        dist_name=name,
        origin=Path(source).name if kind == "sdist" else source,
    )
    builds = terraform_build_files(sorted(layout.moves.values()), info.path, "")
    modules = sum(1 for text in builds.values() if 'name="infra"' in text)
    report = [
        f"  terraform: {modules} module directories from {layout.root or 'the top'}/ -> "
        f'{info.path}/, each a files(name="infra") target the import rules check'
    ]
    return Plan(
        repo, source, staged, ProjectMetadata(), layout, MergePlan(), builds, info,
        list(layout.notes), {}, deploy_report=report,
    )  # fmt: skip


def _house_module_resolver(layout: Layout) -> Callable[[str], Optional[str]]:
    """`pkg.app` -> `src/pkg/app.py` (or its `__init__.py`), for modules the project has."""
    house = set(layout.moves.values())

    def resolve(module: str) -> Optional[str]:
        base = "src/" + module.replace(".", "/")
        for candidate in (f"{base}.py", f"{base}/__init__.py"):
            if candidate in house:
                return candidate
        return None

    return resolve


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0:
        raise StepError(f"git {' '.join(args)} failed:\n{result.stderr.strip()}")
    return result.stdout


def tailor_changes(output: str) -> list[str]:
    """The BUILD files `./pants tailor` created or updated, from the output of a run that may
    hold other goals' output too: update-build-files prints the same `Updated PATH:` header,
    but only tailor's changes are `- Add TYPE target NAME`."""
    changes: list[str] = []
    lines = re.sub(r"\x1b\[[0-9;]*m", "", output).splitlines()  # colours, if Pants used any
    for index, line in enumerate(lines):
        header = re.match(r"^(Created|Updated) (\S+):$", line.strip())
        if not header:
            continue
        added = []
        for change in lines[index + 1 :]:
            if not change.startswith("  - "):
                break
            added.append(change.strip()[2:])
        if added and all(re.match(r"^Add \S+ target ", change) for change in added):
            changes.append(f"{line.strip()} {'; '.join(added)}")
    return changes


def pants(
    repo: Path,
    *args: str,
    progress: Optional[Callable[[str], None]] = None,
    daemon: bool = False,
) -> str:
    """Run ./pants (with pantsd if `daemon`); its output (stdout and stderr, as one stream).
    Each line is passed to `progress` as it comes, so a long run can report as it goes."""
    process = subprocess.Popen(
        [*(PANTS_WITH_DAEMON if daemon else PANTS), *args], cwd=repo, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
    )  # fmt: skip
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if progress is not None:
            progress(line.rstrip("\n"))
    if process.wait() != 0:
        output = "".join(lines).strip().splitlines()
        # Pants' own error lines say what went wrong; its traceback (if any) says where.
        errors = [line for line in output if "[ERROR]" in line or "Error:" in line]
        shown = "\n".join([*errors[:10], *output[-15:]])
        raise StepError(f"./pants {' '.join(args)} failed:\n{shown}")
    return "".join(lines)


# Lines of lock-sync's that tell how the relock goes, passed on as they come.
PROGRESS = ("Resolve ", "The new requirements", "Merging the new")


class Adoption:
    """Apply one or more plans together (one relock); remember enough to undo it all."""

    def __init__(self, plans: Sequence[Plan], say: Callable[[str], None]) -> None:
        self.plans = list(plans)
        self.repo = self.plans[0].repo
        self.say = say
        self.saved: dict[str, Optional[bytes]] = {}
        self.head: Optional[str] = None
        self.baseline_added: list[str] = []
        self.tailor_output = ""
        self.ignored_imports: dict[str, list[str]] = {}  # dest -> first-party run-time modules
        self.python2_imports: list[str] = []  # Python 2 standard-library modules, ignored
        self.lock_moves: list[str] = []  # "idna 3.9 -> 3.20 (upgraded)"
        self.lock_added = 0
        self.found_in_lock: list[str] = []  # imports only the relocked lock could map
        # module_mapping entries added, by the project that imports them ("": found after
        # the relock, when Pants names the module but not the project)
        self.mapped_modules: dict[str, list[str]] = {}
        self.timings: list[tuple[str, float]] = []
        self.pants_runs: list[tuple[str, float]] = []  # (goals, seconds) of each ./pants run
        self.constraints_stale = False  # the lock moved; constraints.txt not yet exported
        self._started = 0.0
        self._step = 0
        # Its ./pants runs share one pantsd (one Pants startup), stopped at the end unless it
        # was already running.
        self.daemons_before = pantsd.running_pantsd(self.repo)

    def stop_daemon(self) -> None:
        """Stop, by pid, the pantsd this adoption's runs started (none if one was running)."""
        pantsd.stop(pantsd.running_pantsd(self.repo) - self.daemons_before)

    @property
    def plan(self) -> Plan:  # the first (for one-project callers)
        return self.plans[0]

    def phase(self, message: str) -> None:
        now = time.monotonic()
        if self._step:
            self.timings[-1] = (self.timings[-1][0], now - self._started)
        self._step += 1
        self._started = now
        self.timings.append((message.split(" (")[0], 0.0))
        self.say(f"[{self._step}/{self.STEPS}] {message}")

    STEPS = 5

    def finish(self) -> None:
        if self._step:
            self.timings[-1] = (self.timings[-1][0], time.monotonic() - self._started)

    def run(self) -> None:
        repo = self.repo
        for path in [*(f"{REQUIREMENTS_DIR}/{f}" for f in INPUT_FILES), *TOUCHED]:
            self.saved[path] = (repo / path).read_bytes() if (repo / path).is_file() else None
        if any(plan.staged.kind == "git" for plan in self.plans):
            self.head = git(repo, "rev-parse", "HEAD").strip()
        dests = ", ".join(plan.dest for plan in self.plans)
        self.phase(f"copying into {dests}")
        for plan in self.plans:
            if plan.staged.kind == "git":
                self.merge_history(plan)
            else:
                self.copy_files(plan)
            for path, text in {**plan.builds, **plan.extra_files}.items():
                target = repo / plan.dest / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
            if plan.tests_root:
                toml = repo / PANTS_TOML
                reason = f"{plan.dest} (adopted): its tests/ is not a package"
                try:
                    toml.write_text(add_source_root(_read(toml), plan.tests_root, reason))
                except SourceRootsError as error:
                    raise StepError(str(error)) from None
        self.phase(f"merging requirements into {REQUIREMENTS_DIR}")
        for plan in self.plans:
            self.write_requirements(plan)
        if any(plan.merge.changes_inputs for plan in self.plans):
            self.phase(f"relocking {LOCK}: only the new requirements (./pants lock-sync)")
            self.relock()
        else:
            self.phase("no new requirements: the lock stays as it is")
        self.phase("completing BUILD files (./pants tailor), checking every import resolves")
        specs = [f"{plan.dest}::" for plan in self.plans]
        before = set(_read(repo / BASELINE).splitlines())
        # One ./pants run (each costs Pants' startup): tailor, then format BUILD files, infer
        # every dependency (unowned imports as warnings, so all of them are listed at once),
        # and record import-rule problems in the baseline.
        inferred = self.infer(specs, tailor=True)
        self.tailor_output = "\n".join(tailor_changes(inferred))
        if self.tailor_output:
            # Goals of one run may read BUILD files from before tailor wrote them: again.
            inferred = self.infer(specs)
        self.resolve_unowned(inferred, specs)
        if self.constraints_stale:
            self.pants("export-constraints")
            self.constraints_stale = False
        self.baseline_added = [
            line for line in _read(repo / BASELINE).splitlines() if line not in before and line
        ]
        if self.head is not None:
            self.phase("committing the house layout on top of the merged history")
            git(repo, "add", "-A", "--", *(p.dest for p in self.plans), REQUIREMENTS_DIR,
                BASELINE, PANTS_TOML)  # fmt: skip
            message = f"adopt: {dests} in the house layout (BUILD files, requirements, baseline)"
            git(repo, "commit", "-q", "-m", message)
        else:
            self.phase(
                f"done; review and commit: git add {dests} {REQUIREMENTS_DIR} {BASELINE} "
                f"{PANTS_TOML}"
            )
        self.finish()

    def write_requirements(self, plan: Plan) -> None:
        for ours, narrowed, _ in plan.merge.narrowed:
            filename, line = ours.where.rsplit("/", 1)[-1].split(":")
            path = self.repo / REQUIREMENTS_DIR / filename
            path.write_text(narrow_inputs(_read(path), int(line), narrowed, plan.dest))
        for filename, additions in plan.merge.added.items():
            path = self.repo / REQUIREMENTS_DIR / filename
            path.write_text(render_additions(_read(path), additions, plan.dest))
        mapped = [p for p in plan.promoted if p.mapped_module]
        if mapped:
            self.map_modules({p.requirement.key: p.mapped_module for p in mapped}, plan.dest)

    def map_modules(self, modules: dict[str, str], project: str) -> None:
        """Add `module_mapping` entries (distribution -> module) to the requirement targets
        of the input files that declare the distributions."""
        texts = {f: _read(self.repo / REQUIREMENTS_DIR / f) for f in INPUT_FILES}
        declared = read_inputs(texts, REQUIREMENTS_DIR)
        by_file: dict[str, dict[str, list[str]]] = {}
        for key, module in sorted(modules.items()):
            where = declared[key].where if key in declared else f"{REQUIREMENTS_DIR}/runtime.txt"
            filename = where.split(":")[0].rsplit("/", 1)[-1]
            by_file.setdefault(filename, {})[key] = [module]
            entry = f"{module} ({key}, {REQUIREMENTS_DIR}/BUILD)"
            self.mapped_modules.setdefault(project, []).append(entry)
        build = self.repo / REQUIREMENTS_DIR / "BUILD"
        text = _read(build)
        for filename, entries in sorted(by_file.items()):
            try:
                text = add_module_mapping(text, filename, entries)
            except ModuleMappingError as error:
                raise StepError(f"{REQUIREMENTS_DIR}/BUILD: {error}") from None
        build.write_text(text)

    def relock(self) -> None:
        before = locked_versions(_read(self.repo / LOCK))
        self.sync_lock(before)
        self.constraints_stale = True  # exported by the next ./pants run (`infer`)
        after = locked_versions(_read(self.repo / LOCK))
        for name in sorted(set(before) & set(after)):
            if before[name] != after[name]:
                self.lock_moves.append(f"{name} {before[name]} -> {after[name]}")
        for name in sorted(set(before) - set(after)):
            self.lock_moves.append(f"{name} {before[name]} -> removed")
        self.lock_added = len(set(after) - set(before))

    def sync_lock(self, locked: dict[str, str]) -> None:
        """`./pants lock-sync`, first against a pruned view of the index (`PrunedIndex`: the
        locked version of what we lock, recent releases of the rest), then, if that does not
        resolve, against the index itself."""
        upstream = configured_index(
            _read(self.repo / PANTS_TOML),
            sorted(cache_dir().glob(f"pants/*/lib/python3*/site-packages/{REPOS_PY}")),
        )
        if upstream:
            preferred = {k: v for plan in self.plans for k, (v, _) in plan.meta.preferences.items()}
            body = split_header(_read(self.repo / LOCK))[1]
            pythons = lock_pythons(json.loads(body)) if body.strip() else ()
            with PrunedIndex(upstream, locked, preferred, pythons=pythons) as index:
                try:
                    self.pants(f"--python-repos-indexes=['{index.url}']", "lock-sync")
                    pruned = sum(before - after for before, after in index.served.values())
                    self.say(f"lock synced; {pruned} index files of "
                             f"{len(index.served)} projects left unread; {index.fetches} pages "
                             f"fetched from the index in {index.fetch_seconds:.1f} s")  # fmt: skip
                    return
                except StepError as error:
                    reason = str(error).splitlines()[-1][:200]
                    self.say(
                        f"not resolvable from recent releases ({reason}); asking the full index"
                    )
        self.pants("lock-sync")

    def infer(self, specs: Sequence[str], *, tailor: bool = False) -> str:
        """One ./pants run of the goals that complete and check the adopted projects' BUILD
        files, with `export-constraints` first when the lock changed since the last export
        (it reads the lock a previous run wrote, so it is fresh) and `tailor` if asked."""
        goals = [
            *(["export-constraints"] if self.constraints_stale else []),
            *(["tailor"] if tailor else []),
            "update-build-files",
            "dependencies",
            "import-rules-baseline",
        ]
        output = self.pants("--python-infer-unowned-dependency-behavior=warning", *goals, *specs)
        self.constraints_stale = False
        return output

    def pants(self, *args: str) -> str:
        """`pants(repo, *args)` with the adoption's pantsd, timed and its output kept."""
        goals = " ".join(arg for arg in args if not arg.startswith("-") and "::" not in arg)
        started = time.monotonic()
        lines: list[str] = []

        def progress(line: str) -> None:
            lines.append(line)
            if line.startswith(PROGRESS):
                self.say(f"  {goals}: {line}")

        try:
            return pants(self.repo, *args, progress=progress, daemon=True)
        finally:
            seconds = time.monotonic() - started
            self.pants_runs.append((goals, seconds))
            # The whole output, for a look at where a run spent its time or why it failed.
            log = self.repo / RUN_LOGS / f"{len(self.pants_runs)}-{goals.replace(' ', '-')}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(f"./pants {' '.join(args)}\n" + "\n".join(lines) + "\n")
            self.say(f"  ./pants {goals}: {seconds:.1f} s (output: {log.relative_to(self.repo)})")

    def resolve_unowned(self, inferred: str, specs: Sequence[str]) -> None:
        """Every import must have an owner. A module of the project's own that exists only at
        run time (`six.moves`) is ignored in pants.toml; a third-party one gets the locked
        distribution that provides it as a requirement (one more lock sync); anything else
        stops the adoption (rolled back), naming the module, where, and the fix."""
        unowned = unowned_imports(inferred)
        if not unowned:
            return
        own = {top: plan for plan in self.plans for top in plan.layout.top_level}
        # Python 2's standard library (six: `import StringIO` behind a version check): no
        # distribution provides it, and Pants cannot own it; ignored, and said so.
        python2 = sorted({m.split(".")[0] for m in unowned if is_python2_stdlib(m)})
        if python2:
            self.python2_imports = python2
            toml = self.repo / PANTS_TOML
            toml.write_text(add_ignored_imports(_read(toml), python2, self.plans[0].dest))
        unowned = [m for m in unowned if not is_python2_stdlib(m)]
        third = sorted({m for m in unowned if m.split(".")[0] not in own})
        for plan in self.plans:
            mine = [m for m in unowned if own.get(m.split(".")[0]) is plan]
            entries = ignore_entries(mine, plan.layout.top_level)
            if entries:
                self.ignored_imports[plan.dest] = entries
                toml = self.repo / PANTS_TOML
                toml.write_text(add_ignored_imports(_read(toml), entries, plan.dest))
        if not third:
            return
        locked = locked_versions(_read(self.repo / LOCK))
        mapping = pants_default_module_mapping([cache_dir()])
        found = {m: provider_in_lock(m, locked, mapping) for m in third}
        missing = [m for m, provider in found.items() if provider is None]
        if missing:
            raise StepError(
                "imports no requirement provides (and no locked distribution either): "
                + ", ".join(missing)
                + ". Name the distribution that provides each: rerun with --require NAME "
                "(e.g. --require 'simplejson>=3'); nothing of this adoption was kept"
            )
        providers = [p for p in found.values() if p]
        texts = {f: _read(self.repo / REQUIREMENTS_DIR / f) for f in INPUT_FILES}
        declared = read_inputs(texts, REQUIREMENTS_DIR)
        # A provider we declare already owns the import once Pants knows its module.
        additions = sorted({p.name for p in providers if p.name not in declared})
        plan = self.plans[0]
        path = self.repo / REQUIREMENTS_DIR / "runtime.txt"
        extra = [Declared(parse_requirement(name), "the lock", "runtime") for name in additions]
        path.write_text(render_additions(_read(path), extra, plan.dest))
        self.map_modules({p.name: p.module for p in providers if p.needs_mapping}, "")
        self.found_in_lock = [f"{m} ({p.name})" for m, p in found.items() if p]
        self.say(f"imports without an owner: {', '.join(self.found_in_lock)}; adding them")
        if additions:
            self.relock()
        again = unowned_imports(self.infer(specs))
        left = [m for m in again if m.split(".")[0] not in own]
        if left:
            raise StepError(f"imports still without an owner after adding {additions}: {left}")

    def copy_files(self, plan: Plan) -> None:
        for source, destination in sorted(plan.layout.moves.items()):
            target = plan.repo / plan.dest / destination
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(plan.staged.root / source, target)

    def merge_history(self, plan: Plan) -> None:
        """Upstream history rewritten to the house paths under TREE/NAME/, then merged."""
        repo = self.repo
        prefix, ref = f"{plan.dest}/", f"refs/adopt/{plan.info.name}"
        export = subprocess.run(
            ["git", "-C", str(plan.staged.git_dir), "fast-export", "--signed-tags=strip",
             "--tag-of-filtered-object=drop", "--reencode=yes", "HEAD"],
            capture_output=True, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        if export.returncode != 0:
            raise StepError(f"git fast-export failed:\n{export.stderr.decode(errors='replace')}")

        def to_house(path: str) -> Optional[str]:
            destination = plan.layout.historic_destination(path)
            return prefix + destination if destination else None

        stream, _ = rewrite_export(export.stdout, to_house, ref)
        imported = subprocess.run(
            ["git", "-C", str(repo), "fast-import", "--quiet", "--force"],
            input=stream,
            capture_output=True,
        )
        if imported.returncode != 0:
            raise StepError(f"git fast-import failed:\n{imported.stderr.decode(errors='replace')}")
        try:
            git(
                repo, "merge", "-q", "--no-ff", "--allow-unrelated-histories", "-m",
                f"adopt: merge the history of {plan.source} as {prefix}", ref,
            )  # fmt: skip
        finally:
            git(repo, "update-ref", "-d", ref)

    def rollback(self) -> None:
        repo = self.repo
        if self.head:
            # `reset --hard` also ends a merge in progress; the tree was clean before we began.
            git(repo, "reset", "-q", "--hard", self.head)
        for plan in self.plans:
            shutil.rmtree(repo / plan.dest, ignore_errors=True)
        for path, content in self.saved.items():
            if content is None:
                (repo / path).unlink(missing_ok=True)
            else:
                (repo / path).write_bytes(content)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summary(plan: Plan, adoption: Optional[Adoption], *, dry_run: bool) -> str:
    moved = sorted(plan.layout.moves.values())
    code = [p for p in moved if p.startswith("src/") and p.endswith(".py")]
    tests = [
        p
        for p in moved
        if p.endswith(".py") and is_test_file(Path(p).name) and not p.endswith("conftest.py")
    ]
    test_functions = sum(
        len(
            re.findall(
                r"^\s*(?:async\s+)?def test",
                (plan.staged.root / s).read_text(errors="replace"),
                re.M,
            )
        )
        for s, d in plan.layout.moves.items()
        if d in tests
    )
    label = f"{plan.info.dist_name} {plan.info.version}".strip()
    verb = "would adopt" if dry_run else "adopted"
    lines = [
        f"{verb} {label} into {plan.dest} "
        f"(from {plan.staged.kind} {plan.source}, {plan.layout.kind} layout)",
        f"  files: {len(moved)} copied ({len(code)} code, {len(tests)} test, "
        f"{len(moved) - len(code) - len(tests)} other)",
    ]
    if plan.layout.dropped:
        shown = ", ".join(plan.layout.dropped[:8]) + (
            ", ..." if len(plan.layout.dropped) > 8 else ""
        )
        lines.append(f"  not copied ({len(plan.layout.dropped)}): {shown}")
    lines.append(
        f"  tests: {_count(len(tests), 'file')}, {_count(test_functions, 'test function')}"
    )
    if plan.info.tree != "infra":
        lines.append(f"  pythons: {describe_pythons(plan.info)}")
    lines.append(
        f"  metadata from: {', '.join(plan.meta.sources) or 'nothing (no metadata files)'}"
    )
    added = [
        f"{REQUIREMENTS_DIR}/{f}: {', '.join(str(d.requirement) for d in items)}"
        for f, items in plan.merge.added.items()
        if items
    ]
    lines.append("  requirements added: " + ("; ".join(added) if added else "none"))
    for promotion in plan.promoted:
        sites = ", ".join(str(site) for site in promotion.sites[:3])
        lines.append(
            f"    {promotion.requirement.name}: imported ({sites}) but upstream only gets it via "
            f"{promotion.via}; added so the import has an owner"
        )
    if plan.merge.satisfied:
        lines.append(
            "  requirements already provided: "
            + ", ".join(f"{d.requirement} by {o.where}" for d, o in plan.merge.satisfied)
        )
    for ours, narrowed, item in plan.merge.narrowed:
        lines.append(
            f"  requirement narrowed: {ours.requirement} -> {narrowed} ({ours.where}), for "
            f"{item.requirement} ({item.origin})"
        )
    lines.append(f"  conflicts: {len(plan.merge.conflicts) or 'none'}")
    for conflict in plan.merge.conflicts:
        lines += [f"    {conflict.render()}", f"      {conflict.fix}"]
    if plan.meta.preferences:
        lines.append(
            f"  upstream's pins: {len(plan.meta.preferences)} read as preferences, not requirements"
        )
    lines.append(f"  BUILD files: {', '.join(f'{plan.dest}/{p}' for p in plan.builds)}")
    lines += plan.deploy_report
    what = {
        "pytest.ini": "upstream's pytest settings",
        "conftest.py": "generated: tests run from the project directory, project installed",
    }
    for path in plan.extra_files:
        lines.append(f"  also written: {plan.dest}/{path} ({what.get(path, 'generated')})")
    if plan.tests_root:
        lines.append(f"  source root added ({PANTS_TOML}): {plan.tests_root} (tests not a package)")
    if adoption is not None:
        created = adoption.tailor_output.splitlines()
        lines.append(f"  tailor: {'; '.join(created) if created else 'nothing to add'}")
        mapped = adoption.mapped_modules.get(plan.dest, [])
        if mapped:
            lines.append(
                "  modules Pants' default mapping does not know, now mapped: " + ", ".join(mapped)
            )
        differences = pin_differences(
            plan.meta.preferences, locked_versions(_read(plan.repo / LOCK))
        )
        if differences:
            lines.append(f"  upstream pins that differ from our lock ({len(differences)}):")
            lines += [f"    {difference}" for difference in differences]
        ignored = adoption.ignored_imports.get(plan.dest, [])
        lines.append(
            f"  run-time-only imports of its own ignored ({PANTS_TOML} "
            f"[python-infer].ignored_unowned_imports): " + (", ".join(ignored) or "none")
        )
        if adoption.python2_imports:
            lines.append(
                f"  Python 2 standard-library imports ignored ({PANTS_TOML} "
                f"[python-infer].ignored_unowned_imports): {', '.join(adoption.python2_imports)}"
            )
        lines.append(f"  baseline entries added: {len(adoption.baseline_added)}")
        lines += [f"    {entry}" for entry in adoption.baseline_added]
    for note in plan.notes:
        lines.append(f"  note: {note}")
    if plan.info.tree == "infra":
        lines.append(f"check it: ./pants lint {plan.dest}::")
    else:
        lines.append(f"run its tests: ./pants test {plan.dest}::")
    return "\n".join(lines)


def adoption_summary(adoption: Adoption) -> list[str]:
    """What the adoption did for all its projects at once (one relock, one lock), said once."""
    lines = [
        "lock: "
        + (", ".join(adoption.lock_moves) if adoption.lock_moves else "no locked version moved")
        + (f"; {adoption.lock_added} projects added" if adoption.lock_added else "")
    ]
    if adoption.found_in_lock:
        lines.append(
            "imports provided only transitively, now required: " + ", ".join(adoption.found_in_lock)
        )
    if adoption.mapped_modules.get(""):
        lines.append(
            "modules Pants' default mapping does not know, now mapped: "
            + ", ".join(adoption.mapped_modules[""])
        )
    if adoption.pants_runs:
        lines.append(
            f"./pants runs ({len(adoption.pants_runs)}): "
            + ", ".join(f"{goals} {seconds:.1f} s" for goals, seconds in adoption.pants_runs)
        )
    return lines


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # rolled back and the daemon stopped, as on Ctrl-C


def main(argv: Sequence[str]) -> int:
    # Stopped by SIGTERM (a test's or a CI job's timeout): roll back and stop the adoption's
    # pantsd as on Ctrl-C, rather than leave half an adoption and a daemon behind.
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return _main(argv)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    repo = Path(args.repo).resolve() if args.repo else Path(__file__).resolve().parents[2]
    say = lambda message: print(f"adopt: {message}", file=sys.stderr, flush=True)  # noqa: E731
    try:
        destinations = [check_destination(repo, dest) for dest in args.dest]
        paths = [f"{tree}/{name}" for tree, name in destinations]
        if len(set(paths)) != len(paths):
            raise UsageError(f"one --as given twice: {', '.join(paths)}")
        with tempfile.TemporaryDirectory(prefix="adopt-") as scratch:
            started = time.monotonic()
            plans: list[Plan] = []
            pending: list[tuple[str, Declared]] = []
            for index, (source, (tree, name)) in enumerate(zip(args.source, destinations)):
                say(f"reading {source}")
                plan = make_plan(
                    repo, source, tree, name, Path(scratch) / str(index), dry_run=args.dry_run,
                    extra_requirements=args.require if index == 0 else (), pending=pending,
                )  # fmt: skip
                pending += [
                    (plan.dest, item) for items in plan.merge.added.values() for item in items
                ]
                plans.append(plan)
            planning = time.monotonic() - started
            say(f"checked {len(plans)} project(s) in {planning:.1f} s")
            conflicts = sum(len(plan.merge.conflicts) for plan in plans)
            if conflicts or args.dry_run:
                print("\n".join(summary(plan, None, dry_run=True) for plan in plans))
                if conflicts:
                    print(
                        f"adopt: error: {conflicts} requirement conflict(s) with 3rdparty/python "
                        "(each with its fix above); nothing was written",
                        file=sys.stderr,
                    )
                    return 1
                return 0
            adoption = Adoption(plans, say)
            try:
                adoption.run()
            except BaseException as error:
                adoption.stop_daemon()
                say("failed; rolling back (nothing of the adoption is left)")
                adoption.rollback()
                if isinstance(error, StepError):
                    print(f"adopt: error: {error}", file=sys.stderr)
                    return 1
                raise
            finally:
                adoption.stop_daemon()
            print("\n".join(summary(plan, adoption, dry_run=False) for plan in plans))
            print("\n".join(adoption_summary(adoption)))
            timings = [("checks", planning), *adoption.timings]
            total = sum(seconds for _, seconds in timings)
            print(
                "timings: "
                + ", ".join(f"{label} {seconds:.1f} s" for label, seconds in timings)
                + f"; total {total:.1f} s"
            )
            return 0
    except (UsageError, SourceError, LayoutError, MetadataError, DeployError) as error:
        print(f"adopt: error: {error}", file=sys.stderr)
        return 2
    except StepError as error:  # git failed while planning: nothing was written yet
        print(f"adopt: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("adopt: interrupted; rolled back", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
