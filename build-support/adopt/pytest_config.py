"""Carry an upstream project's pytest configuration over as TREE/NAME/pytest.ini.

Upstream tests can depend on it (registered markers under `--strict-markers`,
`filterwarnings = error`, `xfail_strict`, `asyncio_mode`). Pants finds a `pytest.ini` in any
directory above a test file and puts it in the test's sandbox, where pytest takes it as
its configuration (and TREE/NAME as its rootdir). Read from the first of: pytest.ini,
pyproject.toml `[tool.pytest.ini_options]`, tox.ini `[pytest]`, setup.cfg `[tool:pytest]`,
which is pytest's own order. `addopts` is not carried (it names plugins and options of
the upstream environment, e.g. `-n auto` or `--cov=pkg`); it is reported instead.
"""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path
from typing import Any, Mapping

HEADER = "# pytest configuration of the adopted project ({origin}), without addopts.\n"


def _ini_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "".join(f"\n    {item}" for item in value)
    return str(value)


def _read_ini(path: Path, section: str) -> dict[str, str] | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except (configparser.Error, UnicodeDecodeError):
        return None
    if not parser.has_section(section):
        return None
    return {key: value.strip() for key, value in parser.items(section)}


def read_pytest_config(root: Path) -> tuple[str, Mapping[str, str]] | None:
    """(origin, options) of the project's pytest configuration, or None."""
    if (root / "pytest.ini").is_file():
        found = _read_ini(root / "pytest.ini", "pytest")
        if found is not None:
            return "pytest.ini", found
    if (root / "pyproject.toml").is_file():
        try:
            data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        options = data.get("tool", {}).get("pytest", {}).get("ini_options")
        if isinstance(options, dict):
            values = {key: _ini_value(value) for key, value in options.items()}
            return "pyproject.toml [tool.pytest.ini_options]", values
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        if (root / name).is_file():
            found = _read_ini(root / name, section)
            if found is not None:
                return f"{name} [{section}]", found
    return None


def render_pytest_ini(origin: str, options: Mapping[str, str]) -> tuple[str, list[str]]:
    """The pytest.ini text and notes on what was left out."""
    notes = []
    lines = [HEADER.format(origin=origin), "[pytest]\n"]
    for key, value in options.items():
        if key == "addopts":
            notes.append(f"{origin}: addopts not carried over: {' '.join(value.split())}")
            continue
        parts = [part.strip() for part in value.strip().splitlines() if part.strip()]
        if len(parts) > 1 or value.startswith("\n"):
            lines.append(f"{key} =" + "".join(f"\n    {part}" for part in parts) + "\n")
        else:
            lines.append(f"{key} = {value.strip()}\n")
    return "".join(lines), notes
