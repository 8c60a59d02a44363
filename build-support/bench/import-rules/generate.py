"""Generate a synthetic Pantry-shaped monorepo to benchmark the import rules linter.

    python generate.py DEST [--modules 5000] [--projects 40] [--seed 1]
    python generate.py --inject DEST     # add two forbidden imports to a generated tree

Writes into DEST (standard library only; deterministic for a seed):

- `--projects` projects: 40% services (`services/svcNN/src/svcNN/`), 30% shared libs
  (`libs/shared/shNN/src/shNN/`), the rest internal libs (`libs/internal/inNN/...`),
  `--modules` Python modules in all, each project a package of subpackages with a
  `python_sources()` BUILD file per directory;
- realistic *allowed* imports only: every module imports two or three modules of its own
  project (absolute, relative, aliased) and one or two of the projects its project
  depends on, at module level, inside a function or under `if TYPE_CHECKING:`. Project
  dependencies follow the rules and form no cycle: a service uses internal and shared
  libs, an internal lib lower-numbered internal libs and shared libs, a shared lib
  lower-numbered shared libs;
- `.importlinter`: import-linter's equivalent of the rules that apply to Python imports,
  as `forbidden` contracts on direct imports: one per service (rule 1: nothing else may
  import it) and one for rule 5 (shared libs may not import internal libs);
- `import-rules-request.json`: the import rules checker's request for the same files, to
  time the checker alone, without Pants.

`--inject` appends a service importing another service (rule 1) and a shared lib importing
an internal lib (rule 5), and prints both as the checker reports them. Neither closes a
project cycle: services depend on no service, and no internal lib uses the last shared lib.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

SERVICE, SHARED, INTERNAL = "service", "shared", "internal"
SOURCE_ROOT_PATTERNS = ("/services/*/src", "/libs/shared/*/src", "/libs/internal/*/src")
MODULES_PER_SUBPACKAGE = 25
RULE_1 = "rule 1: nothing may import a service other than itself"
RULE_5 = (
    "rule 5: only services and internal libs may import internal libs (published code cannot "
    "depend on unpublished code)"
)


@dataclass(frozen=True)
class Project:
    kind: str
    package: str
    modules: tuple[str, ...]  # dotted names of the leaf modules, in order

    @property
    def root(self) -> str:
        parent = {SERVICE: "services", SHARED: "libs/shared", INTERNAL: "libs/internal"}
        return f"{parent[self.kind]}/{self.package}"

    @property
    def source_root(self) -> str:
        return f"{self.root}/src"


def plan_projects(modules: int, projects: int) -> tuple[Project, ...]:
    """Name the projects and their modules: `modules` .py files in all, __init__.py included."""
    if projects < 3 or modules < projects * 4:
        raise SystemExit(f"need at least 3 projects and 4 modules each, got {projects}/{modules}")
    services = round(projects * 0.4)
    shared = round(projects * 0.3)
    kinds = [SERVICE] * services + [SHARED] * shared + [INTERNAL] * (projects - services - shared)
    prefix = {SERVICE: "svc", SHARED: "sh", INTERNAL: "in"}
    counters = {SERVICE: 0, SHARED: 0, INTERNAL: 0}
    planned = []
    for i, kind in enumerate(kinds):
        package = f"{prefix[kind]}{counters[kind]:02}"
        counters[kind] += 1
        files = modules // projects + (1 if i < modules % projects else 0)
        subpackages = max(1, files // MODULES_PER_SUBPACKAGE)
        leaves = files - 1 - subpackages  # minus the package's and subpackages' __init__.py
        names = [
            f"{package}.sub{j % subpackages}.m{j:03}"
            for j in sorted(range(leaves), key=lambda j: (j % subpackages, j))
        ]
        planned.append(Project(kind=kind, package=package, modules=tuple(names)))
    return tuple(planned)


def plan_dependencies(projects: Sequence[Project], rng: random.Random) -> dict[str, list[Project]]:
    """Two to four allowed, acyclic dependencies per project (see the module docstring)."""
    shared = [p for p in projects if p.kind == SHARED]
    internal = [p for p in projects if p.kind == INTERNAL]
    dependencies = {}
    for project in projects:
        if project.kind == SERVICE:
            candidates = shared + internal
        elif project.kind == INTERNAL:
            # The last shared lib is only for services: `--inject` makes it import an
            # internal lib, which then must not reach it back (that would be a cycle too).
            candidates = shared[:-1] + internal[: internal.index(project)]
        else:
            candidates = shared[: shared.index(project)]
        dependencies[project.package] = rng.sample(
            candidates, min(len(candidates), rng.randint(2, 4))
        )
    return dependencies


def render_module(
    module: str, project: Project, dependencies: Sequence[Project], rng: random.Random
) -> str:
    """A module with a docstring, stdlib imports, allowed first-party imports and some code."""
    index = project.modules.index(module)
    package = module.rpartition(".")[0]
    lines = [f'"""{module}: synthetic module for the import rules benchmark."""', ""]
    lines += ["from __future__ import annotations", "", "import json", "import logging"]
    lines += ["from typing import TYPE_CHECKING, Any", ""]
    used = []
    earlier = project.modules[:index]
    targets = rng.sample(earlier, min(len(earlier), rng.randint(2, 3)))
    siblings = [m for m in earlier if m.rpartition(".")[0] == package]
    if siblings and targets:
        targets[0] = rng.choice(siblings)
    for n, target in enumerate(dict.fromkeys(targets)):
        target_package, _, name = target.rpartition(".")
        if target_package == package and n == 0:
            lines.append(f"from . import {name}")  # relative
            used.append(name)
        elif n == 1:
            alias = f"{name}_{n}"
            lines.append(f"import {target} as {alias}")  # aliased
            used.append(alias)
        else:
            alias = f"{name}_{n}"
            lines.append(f"from {target_package} import {name} as {alias}")
            used.append(alias)
    deferred = []
    type_only = []
    if dependencies:
        for n in range(rng.randint(1, 2)):
            dependency = rng.choice(dependencies)
            target = rng.choice(dependency.modules)
            target_package, _, name = target.rpartition(".")
            alias = f"{dependency.package}_{name}"
            form = rng.random()
            if form < 0.7:
                lines.append(f"from {target_package} import {name} as {alias}")
                used.append(alias)
            elif form < 0.85:
                deferred.append(f"    from {target_package} import {name} as {alias}")
                deferred.append(f"    loaded.append({alias}.VERSION)")
            else:
                type_only.append(f"    from {target} import Thing as {alias}_Thing")
    if type_only:
        lines += ["", "if TYPE_CHECKING:", *type_only]
    lines += ["", "logger = logging.getLogger(__name__)", f"VERSION = {index}", ""]
    lines += ["", "class Thing:", '    """A value this module hands to its callers."""', ""]
    lines += ["    def __init__(self, payload: dict[str, Any]) -> None:"]
    lines += ["        self.payload = payload", ""]
    lines += [
        "    def dump(self) -> str:",
        "        return json.dumps(self.payload, sort_keys=True)",
    ]
    lines += ["", "", "def versions() -> list[int]:", "    loaded = [VERSION]"]
    lines += [f"    loaded.append({name}.VERSION)" for name in used]
    lines += deferred
    lines += ["    logger.debug('versions %s', loaded)", "    return loaded", ""]
    return "\n".join(lines)


def import_linter_config(projects: Sequence[Project]) -> str:
    """Forbidden contracts equivalent to rules 1 and 5 for direct Python imports."""
    packages = [p.package for p in projects]
    lines = ["[importlinter]", "root_packages =", *(f"    {p}" for p in packages), ""]
    for service in (p for p in projects if p.kind == SERVICE):
        others = [p for p in packages if p != service.package]
        lines += [
            f"[importlinter:contract:{service.package}]",
            f"name = rule 1: nothing may import {service.package} other than itself",
            "type = forbidden",
            "source_modules =",
            *(f"    {p}" for p in others),
            f"forbidden_modules = {service.package}",
            "allow_indirect_imports = True",
            "",
        ]
    lines += [
        "[importlinter:contract:rule-5]",
        "name = rule 5: shared libs may not import internal libs",
        "type = forbidden",
        "source_modules =",
        *(f"    {p.package}" for p in projects if p.kind == SHARED),
        "forbidden_modules =",
        *(f"    {p.package}" for p in projects if p.kind == INTERNAL),
        "allow_indirect_imports = True",
        "",
    ]
    return "\n".join(lines)


def module_path(project: Project, module: str, package: bool = False) -> str:
    relative = module.replace(".", "/")
    return (
        f"{project.source_root}/{relative}/__init__.py"
        if package
        else (f"{project.source_root}/{relative}.py")
    )


def generate(modules: int, projects: int, seed: int) -> dict[str, str]:
    """Every file of the synthetic tree: path -> content."""
    rng = random.Random(seed)
    planned = plan_projects(modules, projects)
    dependencies = plan_dependencies(planned, rng)
    files: dict[str, str] = {}
    source_roots: dict[str, str] = {}
    for project in planned:
        packages = {project.package} | {m.rpartition(".")[0] for m in project.modules}
        for package in sorted(packages):
            init = module_path(project, package, package=True)
            files[init] = f'"""{package}."""\n'
            source_roots[init] = project.source_root
            files[init.rpartition("/")[0] + "/BUILD"] = "python_sources()\n"
        for module in project.modules:
            path = module_path(project, module)
            files[path] = render_module(module, project, dependencies[project.package], rng)
            source_roots[path] = project.source_root
    files[".importlinter"] = import_linter_config(planned)
    request = {
        "version": 1,
        "rules_file": "build-support/import-rules.toml",
        "baseline_file": None,
        "python_files": [
            {"path": path, "source_root": root} for path, root in sorted(source_roots.items())
        ],
        "whole_repository": True,
    }
    files["import-rules-request.json"] = json.dumps(request, indent=1) + "\n"
    return files


def write(dest: Path, files: dict[str, str]) -> None:
    for path, content in files.items():
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        (dest / path).write_text(content)


def inject_violations(dest: Path) -> list[str]:
    """Append two forbidden imports; return them as the checker reports them."""

    def first_module(root: str) -> tuple[Path, str]:
        path = sorted((dest / root).glob("src/*/sub0/m*.py"))[0]
        relative = path.relative_to(dest / root / "src").with_suffix("")
        return path, ".".join(relative.parts)

    reports = []
    services = sorted(p.name for p in (dest / "services").iterdir())
    internal = sorted(p.name for p in (dest / "libs/internal").iterdir())
    shared = sorted(p.name for p in (dest / "libs/shared").iterdir())
    for importer_root, imported_root, rule in (
        (f"services/{services[0]}", f"services/{services[1]}", RULE_1),
        (f"libs/shared/{shared[-1]}", f"libs/internal/{internal[0]}", RULE_5),
    ):
        path, importer = first_module(importer_root)
        _, imported = first_module(imported_root)
        text = path.read_text()
        line = text.count("\n") + 1
        path.write_text(text + f"import {imported}\n")
        reports.append(
            f"{path.relative_to(dest)}:{line}: {importer} imports {imported} ({imported_root}) "
            f"— {rule}"
        )
    return sorted(reports)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="the directory to write the tree into")
    parser.add_argument("--modules", type=int, default=5000)
    parser.add_argument("--projects", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--inject", action="store_true", help="add two forbidden imports")
    args = parser.parse_args(argv)
    if args.inject:
        for report in inject_violations(args.dest):
            print(report)
        return 0
    files = generate(args.modules, args.projects, args.seed)
    write(args.dest, files)
    python = sum(1 for path in files if path.endswith(".py"))
    print(f"Wrote {python} modules in {args.projects} projects to {args.dest}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
