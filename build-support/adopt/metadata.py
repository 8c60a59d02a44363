"""What a project declares about itself: name, version, requirements (runtime and test).

Read, in this order (the first to name a project wins): pyproject.toml `[project]` (and
PEP 735 `[dependency-groups]`), setup.cfg, setup.py (only literal keyword arguments of the
`setup(...)` call; anything computed is reported, never executed), PKG-INFO (an sdist's
built metadata), requirements files (`requirements*.in|txt`, `requirements/*.in|txt`,
followed through `-r`/`-c`) and tox.ini `deps`. Test requirements are those of the extras or
groups named in TEST_EXTRAS, of tox.ini and of requirements files whose name mentions test or
dev; other extras are runtime requirements that the distribution also offers as extras.

A pip-compile'd file is upstream's lock, not its requirements: its top-level `.in` (or, with
none, the lines pip-compile marks `# via -r ...`) gives the requirements, and its `==` pins
are kept as `preferences` (reported against our lock, never merged). Pins it only has
transitively are `transitive`: adopt promotes one to a requirement when the project imports
it (botocore, pulled in by aiobotocore), and never otherwise.
"""

from __future__ import annotations

import ast
import configparser
import email.parser
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from adopt.merge import Declared
from adopt.requirements import (
    Requirement,
    RequirementError,
    RequirementsFile,
    parse_requirement,
    parse_requirements_file,
    requirement_lines,
)

TEST_EXTRAS = ("test", "tests", "testing", "dev")
# Requirements files of tools the monorepo provides itself (its own lint, docs are not built).
TOOL_FILES = re.compile(r"(^|[/_.-])(lint|linting|docs?|typing|mypy|format|pre-commit)([/_.-]|$)")
TEST_FILES = re.compile(r"test|dev|(^|[/_.-])ci([/_.-]|$)")
_EXTRA_MARKER = re.compile(
    r"""\s*(?:and\s+)?extra\s*==\s*['"](?P<extra>[^'"]+)['"]\s*(?:and\s+)?"""
)


class MetadataError(Exception):
    """Project metadata that cannot be read at all (e.g. pyproject.toml is not TOML)."""


@dataclass
class ProjectMetadata:
    name: str = ""
    version: str = ""
    summary: str = ""
    license: str = ""
    requires_python: str = ""
    requirements: list[Declared] = field(default_factory=list)
    scripts: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what was not read, and why
    sources: list[str] = field(default_factory=list)  # the files metadata came from
    # Extras the distribution offers (not test extras): name -> requirement strings.
    extras: dict[str, list[str]] = field(default_factory=dict)
    # Upstream's locked versions (pip-compile `==` pins): canonical name -> (version, file).
    preferences: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Pins upstream only has transitively: canonical name -> (requirement, "via aiobotocore").
    transitive: dict[str, tuple[Requirement, str]] = field(default_factory=dict)
    python_version: str = ""  # from .python-version, e.g. "3.12"
    dynamic_version: str = ""  # what computes the version when it is not literal

    def fill(self, **values: str) -> None:
        for key, value in values.items():
            if value and not getattr(self, key):
                setattr(self, key, str(value).strip())

    def add_extra(self, extra: str, requirements: Iterable[str], origin: str) -> None:
        """An extra the distribution offers: kept as an extra, merged as runtime requirements
        (tests of the extra's code need them)."""
        requirements = list(requirements)
        if extra not in self.extras:
            self.extras[extra] = requirements
        self.add(requirements, origin, "runtime")

    def add(self, requirements: Iterable[str], origin: str, kind: str) -> None:
        for text in requirements:
            try:
                requirement = parse_requirement(text)
            except RequirementError as error:
                self.notes.append(f"{origin}: skipped: {error}")
                continue
            if not any(
                d.requirement.key == requirement.key and d.kind == kind for d in self.requirements
            ):
                self.requirements.append(Declared(requirement, origin, kind))


def read_metadata(root: Path) -> ProjectMetadata:
    meta = ProjectMetadata()
    _read_pyproject(root, meta)
    _read_setup_cfg(root, meta)
    _read_setup_py(root, meta)
    _read_pkg_info(root, meta)
    _read_requirements_files(root, meta)
    _read_tox_deps(root, meta)
    _read_python_version(root, meta)
    return meta


def _read_pyproject(root: Path, meta: ProjectMetadata) -> None:
    path = root / "pyproject.toml"
    if not path.is_file():
        return
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise MetadataError(f"pyproject.toml is not valid TOML: {error}") from None
    project = data.get("project") or {}
    groups = data.get("dependency-groups") or {}
    if not project and not groups:
        return
    meta.sources.append("pyproject.toml")
    license_value = project.get("license", "")
    if isinstance(license_value, dict):
        license_value = license_value.get("text", "")
    meta.fill(
        name=project.get("name", ""),
        version=project.get("version", ""),
        summary=project.get("description", ""),
        license=license_value,
        requires_python=project.get("requires-python", ""),
    )
    if "version" in (project.get("dynamic") or []):
        tool = data.get("tool") or {}
        backend = (data.get("build-system") or {}).get("build-backend", "")
        if (
            "setuptools_scm" in tool
            or "hatch-vcs" in str(data.get("build-system"))
            or ((tool.get("hatch", {}).get("version", {}) or {}).get("source") == "vcs")
        ):
            meta.dynamic_version = "scm"
        else:
            meta.dynamic_version = f"dynamic ({backend or 'unknown backend'})"
    meta.add(project.get("dependencies", []), "pyproject.toml [project].dependencies", "runtime")
    for extra, requirements in (project.get("optional-dependencies") or {}).items():
        origin = f"pyproject.toml [project.optional-dependencies].{extra}"
        if extra in TEST_EXTRAS:
            meta.add(requirements, origin, "test")
        else:
            meta.add_extra(extra, requirements, origin)
    for group in groups:
        if group in TEST_EXTRAS:
            meta.add(
                _group(groups, group, ()), f"pyproject.toml [dependency-groups].{group}", "test"
            )
    for script, target in (project.get("scripts") or {}).items():
        meta.scripts.setdefault(script, target)


def _group(groups: dict, name: str, seen: tuple[str, ...]) -> list[str]:
    """A PEP 735 dependency group's requirements, `{include-group = ...}` expanded."""
    out: list[str] = []
    for item in groups.get(name) or []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and item.get("include-group") not in (*seen, name):
            out += _group(groups, item["include-group"], (*seen, name))
    return out


def _read_ini(root: Path, name: str, meta: ProjectMetadata) -> Optional[configparser.ConfigParser]:
    """An INI file of the project (setup.cfg, tox.ini), or None (absent, or noted unreadable)."""
    path = root / name
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except (configparser.Error, UnicodeDecodeError) as error:
        meta.notes.append(f"{name}: not read: {error}")
        return None
    return parser


def _read_setup_cfg(root: Path, meta: ProjectMetadata) -> None:
    parser = _read_ini(root, "setup.cfg", meta)
    if parser is None:
        return
    get = lambda section, key: parser.get(section, key, fallback="").strip()  # noqa: E731
    if not parser.has_section("metadata") and not parser.has_section("options"):
        return
    meta.sources.append("setup.cfg")
    version = get("metadata", "version")
    meta.fill(
        name=get("metadata", "name"),
        version="" if version.startswith(("attr:", "file:")) else version,
        summary=get("metadata", "description"),
        license=get("metadata", "license"),
        requires_python=get("options", "python_requires"),
    )
    meta.add(_lines(get("options", "install_requires")), "setup.cfg install_requires", "runtime")
    meta.add(_lines(get("options", "tests_require")), "setup.cfg tests_require", "test")
    if version.startswith("attr:") or get("options", "use_scm_version"):
        meta.dynamic_version = meta.dynamic_version or (
            "scm" if get("options", "use_scm_version") else f"setup.cfg {version}"
        )
    if parser.has_section("options.extras_require"):
        for extra, value in parser.items("options.extras_require"):
            if extra in TEST_EXTRAS:
                meta.add(_lines(value), f"setup.cfg extras_require.{extra}", "test")
            else:
                meta.add_extra(extra, _lines(value), f"setup.cfg extras_require.{extra}")
    if parser.has_section("options.entry_points"):
        for line in _lines(get("options.entry_points", "console_scripts")):
            script, _, target = line.partition("=")
            meta.scripts.setdefault(script.strip(), target.strip())


def _lines(value: str) -> list[str]:
    return [line for _, line in requirement_lines(value)]


def _read_setup_py(root: Path, meta: ProjectMetadata) -> None:
    path = root / "setup.py"
    if not path.is_file():
        return
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError) as error:
        meta.notes.append(f"setup.py: not parsed ({error}); add its requirements by hand")
        return
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            getattr(node.func, "id", None) == "setup" or getattr(node.func, "attr", None) == "setup"
        )
    ]
    if len(calls) != 1:
        meta.notes.append("setup.py: no single setup(...) call; add its requirements by hand")
        return
    values: dict[str, Any] = {}
    for keyword in calls[0].keywords:
        if keyword.arg is None:
            meta.notes.append("setup.py: setup(**...) not read; check its requirements by hand")
            continue
        try:
            values[keyword.arg] = ast.literal_eval(keyword.value)
        except ValueError:
            if keyword.arg in ("install_requires", "tests_require", "extras_require"):
                meta.notes.append(
                    f"setup.py: {keyword.arg} is computed, not a literal; not read (add by hand)"
                )
    meta.sources.append("setup.py")
    meta.fill(
        name=_text(values.get("name")),
        version=_text(values.get("version")),
        summary=_text(values.get("description")),
        license=_text(values.get("license")),
        requires_python=_text(values.get("python_requires")),
    )
    entry_points = values.get("entry_points")
    if isinstance(entry_points, dict):  # console scripts: tests may run them (trove-classifiers)
        for line in _strings(entry_points.get("console_scripts")):
            script, _, target = line.partition("=")
            meta.scripts.setdefault(script.strip(), target.strip())
    meta.add(_strings(values.get("install_requires")), "setup.py install_requires", "runtime")
    meta.add(_strings(values.get("tests_require")), "setup.py tests_require", "test")
    if values.get("use_scm_version") or "use_scm_version" in path.read_text(errors="replace"):
        meta.dynamic_version = meta.dynamic_version or "scm"
    extras = values.get("extras_require")
    if isinstance(extras, dict):
        for extra, requirements in extras.items():
            origin = f"setup.py extras_require.{extra}"
            if extra in TEST_EXTRAS:
                meta.add(_strings(requirements), origin, "test")
            else:
                meta.add_extra(extra, _strings(requirements), origin)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return _lines(value)
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, str)]
    return []


def _read_pkg_info(root: Path, meta: ProjectMetadata) -> None:
    path = root / "PKG-INFO"
    if not path.is_file():
        return
    message = email.parser.Parser().parsestr(path.read_text(encoding="utf-8", errors="replace"))
    meta.sources.append("PKG-INFO")
    license_value = message.get("License-Expression") or message.get("License") or ""
    meta.fill(
        name=message.get("Name", ""),
        version=message.get("Version", ""),
        summary=message.get("Summary", ""),
        license=license_value if "\n" not in license_value.strip() else "",
        requires_python=message.get("Requires-Python", ""),
    )
    runtime, test = [], []
    extras: dict[str, list[str]] = {}
    for value in message.get_all("Requires-Dist") or []:
        requirement, _, marker = value.partition(";")
        extra = _EXTRA_MARKER.search(marker)
        if extra is None:
            runtime.append(value)
            continue
        rest = _EXTRA_MARKER.sub(" ", marker).strip()
        without_extra = requirement.strip() + (f"; {rest}" if rest else "")
        if extra["extra"] in TEST_EXTRAS:
            test.append(without_extra)
        else:
            extras.setdefault(extra["extra"], []).append(without_extra)
    meta.add(runtime, "PKG-INFO Requires-Dist", "runtime")
    meta.add(test, "PKG-INFO Requires-Dist (test extra)", "test")
    for extra_name, requirements in extras.items():
        meta.add_extra(extra_name, requirements, f"PKG-INFO Requires-Dist (extra {extra_name!r})")


def _requirement_files(root: Path) -> list[str]:
    patterns = (
        "*requirements*.txt",
        "*requirements*.in",
        "requirements/*.txt",
        "requirements/*.in",
    )
    found = {p.relative_to(root).as_posix() for pattern in patterns for p in root.glob(pattern)}
    return sorted(f for f in found if (root / f).is_file())


def _read_requirements_files(root: Path, meta: ProjectMetadata) -> None:
    """Every requirements file, each read once; includes of files found elsewhere followed."""
    pending = [(name, None) for name in _requirement_files(root)]
    seen: set[str] = set()
    while pending:
        relative, inherited_kind = pending.pop(0)
        if relative in seen:
            continue
        seen.add(relative)
        path = root / relative
        if not path.is_file():
            meta.notes.append(f"{relative}: included but missing; not read")
            continue
        parsed = parse_requirements_file(
            path.read_text(encoding="utf-8", errors="replace"), relative
        )
        meta.sources.append(relative)
        meta.notes += [f"skipped: {problem}" for problem in parsed.problems]
        for option, included in parsed.includes:
            target = (path.parent / included.replace("{toxinidir}/", "")).resolve()
            try:
                name = target.relative_to(root.resolve()).as_posix()
            except ValueError:
                meta.notes.append(f"{relative}: {option} {included} is outside the project")
                continue
            if option == "-c":
                _prefer(meta, name, root)
            pending.append((name, inherited_kind))
        _merge_file(root, meta, parsed, inherited_kind)


def _file_kind(relative: str) -> str:
    name = relative.lower()
    if TOOL_FILES.search(name):
        return "tool"
    return "test" if TEST_FILES.search(name) else "runtime"


def _merge_file(
    root: Path, meta: ProjectMetadata, parsed: RequirementsFile, inherited_kind: str | None
) -> None:
    relative = parsed.path
    kind = inherited_kind or _file_kind(relative)
    if kind == "tool":
        names = ", ".join(line.requirement.name for line in parsed.lines) or "nothing"
        meta.notes.append(f"{relative}: tools the monorepo provides itself ({names}); not merged")
        return
    source_in = Path(relative).with_suffix(".in").as_posix()
    if relative.endswith(".txt") and parsed.compiled:
        for line in parsed.lines:
            _pin(meta, line.requirement, relative)
            if not line.top_level:
                via = ", ".join(line.via) or f"a pin of {relative}"
                meta.transitive.setdefault(line.requirement.key, (line.requirement, via))
        if (root / source_in).is_file():
            return  # the .in is read in its own right: it holds the requirements
        top = [line for line in parsed.lines if line.top_level]
        if top:
            meta.add([str(line.requirement.unpinned()) for line in top], relative, kind)
        else:
            meta.notes.append(
                f"{relative}: compiled, with neither its .in nor `# via` annotations: every pin "
                "is a preference; only what the project imports becomes a requirement"
            )
        return
    meta.add([str(line.requirement) for line in parsed.lines], relative, kind)


def _pin(meta: ProjectMetadata, requirement: Requirement, origin: str) -> None:
    version = requirement.pinned_version
    if version:
        meta.preferences.setdefault(requirement.key, (version, origin))


def _prefer(meta: ProjectMetadata, relative: str, root: Path) -> None:
    path = root / relative
    if path.is_file():
        parsed = parse_requirements_file(
            path.read_text(encoding="utf-8", errors="replace"), relative
        )
        for line in parsed.lines:
            _pin(meta, line.requirement, relative)


def _read_tox_deps(root: Path, meta: ProjectMetadata) -> None:
    """tox.ini `deps` of [testenv] (and [testenv:*]): test requirements, `-r` followed."""
    parser = _read_ini(root, "tox.ini", meta)
    if parser is None:
        return
    for section in parser.sections():
        if section != "testenv" and not section.startswith("testenv:"):
            continue
        if re.search(r"lint|docs?|format|typing|mypy", section):
            continue
        deps = parser.get(section, "deps", fallback="")
        if not deps.strip():
            continue
        text = "\n".join(line.strip() for line in deps.splitlines())
        text = text.replace("{toxinidir}/", "")
        parsed = parse_requirements_file(text, f"tox.ini [{section}] deps")
        meta.sources.append(f"tox.ini [{section}]")
        for option, included in parsed.includes:
            if option == "-r" and (root / included).is_file() and included not in meta.sources:
                parsed_include = parse_requirements_file((root / included).read_text(), included)
                _merge_file(root, meta, parsed_include, "test")
        meta.add(
            [str(line.requirement) for line in parsed.lines], f"tox.ini [{section}] deps", "test"
        )


def _read_python_version(root: Path, meta: ProjectMetadata) -> None:
    path = root / ".python-version"
    if not path.is_file():
        return
    first = path.read_text(encoding="utf-8", errors="replace").split()
    match = re.match(r"^(?:cpython-|python)?(3\.\d+)", first[0]) if first else None
    if match:
        meta.python_version = match[1]
        meta.sources.append(".python-version")
    else:
        meta.notes.append(f".python-version: {' '.join(first)!r} names no CPython 3.x; ignored")


def module_version(module: Path) -> str:
    """`__version__ = "..."` of a module (a package's __init__.py), if it is a literal."""
    if not module.is_file():
        return ""
    try:
        tree = ast.parse(module.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return ""
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if "__version__" in names and isinstance(node.value.value, str):
                return node.value.value
    return ""
