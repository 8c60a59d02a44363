"""BUILD files for an adopted project, in the house layout (pure: paths in, texts out).

- Every directory under src/ and tests/ with Python files gets `python_sources()`
  (`name="support"` under tests/, beside `python_tests(name="tests")`: helper modules such
  as linehaul's strategies.py), `python_test_utils(name="test_utils")` (conftest.py) and
  `python_tests(name="tests")` as its files need. Pants 2.17 takes a target's source root
  from its BUILD file's directory, so no target reaches into a subdirectory for Python files.
- Tests that are a package (`tests/__init__.py`) depend explicitly on the `__init__.py` files
  above them (`tests/__init__.py:support`: the target name is needed when the tests are
  parametrized): pytest imports them as `tests.test_x` only when those are in the sandbox,
  and Pants infers no dependency on an empty one. Every test target also depends on the
  project's pytest plugins (`ProjectInfo.test_dependencies`: nothing imports a plugin, pytest
  loads it by entry point) and on the root files the tests read (`files(name="test-data")`).
- The generated project-root conftest.py (adopt.upstream_tests) is a
  `python_test_utils(name="conftest")` in the root BUILD; Pants infers every test's
  dependency on it, as on any conftest.py above a test.
- Data files become targets that the code depends on explicitly (inference cannot see
  `open(Path(__file__).parent / ...)`): under src/, one `resources(name="data")` per
  top-level package (packaged in wheels); under tests/, one `files(name="fixtures")` in
  tests/BUILD that every test target depends on (tests read them from the sandbox).
- The project root BUILD: for shared libs a `python_distribution` from the project's own
  metadata (its console scripts as entry points); for services the `pex_binary` and
  `oci_image` targets of `adopt.deploy`; and `__defaults__` that
  keep formatters and flake8 off the upstream code until someone adopts the house style.
- Shared libs run (and test) on every CPython in 3.9-3.13 their Requires-Python admits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterable, Optional, Sequence

from adopt.layout import is_test_file
from adopt.requirements import RequirementError, parse_requirement

PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13")
# The Python of the house image base (//external/oci/python3.11): services' binaries run on it.
IMAGE_PYTHON = "3.11"


@dataclass(frozen=True)
class ProjectInfo:
    tree: str  # "services", "libs/shared", "libs/internal"
    name: str  # the directory name under the tree
    dist_name: str = ""
    version: str = ""
    summary: str = ""
    license: str = ""
    requires_python: str = ""
    origin: str = ""  # where it was adopted from, for the root BUILD's comment
    scripts: tuple[tuple[str, str], ...] = ()
    test_dependencies: tuple[str, ...] = ()  # addresses every test target depends on
    # Extras the distribution offers: ((name, (requirement, ...)), ...).
    extras: tuple[tuple[str, tuple[str, ...]], ...] = ()
    python_version: str = ""  # upstream's .python-version ("3.12"): services and internal libs
    # Services: the pex_binary and oci_image targets adopt.deploy rendered for the root BUILD.
    deploy_targets: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return f"{self.tree}/{self.name}"


def _minor(version: str) -> int:
    return int(version.split(".")[1])


def supported_pythons(requires_python: str) -> tuple[str, ...]:
    """The CPythons of the test matrix that `Requires-Python` admits (all, if unreadable)."""
    if not requires_python.strip():
        return PYTHONS
    try:
        requirement = parse_requirement(f"python{requires_python.strip()}")
    except RequirementError:
        return PYTHONS
    admitted = tuple(
        v for v in PYTHONS if requirement.contains(f"{v}.0") or requirement.contains(f"{v}.99")
    )
    return admitted or PYTHONS


def _call(name: str, args: Sequence[str]) -> str:
    """`name(args)` in the layout black gives it (line length 100)."""
    one_line = f"{name}({', '.join(args)})"
    if len(one_line) <= 100 and "\n" not in one_line:
        return one_line + "\n"
    return f"{name}(\n" + "".join(f"    {_indent(arg)},\n" for arg in args) + ")\n"


def _indent(text: str) -> str:
    return text.replace("\n", "\n    ")


def _list(items: Iterable[str]) -> str:
    quoted = [f'"{item}"' for item in items]
    one_line = "[" + ", ".join(quoted) + "]"
    if len(one_line) <= 80:
        return one_line
    return "[\n" + "".join(f"    {q},\n" for q in quoted) + "]"


def _ics(info: ProjectInfo) -> tuple[Optional[str], Optional[str]]:
    """(sources' interpreter_constraints arg, tests' one), None for the repository default.

    A service whose upstream runs on another Python (.python-version 3.12) than the house
    image's (IMAGE_PYTHON) needs both: upstream's to run its tests as upstream does, the
    image's for its `pex_binary`, which is built for the interpreter the image runs. Its
    sources admit both and its tests run on both.
    """
    if info.tree != "libs/shared":
        if not info.python_version:
            return None, None
        if info.deploy_targets and info.python_version != IMAGE_PYTHON:
            both = sorted({info.python_version, IMAGE_PYTHON}, key=_minor)
            sources = _list(f"CPython=={v}.*" for v in both)
            params = ",\n".join(f'py{v.replace(".", "")}=["CPython=={v}.*"]' for v in both)
            return (
                f"interpreter_constraints={sources}",
                f"interpreter_constraints=parametrize(\n    {_indent(params)},\n)",
            )
        # upstream runs on this one (.python-version)
        constraint = f'interpreter_constraints=["CPython=={info.python_version}.*"]'
        return constraint, constraint
    pythons = supported_pythons(info.requires_python)
    low, high = pythons[0], pythons[-1]
    upper = f"3.{int(high.split('.')[1]) + 1}"
    sources = f'interpreter_constraints=["CPython>={low},<{upper}"]'
    if len(pythons) == 1:
        return sources, f'interpreter_constraints=["CPython=={low}.*"]'
    params = ",\n".join(f'py{v.replace(".", "")}=["CPython=={v}.*"]' for v in pythons)
    return sources, f"interpreter_constraints=parametrize(\n    {_indent(params)},\n)"


def describe_pythons(info: ProjectInfo) -> str:
    """The summary's `pythons:` value: what the tests run on, and why."""
    if info.tree == "libs/shared":
        return ", ".join(supported_pythons(info.requires_python))
    if not info.python_version:
        return f"{IMAGE_PYTHON} (the repository default)"
    if info.deploy_targets and info.python_version != IMAGE_PYTHON:
        return (
            f"{info.python_version} (upstream's .python-version) and {IMAGE_PYTHON} (the "
            f"image's base, which its pex_binary targets are built for)"
        )
    return f"{info.python_version} (upstream's .python-version)"


def generate_build_files(
    files: Sequence[str], info: ProjectInfo, *, test_data: Sequence[str] = ()
) -> dict[str, str]:
    """BUILD path (relative to the project) -> text, for the project's house-layout `files`.

    `test_data`: files at the project root (outside src/ and tests/) that the tests read.
    """
    paths = sorted(files)
    sources_ics, tests_ics = _ics(info)
    builds: dict[str, list[str]] = {}
    code_dirs = sorted({str(PurePosixPath(p).parent) for p in paths if p.endswith((".py", ".pyi"))})
    data = [
        p for p in paths if not p.endswith((".py", ".pyi")) and PurePosixPath(p).name != "BUILD"
    ]
    src_data = [p for p in data if p.startswith("src/")]
    root_data = sorted(test_data)
    present = set(paths)
    test_data = [p for p in data if p.startswith("tests/")]
    data_packages = sorted(
        {PurePosixPath(p).parts[1] for p in src_data if len(PurePosixPath(p).parts) > 2}
    )
    fixtures = f"{info.path}/tests:fixtures"

    for directory in code_dirs:
        if not directory.startswith(("src", "tests")):
            continue
        names = [PurePosixPath(p).name for p in paths if str(PurePosixPath(p).parent) == directory]
        py = [n for n in names if n.endswith((".py", ".pyi"))]
        tests = [n for n in py if is_test_file(n) and n != "conftest.py"]
        plain = [n for n in py if not is_test_file(n)]
        parts = PurePosixPath(directory).parts
        targets = builds.setdefault(f"{directory}/BUILD", [])
        test_deps: list[str] = []
        if parts[0] == "tests":
            if test_data:
                test_deps.append(fixtures)
            if root_data:
                test_deps.append(f"{info.path}:test-data")
            packages = ("/".join(parts[:n]) for n in range(1, len(parts) + 1))
            test_deps += [
                f"{info.path}/{package}/__init__.py:support"
                for package in packages
                if f"{package}/__init__.py" in present
            ]
            test_deps += info.test_dependencies
        if plain:
            args = [a for a in ['name="support"' if parts[0] == "tests" else ""] if a]
            args += [a for a in [sources_ics] if a]
            if parts[0] == "src" and len(parts) > 1 and parts[1] in data_packages:
                args.append(f'dependencies=["{info.path}/src/{parts[1]}:data"]')
            if parts[0] == "tests" and test_data:
                args.append(f'dependencies=["{fixtures}"]')
            targets.append(_call("python_sources", args))
        if "conftest.py" in py:
            args = ['name="test_utils"', *[a for a in [sources_ics] if a]]
            if test_deps:
                args.append(f"dependencies={_list(test_deps)}")
            targets.append(_call("python_test_utils", args))
        if tests:
            args = ['name="tests"', *[a for a in [tests_ics] if a]]
            if test_deps:
                args.append(f"dependencies={_list(test_deps)}")
            targets.append(_call("python_tests", args))

    for package in data_packages:
        targets = builds.setdefault(f"src/{package}/BUILD", [])
        comment = "# Package data, read at run time (inference cannot see it); in the wheel too.\n"
        targets.append(comment + _call("resources", ['name="data"', _data_globs()]))
    top_src_data = [p for p in src_data if len(PurePosixPath(p).parts) == 2]
    if top_src_data:
        names = [PurePosixPath(p).name for p in top_src_data]
        builds.setdefault("src/BUILD", []).append(
            _call("resources", ['name="data"', f"sources={_list(names)}"])
        )
    if test_data:
        comment = "# Test fixtures, read from the sandbox by path (inference cannot see that).\n"
        builds.setdefault("tests/BUILD", []).append(
            comment + _call("files", ['name="fixtures"', _data_globs()])
        )

    # Terraform (infra/) and the service's binaries and image: adopt.infra and adopt.deploy.
    root = [_root_build(paths, info, sources_ics)]
    if "conftest.py" in paths:
        comment = (
            "# Generated by build-support/bin/adopt: runs the tests as upstream's pytest does\n"
            "# (from the project directory, with the project's metadata); see conftest.py.\n"
        )
        args = ['name="conftest"', 'sources=["conftest.py"]', *[a for a in [sources_ics] if a]]
        # "Installed": the project's code is in every test's sandbox, imported or not (a test
        # may only run it, as `python -m pkg` or a console script, in a subprocess).
        if _source_targets(paths, info):
            args.append(f"dependencies={_list(_source_targets(paths, info))}")
        root.append(comment + _call("python_test_utils", args))
    if root_data:
        comment = "# Files at the project root that the tests read (inference cannot see that).\n"
        root.append(comment + _call("files", ['name="test-data"', f"sources={_list(root_data)}"]))
    builds["BUILD"] = root
    return {path: "\n".join(targets) for path, targets in sorted(builds.items())}


def _data_globs() -> str:
    return 'sources=["**/*", "!**/*.py", "!**/*.pyi", "!**/BUILD"]'


def _source_targets(paths: Sequence[str], info: ProjectInfo) -> list[str]:
    """The src/ targets a distribution owns: each directory with non-test code."""
    dirs = {
        str(PurePosixPath(p).parent)
        for p in paths
        if p.startswith("src/") and p.endswith(".py") and not is_test_file(PurePosixPath(p).name)
    }
    return sorted(f"{info.path}/{d}" for d in dirs)


def _root_build(paths: Sequence[str], info: ProjectInfo, sources_ics: Optional[str]) -> str:
    what = info.dist_name or info.name
    version = f" {info.version}" if info.version else ""
    origin = f" from {info.origin}" if info.origin else ""
    out = [
        f"# {what}{version}, adopted{origin} with build-support/bin/adopt.\n"
        + (f"# {info.summary}\n" if info.summary else "")
        + "# Upstream code keeps upstream style: black, isort, flake8 and mypy skip it until it\n"
        + "# is reformatted and type-checks (drop these defaults, then ./pants fmt lint check "
        + f"{info.path}::).\n"
        + "__defaults__(\n"
        + "    {\n"
        + "        (python_sources, python_tests, python_test_utils): dict(\n"
        + "            skip_black=True, skip_isort=True, skip_flake8=True, skip_mypy=True\n"
        + "        )\n"
        + "    }\n"
        + ")\n"
    ]
    sources = _source_targets(paths, info)
    if info.tree == "libs/shared":
        artifact = [f'name="{info.dist_name or info.name}"', f'version="{info.version or "0.0.0"}"']
        if info.summary:
            artifact.append(f"description={_quote(info.summary)}")
        if info.license:
            artifact.append(f"license={_quote(info.license)}")
        # The project's own Requires-Python, or none: Pants would otherwise derive one from
        # the test matrix's interpreter constraints, which upstream never declared.
        artifact.append(f"python_requires={_quote(info.requires_python)}")
        if info.extras:
            entries = ", ".join(
                f"{_quote(extra)}: [{', '.join(_quote(r) for r in requirements)}]"
                for extra, requirements in info.extras
            )
            artifact.append(f"extras_require={{{entries}}}")
        args = [
            'name="dist"',
            f"dependencies={_list(sources)}",
            _call("provides=python_artifact", artifact).rstrip("\n"),
        ]
        if info.scripts:  # upstream's console scripts survive into the wheel
            scripts = ", ".join(f"{_quote(n)}: {_quote(e)}" for n, e in info.scripts)
            args.append(f'entry_points={{"console_scripts": {{{scripts}}}}}')
        if sources_ics:
            args.append(sources_ics)
        args.append('repositories=["@pantry-index"]')
        out.append(_call("python_distribution", args))
    if info.tree == "services":
        out.extend(info.deploy_targets)
    return "\n".join(out)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
