"""Terraform in the house layout: BUILD targets for it, and repositories that are only Terraform.

Pure: paths in, paths and BUILD texts out.

- `terraform_build_files`: every directory of `.tf` files gets `files(name="infra", ...)`,
  which is how the import-rules linter finds Terraform (it checks the local `source` of each
  `module` block in the `.tf` files of `files` targets) and how `./pants affected` sees a
  change to it. The directory's other files (templates, `.terraform.lock.hcl`) are in the same
  target; a directory without `.tf` files (`vcl/`, `html/`) gets `files(name="data")`, a
  dependency of the nearest Terraform directory above it, so a change there affects it too.
- `plan_infra_layout`: a repository of Terraform (e.g. a `terraform/` directory, or `.tf`
  files at the top) adopted with `--as infra/NAME`: the Terraform root's files go to
  `infra/NAME/` as they are, with the top-level README and licence; everything else (other
  tools' directories, Makefiles, CI config, Dockerfiles) is left out and listed. The same
  rule places the paths of every upstream commit, so history comes along.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Optional, Sequence

from adopt.build_files import _call, _list
from adopt.layout import CONTAINER_BUILD, DOCUMENTS, JUNK, Layout, LayoutError

TERRAFORM_ROOTS = ("terraform", "infra")
NOT_BUILD_INPUTS = (".gitignore", "BUILD")
TERRAFORM_SUFFIXES = (".tf", ".tfvars", ".hcl", ".tftpl")


def terraform_build_files(paths: Sequence[str], project: str, under: str) -> dict[str, str]:
    """BUILD path (relative to the project) -> text, for the Terraform under `under`.

    `paths`: the project's files (relative to it); `under`: the project-relative directory
    holding its Terraform ("infra" for a service, "" for an adopted infra repository).
    """
    prefix = f"{under}/" if under else ""
    by_dir: dict[str, list[str]] = defaultdict(list)
    for path in sorted(paths):
        pure = PurePosixPath(path)
        if path.startswith(prefix) and not _is_document(pure):
            by_dir[str(pure.parent) if str(pure.parent) != "." else ""].append(pure.name)
    modules = {d for d, names in by_dir.items() if any(n.endswith(".tf") for n in names)}
    if not modules:
        return {}
    data_of: dict[str, list[str]] = defaultdict(list)
    for directory in by_dir:
        if directory not in modules:
            owner = _nearest(directory, modules)
            if owner is not None:
                data_of[owner].append(directory)
    builds = {}
    for directory, names in sorted(by_dir.items()):
        build = f"{directory}/BUILD" if directory else "BUILD"
        sources = _globs(names)
        if directory in modules:
            fields = ['name="infra"', f"sources={_list(sources)}"]
            deps = sorted(f"{_join(project, d)}:data" for d in data_of.get(directory, ()))
            if deps:
                fields.append(f"dependencies={_list(deps)}")
            builds[build] = (
                "# Terraform: the import-rules linter checks the local `source` of each `module`\n"
                "# block, and a change here is a change to the target (there is no Terraform\n"
                "# backend).\n" + _call("files", fields)
            )
        elif directory in {d for ds in data_of.values() for d in ds}:
            builds[build] = "# Files the Terraform above reads (e.g. with file()).\n" + _call(
                "files", ['name="data"', f"sources={_list(sources)}"]
            )
    return builds


def _is_document(path: PurePosixPath) -> bool:
    """Not read by Terraform: the project's README and licence, git's own files, BUILD."""
    return path.name in NOT_BUILD_INPUTS or (
        len(path.parts) == 1 and bool(DOCUMENTS.match(path.name))
    )


def _nearest(directory: str, modules: set[str]) -> Optional[str]:
    parts = PurePosixPath(directory).parts
    for n in range(len(parts) - 1, -1, -1):
        candidate = "/".join(parts[:n])
        if candidate in modules:
            return candidate
    return None


def _join(project: str, directory: str) -> str:
    return f"{project}/{directory}" if directory else project


def _globs(names: Sequence[str]) -> list[str]:
    """`*.tf` and `*.SUFFIX` for the suffixes present (new files are picked up); other names
    (dotfiles like `.terraform.lock.hcl`, files without a suffix) as they are."""
    globs = set()
    for name in names:
        suffix = PurePosixPath(name).suffix
        if name.startswith(".") or not suffix:
            globs.add(name)
        else:
            globs.add(f"*{suffix}")
    return sorted(globs, key=lambda g: (g != "*.tf", g))


@dataclass
class InfraLayout(Layout):
    """Where a Terraform repository's files go: its Terraform root's files under infra/NAME/."""

    root: str = ""  # upstream's Terraform root: "terraform", "infra" or "" (the top)
    module_dirs: frozenset[str] = frozenset()  # today's directories of .tf files

    def historic_destination(self, path: str) -> Optional[str]:
        if path in self.moves:
            return self.moves[path]
        if path in self.dropped:
            return None
        return _infra_destination(path, self.root, self.module_dirs)

    @property
    def top_level(self) -> list[str]:
        return []


def plan_infra_layout(files: Sequence[str]) -> InfraLayout:
    paths = sorted(p for p in files if not JUNK.search(p))
    terraform = [p for p in paths if p.endswith(".tf")]
    if not terraform:
        raise LayoutError(
            "no Terraform (.tf) files found; --as infra/NAME takes a repository of Terraform "
            "(a terraform/ or infra/ directory, or .tf files at the top); a Python project "
            "goes to services/NAME, libs/shared/NAME or libs/internal/NAME"
        )
    tops = {PurePosixPath(p).parts[0] if "/" in p else "" for p in terraform}
    root = tops.pop() if len(tops) == 1 and tops <= {*TERRAFORM_ROOTS} else ""
    module_dirs = frozenset(str(PurePosixPath(p).parent) for p in terraform)
    layout = InfraLayout(kind="terraform", root=root, module_dirs=module_dirs)
    taken = set()
    # The Terraform root's own files first, so a README there wins over the top-level one.
    for path in sorted(paths, key=lambda p: (not p.startswith(f"{root}/") if root else False, p)):
        destination = _infra_destination(path, root, module_dirs)
        if destination is not None and destination in taken:
            layout.notes.append(f"{path}: not copied ({destination} comes from {root}/)")
            destination = None
        if destination is None:
            layout.dropped.append(path)
        else:
            taken.add(destination)
            layout.moves[path] = destination
    layout.dropped.sort()
    return layout


def _infra_destination(path: str, root: str, module_dirs: frozenset[str]) -> Optional[str]:
    pure = PurePosixPath(path)
    if JUNK.search(path) or CONTAINER_BUILD.search(path) or path.startswith(".github/"):
        return None
    if len(pure.parts) == 1 and DOCUMENTS.match(pure.name):
        return path
    if root:
        return path[len(root) + 1 :] if path.startswith(f"{root}/") else None
    # Terraform at the top: keep Terraform's own files, and directories holding .tf files
    # (with what is below them); other tools' files stay behind.
    if pure.suffix in TERRAFORM_SUFFIXES:
        return path
    top = pure.parts[0]
    if len(pure.parts) > 1 and any(d == top or d.startswith(f"{top}/") for d in module_dirs):
        return path
    return None
