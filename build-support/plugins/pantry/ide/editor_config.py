"""Editor settings `./pants ide` writes, merged into whatever the user already has.

Engine-free. Each file is parsed first (a file that is not a JSON object is an error that
names the file, the line and column, and how to fix it, and then nothing at all is written),
then only the keys Pantry owns are replaced; every other key is kept as it was.

- `pyrightconfig.json` (pyright, Pylance, basedpyright, and editors that embed them):
  `venvPath` + `venv` (the default resolve's venv), `extraPaths` (its source roots), and
  `executionEnvironments`: Pantry's own are named `pantry: <resolve>` and replaced on every
  run; any other (the user's) are kept, ahead of Pantry's so that they win.
- `.vscode/settings.json`: `python.defaultInterpreterPath` and `python.analysis.extraPaths`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from pantry.errors import PantryError
from pantry.ide.layout import ExecutionRoot, absolute

PYRIGHT_CONFIG = "pyrightconfig.json"
VSCODE_SETTINGS = ".vscode/settings.json"
ENV_NAME_PREFIX = "pantry: "
VSCODE_KEYS = ("python.defaultInterpreterPath", "python.analysis.extraPaths")


class SettingsFileError(PantryError):
    """An existing editor settings file cannot be merged into."""


@dataclass(frozen=True)
class Venv:
    """An exported virtualenv, with absolute paths."""

    resolve: str
    path: str
    python_version: str  # major.minor, e.g. "3.11"
    source_roots: tuple[str, ...]

    @property
    def interpreter(self) -> str:
        return f"{self.path}/bin/python"

    @property
    def site_packages(self) -> str:
        return f"{self.path}/lib/python{self.python_version}/site-packages"


def parse_settings(path: str, text: str | None) -> dict[str, Any]:
    """The settings in `text` (None: the file does not exist yet), or a `SettingsFileError`."""
    if text is None or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SettingsFileError(
            f"{path}:{error.lineno}:{error.colno}: not valid JSON ({error.msg}), so `./pants ide`"
            " cannot merge its settings into it and wrote nothing. Fix the file (comments and"
            " trailing commas are not JSON: remove them), or move it aside and run `./pants ide`"
            " again to create a fresh one."
        ) from None
    if not isinstance(data, dict):
        raise SettingsFileError(
            f"{path}: holds a JSON {type(data).__name__}, not an object ({{...}}), so"
            " `./pants ide` cannot merge its settings into it and wrote nothing. Make it an"
            " object, or move it aside and run `./pants ide` again."
        )
    return data


def check_pyright_config(path: str, settings: Mapping[str, Any]) -> None:
    """Refuse a config whose `executionEnvironments` Pantry could not merge into."""
    environments = settings.get("executionEnvironments", [])
    if not isinstance(environments, list) or not all(isinstance(e, dict) for e in environments):
        raise SettingsFileError(
            f"{path}: `executionEnvironments` is {json.dumps(environments)[:80]}, not a list of"
            " objects, so `./pants ide` cannot merge its environments into it and wrote nothing."
            ' Make it a list like `[{"root": "src"}]`, or remove the key.'
        )


def _environment(venv: Venv, root: str, default: Venv, build_root: str) -> dict[str, Any]:
    extra_paths = [absolute(build_root, source_root) for source_root in venv.source_roots]
    if venv.resolve != default.resolve:
        # pyright has one interpreter per config: other resolves' packages come in here.
        extra_paths.append(venv.site_packages)
    return {
        "name": f"{ENV_NAME_PREFIX}{venv.resolve}",
        "root": absolute(build_root, root),
        "extraPaths": extra_paths,
        "pythonVersion": venv.python_version,
    }


def merge_pyright_config(
    existing: Mapping[str, Any],
    *,
    build_root: str,
    default: Venv,
    venvs: Sequence[Venv],
    roots: Iterable[ExecutionRoot],
) -> dict[str, Any]:
    """`existing` with Pantry's interpreter, paths and execution environments."""
    by_resolve = {venv.resolve: venv for venv in venvs}
    ours = [
        _environment(by_resolve[root.resolve], root.root, default, build_root) for root in roots
    ]
    theirs = [
        env
        for env in existing.get("executionEnvironments", [])
        if not str(env.get("name", "")).startswith(ENV_NAME_PREFIX)
    ]
    merged = dict(existing)
    venv_path, _, venv_name = default.path.rpartition("/")
    merged["venvPath"] = venv_path
    merged["venv"] = venv_name
    merged["extraPaths"] = [absolute(build_root, root) for root in default.source_roots]
    merged["executionEnvironments"] = [*theirs, *ours]
    return merged


def merge_vscode_settings(
    existing: Mapping[str, Any], *, build_root: str, default: Venv, venvs: Sequence[Venv]
) -> dict[str, Any]:
    """`existing` with the default resolve's interpreter and every first-party source root.

    VS Code has one interpreter per workspace; when `pyrightconfig.json` exists, Pylance
    takes per-directory paths from its execution environments instead.
    """
    roots = sorted({root for venv in venvs for root in venv.source_roots})
    merged = dict(existing)
    merged["python.defaultInterpreterPath"] = default.interpreter
    merged["python.analysis.extraPaths"] = [absolute(build_root, root) for root in roots]
    return merged


def render(settings: Mapping[str, Any]) -> str:
    """Stable JSON text: the user's key order is kept, so an unchanged merge is byte-equal."""
    return json.dumps(settings, indent=2, ensure_ascii=False) + "\n"
