"""What a project declares about itself: name, version, requirements (runtime and test).

Read, in this order (the first to name a project wins): pyproject.toml `[project]` (and
PEP 735 `[dependency-groups]`), setup.cfg, setup.py (only literal keyword arguments of the
`setup(...)` call; anything computed is reported, never executed), PKG-INFO (an sdist's
built metadata) and requirements files. Test requirements are those of the extras or groups
named in TEST_EXTRAS and of requirements files whose name mentions test or dev.
"""

from __future__ import annotations

import ast
import configparser
import email.parser
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from adopt.merge import Declared
from adopt.requirements import RequirementError, parse_requirement, requirement_lines

TEST_EXTRAS = ("test", "tests", "testing", "dev")
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

    def fill(self, **values: str) -> None:
        for key, value in values.items():
            if value and not getattr(self, key):
                setattr(self, key, str(value).strip())

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
    meta.add(project.get("dependencies", []), "pyproject.toml [project].dependencies", "runtime")
    for extra, requirements in (project.get("optional-dependencies") or {}).items():
        if extra in TEST_EXTRAS:
            meta.add(
                requirements, f"pyproject.toml [project.optional-dependencies].{extra}", "test"
            )
        else:
            meta.notes.append(f"pyproject.toml: extra {extra!r} not merged (not a test extra)")
    for group, requirements in groups.items():
        if group in TEST_EXTRAS:
            plain = [r for r in requirements if isinstance(r, str)]
            meta.add(plain, f"pyproject.toml [dependency-groups].{group}", "test")
    for script, target in (project.get("scripts") or {}).items():
        meta.scripts.setdefault(script, target)


def _read_setup_cfg(root: Path, meta: ProjectMetadata) -> None:
    path = root / "setup.cfg"
    if not path.is_file():
        return
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except (configparser.Error, UnicodeDecodeError) as error:
        meta.notes.append(f"setup.cfg: not read: {error}")
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
    if parser.has_section("options.extras_require"):
        for extra, value in parser.items("options.extras_require"):
            if extra in TEST_EXTRAS:
                meta.add(_lines(value), f"setup.cfg extras_require.{extra}", "test")
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
    meta.add(_strings(values.get("install_requires")), "setup.py install_requires", "runtime")
    meta.add(_strings(values.get("tests_require")), "setup.py tests_require", "test")
    extras = values.get("extras_require")
    if isinstance(extras, dict):
        for extra, requirements in extras.items():
            if extra in TEST_EXTRAS:
                meta.add(_strings(requirements), f"setup.py extras_require.{extra}", "test")
    _setup_py_scripts(values.get("entry_points"), meta)


def _setup_py_scripts(entry_points: Any, meta: ProjectMetadata) -> None:
    """`entry_points={"console_scripts": ["name=module:function", ...]}` (or one string)."""
    scripts = entry_points.get("console_scripts") if isinstance(entry_points, dict) else None
    for line in _strings(scripts):
        script, _, target = line.partition("=")
        if target.strip():
            meta.scripts.setdefault(script.strip(), target.strip())


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
    for value in message.get_all("Requires-Dist") or []:
        requirement, _, marker = value.partition(";")
        extra = _EXTRA_MARKER.search(marker)
        if extra is None:
            runtime.append(value)
        elif extra["extra"] in TEST_EXTRAS:
            rest = _EXTRA_MARKER.sub(" ", marker).strip()
            test.append(requirement + (f"; {rest}" if rest else ""))
    meta.add(runtime, "PKG-INFO Requires-Dist", "runtime")
    meta.add(test, "PKG-INFO Requires-Dist (test extra)", "test")


def _read_requirements_files(root: Path, meta: ProjectMetadata) -> None:
    candidates = sorted(root.glob("*requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    for path in candidates:
        relative = path.relative_to(root).as_posix()
        kind = "test" if re.search(r"test|dev|ci", relative) else "runtime"
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(line.strip().startswith(("-r", "-c")) for line in text.splitlines()):
            meta.notes.append(f"{relative}: -r/-c includes not followed")
        meta.sources.append(relative)
        meta.add(_lines(text), relative, kind)


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
