"""Carry an upstream project's pytest configuration over as TREE/NAME/pytest.ini.

Upstream tests can depend on it (registered markers under `--strict-markers`,
`filterwarnings = error`, `xfail_strict`, `asyncio_mode`). Pants finds a `pytest.ini` in any
directory above a test file and puts it in the test's sandbox, where pytest takes it as
its configuration and TREE/NAME as its rootdir (so the generated TREE/NAME/conftest.py is
loaded): it is written even when upstream has no configuration. Read from the first of:
pytest.ini, .pytest.ini, pyproject.toml `[tool.pytest]` (pytest 9, native TOML values) or
`[tool.pytest.ini_options]`, tox.ini `[pytest]`, setup.cfg `[tool:pytest]`, which is
pytest's own order. Of `addopts` only what changes how tests behave is carried (`-p`
plugins and `-p no:...`, `--strict-markers`, `--strict-config`, `-W`, `--import-mode`);
the rest names the upstream environment (`-n auto`, `--cov=pkg`) and is reported instead.
"""

from __future__ import annotations

import configparser
import shlex
import tomllib
from pathlib import Path
from typing import Any, Mapping

HEADER = "# pytest configuration of the adopted project ({origin}).\n"
NO_CONFIG = "no pytest configuration upstream"
# addopts that change what tests do, with whether they take a value.
KEPT_OPTIONS = {"-p": True, "-W": True, "--strict-markers": False, "--strict-config": False}
KEPT_PREFIXES = ("--import-mode=", "-W", "-p")


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
    for name in ("pytest.ini", ".pytest.ini"):
        if (root / name).is_file():
            found = _read_ini(root / name, "pytest")
            if found is not None:
                return name, found
    if (root / "pyproject.toml").is_file():
        try:
            data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        table = data.get("tool", {}).get("pytest", {})
        table = table if isinstance(table, dict) else {}
        native = {k: v for k, v in table.items() if k != "ini_options"}
        if native:
            values = {key: _ini_value(value) for key, value in native.items()}
            return "pyproject.toml [tool.pytest]", values
        options = table.get("ini_options")
        if isinstance(options, dict):
            values = {key: _ini_value(value) for key, value in options.items()}
            return "pyproject.toml [tool.pytest.ini_options]", values
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        if (root / name).is_file():
            found = _read_ini(root / name, section)
            if found is not None:
                return f"{name} [{section}]", found
    return None


def split_addopts(value: str) -> tuple[list[str], list[str]]:
    """(kept, dropped) options of an addopts value."""
    try:
        words = shlex.split(value)
    except ValueError:
        return [], value.split()
    kept: list[str] = []
    dropped: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in KEPT_OPTIONS:
            takes_value = KEPT_OPTIONS[word]
            kept += words[i : i + 1 + takes_value]
            i += 1 + takes_value
            continue
        (kept if word.startswith(KEPT_PREFIXES) else dropped).append(word)
        i += 1
    return kept, dropped


def plugins_named(options: Mapping[str, str]) -> list[str]:
    """Modules or plugin names that addopts loads with `-p NAME` (not `-p no:NAME`)."""
    kept, _ = split_addopts(options.get("addopts", ""))
    names = [kept[i + 1] for i, w in enumerate(kept[:-1]) if w == "-p"]
    names += [w[2:] for w in kept if w.startswith("-p") and len(w) > 2]
    return [n for n in names if not n.startswith("no:")]


def render_pytest_ini(origin: str, options: Mapping[str, str]) -> tuple[str, list[str]]:
    """The pytest.ini text and notes on what was left out."""
    notes = []
    lines = [HEADER.format(origin=origin), "[pytest]\n"]
    for key, value in options.items():
        if key == "addopts":
            kept, dropped = split_addopts(value)
            if dropped:
                notes.append(f"{origin}: addopts not carried over: {' '.join(dropped)}")
            if not kept:
                continue
            value = " ".join(shlex.quote(word) for word in kept)
        parts = [part.strip() for part in value.strip().splitlines() if part.strip()]
        if len(parts) > 1 or value.startswith("\n"):
            lines.append(f"{key} =" + "".join(f"\n    {part}" for part in parts) + "\n")
        else:
            lines.append(f"{key} = {value.strip()}\n")
    return "".join(lines), notes
