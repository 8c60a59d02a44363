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
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from adopt.build_files import ProjectInfo, generate_build_files, supported_pythons
from adopt.deploy import DeployError, place_deploy_files, plan_deploy, render_deploy
from adopt.history import rewrite_export
from adopt.infra import plan_infra_layout, terraform_build_files
from adopt.layout import Layout, LayoutError, is_test_file, plan_layout
from adopt.merge import (
    INPUT_FILES,
    Declared,
    MergePlan,
    locked_versions,
    plan_merge,
    read_inputs,
    render_additions,
)
from adopt.metadata import MetadataError, ProjectMetadata, module_version, read_metadata
from adopt.pants_toml import add_ignored_imports, ignore_entries, unowned_imports
from adopt.pytest_config import read_pytest_config, render_pytest_ini
from adopt.requirements import canonical_name, parse_requirement
from adopt.sources import SourceError, Staged, classify, stage

TREES = ("services", "libs/shared", "libs/internal", "infra")
REQUIREMENTS_DIR = "3rdparty/python"
LOCK = f"{REQUIREMENTS_DIR}/default.lock"
CONSTRAINTS = f"{REQUIREMENTS_DIR}/constraints.txt"
BASELINE = "build-support/import-rules-baseline.txt"
PANTS_TOML = "pants.toml"
NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
TOUCHED = (LOCK, CONSTRAINTS, BASELINE, PANTS_TOML)
PANTS = ("./pants", "--no-pantsd", "--no-watch-filesystem")

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
    deploy_report: list[str] = field(default_factory=list)  # binaries, image, Dockerfile hints

    @property
    def dest(self) -> str:
        return self.info.path


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
        "source", metavar="SOURCE", help="a git repository (path or URL), an sdist, or a directory"
    )
    parser.add_argument(
        "--as",
        dest="dest",
        metavar="TREE/NAME",
        required=True,
        help=f"where it goes; TREE is one of {', '.join(TREES)}; NAME is lower-case-with-dashes",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="check and print the plan; write nothing"
    )
    parser.add_argument("--repo", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


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
    repo: Path, source: str, tree: str, name: str, scratch: Path, *, dry_run: bool = False
) -> Plan:
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
    deploy = plan_deploy(staged.root, staged.files, meta.scripts) if tree == "services" else None
    layout = plan_layout(staged.files, with_infra=tree == "services", empty=staged.empty)
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
    if not version and tree == "libs/shared":
        version = "0.0.0"
        notes.append("no version found in the metadata; the distribution says 0.0.0: fix it")
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
        deploy_targets=rendered.root_targets if rendered else (),
    )
    texts = {f: _read(repo / REQUIREMENTS_DIR / f) for f in INPUT_FILES}
    ours = read_inputs(texts, REQUIREMENTS_DIR)
    lock_text = _read(repo / LOCK)
    merge = plan_merge(
        meta.requirements,
        ours,
        locked_versions(lock_text) if lock_text else {},
        self_name=canonical_name(meta.name) if meta.name else "",
    )
    builds = generate_build_files(house_files, info)
    builds.update(terraform_build_files(house_files, info.path, "infra"))
    if rendered:
        builds.update(rendered.builds)
    pytest_config = read_pytest_config(staged.root)
    extra_files = {}
    if pytest_config:
        extra_files["pytest.ini"], pytest_notes = render_pytest_ini(*pytest_config)
        notes += pytest_notes
    report = list(rendered.report) if rendered else []
    return Plan(repo, source, staged, meta, layout, merge, builds, info, notes, extra_files, report)


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
        list(layout.notes), {}, report,
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


def pants(repo: Path, *args: str) -> str:
    result = subprocess.run(
        [*PANTS, *args], cwd=repo, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0:
        lines = (result.stderr + result.stdout).strip().splitlines()
        # Pants' own error lines say what went wrong; its traceback (if any) says where.
        errors = [line for line in lines if "[ERROR]" in line or "Error:" in line]
        shown = "\n".join([*errors[:10], *lines[-15:]])
        raise StepError(f"./pants {' '.join(args)} failed:\n{shown}")
    return result.stdout + result.stderr


class Adoption:
    """Apply a plan; remember enough to undo it all."""

    def __init__(self, plan: Plan, say: Callable[[str], None]) -> None:
        self.plan = plan
        self.say = say
        self.saved: dict[str, Optional[bytes]] = {}
        self.head: Optional[str] = None
        self.baseline_added: list[str] = []
        self.tailor_output = ""
        self.ignored_imports: list[str] = []

    def run(self) -> None:
        plan, repo = self.plan, self.plan.repo
        for path in [*(f"{REQUIREMENTS_DIR}/{f}" for f in INPUT_FILES), *TOUCHED]:
            self.saved[path] = (repo / path).read_bytes() if (repo / path).is_file() else None
        steps = 5
        self.say(
            f"[1/{steps}] copying {plan.staged.kind} into {plan.dest} ({plan.layout.kind} layout)"
        )
        if plan.staged.kind == "git":
            self.head = git(repo, "rev-parse", "HEAD").strip()
            self.merge_history()
        else:
            self.copy_files()
        for path, text in {**plan.builds, **plan.extra_files}.items():
            target = repo / plan.dest / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        self.say(f"[2/{steps}] merging requirements into {REQUIREMENTS_DIR}")
        for filename, additions in plan.merge.added.items():
            path = repo / REQUIREMENTS_DIR / filename
            path.write_text(render_additions(_read(path), additions, plan.dest))
        if plan.merge.changes_inputs:
            self.say(
                f"[3/{steps}] regenerating {LOCK} (resolves against the package index; minutes)"
            )
            pants(repo, "generate-lockfiles", "--resolve=python-default")
            pants(repo, "export-constraints")
        else:
            self.say(f"[3/{steps}] no new requirements: the lock stays as it is")
        self.say(
            f"[4/{steps}] completing BUILD files (./pants tailor) and the import-rules baseline"
        )
        before = set(_read(repo / BASELINE).splitlines())
        specs = f"{plan.dest}::"
        self.tailor_output = pants(repo, "tailor", specs)
        # One run: format BUILD files, infer every dependency (unowned imports as warnings, so
        # all of them are listed at once), and record import-rule problems in the baseline.
        inferred = pants(
            repo,
            "--python-infer-unowned-dependency-behavior=warning",
            "update-build-files",
            "dependencies",
            "import-rules-baseline",
            specs,
        )
        self.ignored_imports = ignore_entries(unowned_imports(inferred), plan.layout.top_level)
        if self.ignored_imports:
            toml = repo / PANTS_TOML
            toml.write_text(add_ignored_imports(_read(toml), self.ignored_imports, plan.dest))
        self.baseline_added = [
            line for line in _read(repo / BASELINE).splitlines() if line not in before and line
        ]
        if plan.staged.kind == "git":
            self.say(f"[5/{steps}] committing the house layout on top of the merged history")
            git(repo, "add", "-A", "--", plan.dest, REQUIREMENTS_DIR, BASELINE, PANTS_TOML)
            git(
                repo,
                "commit",
                "-q",
                "-m",
                f"adopt: {plan.dest} in the house layout (BUILD files, requirements, baseline)",
            )
        else:
            self.say(
                f"[5/{steps}] done; review and commit: "
                f"git add {plan.dest} {REQUIREMENTS_DIR} {BASELINE} {PANTS_TOML}"
            )

    def copy_files(self) -> None:
        plan = self.plan
        for source, destination in sorted(plan.layout.moves.items()):
            target = plan.repo / plan.dest / destination
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(plan.staged.root / source, target)

    def merge_history(self) -> None:
        """Upstream history rewritten to the house paths under TREE/NAME/, then merged."""
        plan, repo = self.plan, self.plan.repo
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
        plan, repo = self.plan, self.plan.repo
        if self.head:
            # `reset --hard` also ends a merge in progress; the tree was clean before we began.
            git(repo, "reset", "-q", "--hard", self.head)
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
    if plan.info.tree == "libs/shared":
        lines.append(f"  pythons: {', '.join(supported_pythons(plan.info.requires_python))}")
    lines.append(
        f"  metadata from: {', '.join(plan.meta.sources) or 'nothing (no metadata files)'}"
    )
    added = [
        f"{REQUIREMENTS_DIR}/{f}: {', '.join(str(d.requirement) for d in items)}"
        for f, items in plan.merge.added.items()
        if items
    ]
    lines.append("  requirements added: " + ("; ".join(added) if added else "none"))
    if plan.merge.satisfied:
        lines.append(
            "  requirements already provided: "
            + ", ".join(f"{d.requirement} by {o.where}" for d, o in plan.merge.satisfied)
        )
    lines.append(f"  conflicts: {len(plan.merge.conflicts) or 'none'}")
    lines += [f"    {conflict.render()}" for conflict in plan.merge.conflicts]
    lines.append(f"  BUILD files: {', '.join(f'{plan.dest}/{p}' for p in plan.builds)}")
    lines += plan.deploy_report
    for path in plan.extra_files:
        lines.append(f"  also written: {plan.dest}/{path} (upstream's pytest settings)")
    if adoption is not None:
        created = [
            line.strip()
            for line in adoption.tailor_output.splitlines()
            if "Created" in line or "Updated" in line
        ]
        lines.append(f"  tailor: {'; '.join(created) if created else 'nothing to add'}")
        lines.append(
            f"  unowned imports ignored ({PANTS_TOML} [python-infer].ignored_unowned_imports): "
            + (", ".join(adoption.ignored_imports) or "none")
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


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    repo = Path(args.repo).resolve() if args.repo else Path(__file__).resolve().parents[2]
    say = lambda message: print(f"adopt: {message}", file=sys.stderr, flush=True)  # noqa: E731
    try:
        tree, name = check_destination(repo, args.dest)
        with tempfile.TemporaryDirectory(prefix="adopt-") as scratch:
            say(f"reading {args.source}")
            plan = make_plan(repo, args.source, tree, name, Path(scratch), dry_run=args.dry_run)
            if plan.merge.conflicts:
                print(summary(plan, None, dry_run=True))
                print(
                    f"adopt: error: {len(plan.merge.conflicts)} requirement conflict(s) with "
                    "3rdparty/python: resolve them by hand (in our inputs or upstream), then "
                    "rerun; nothing was written",
                    file=sys.stderr,
                )
                return 1
            if args.dry_run:
                print(summary(plan, None, dry_run=True))
                return 0
            adoption = Adoption(plan, say)
            try:
                adoption.run()
            except BaseException as error:
                say("failed; rolling back (nothing of the adoption is left)")
                adoption.rollback()
                if isinstance(error, StepError):
                    print(f"adopt: error: {error}", file=sys.stderr)
                    return 1
                raise
            print(summary(plan, adoption, dry_run=False))
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
