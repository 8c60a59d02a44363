"""`plan_ide` without the engine: what is exported and why, what is written, what is printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pantry.ide import files
from pantry.ide.editor_config import PYRIGHT_CONFIG, VSCODE_SETTINGS, SettingsFileError
from pantry.ide.layout import ExecutionRoot, Tree
from pantry.ide.plan import (
    PTH_FILE,
    IdePlan,
    SettingsFile,
    VenvExport,
    VenvInput,
    plan_ide,
    read_settings_files,
    venv_facts,
)
from pantry.ide.venv_state import STAMP, ExportRecord, VenvFacts

ROOT = Path("/repo")
VENVS = "dist/export/python/virtualenvs"
DEFAULT = ExportRecord("python-default", "default.lock", "aa", ("CPython==3.11.*",), "3.11.7")
PLUGINS = ExportRecord("plugins", "plugins.lock", "bb", ("CPython==3.9.*",), "3.9.18")


def facts(record: ExportRecord | None) -> VenvFacts:
    if record is None:
        return VenvFacts(False, None, False, False)
    return VenvFacts(True, record.render(), True, True)


def venv_input(record: ExportRecord, roots: tuple[str, ...], on_disk: ExportRecord | None):
    return VenvInput(
        Tree(record.resolve, roots),
        record,
        f"{VENVS}/{record.resolve}/{record.python_version}",
        facts(on_disk),
    )


def plan(*, default_on_disk=DEFAULT, plugins_on_disk=PLUGINS, settings=(), force=False) -> IdePlan:
    return plan_ide(
        build_root=ROOT,
        venvs=[
            venv_input(DEFAULT, ("libs/x/src", "services/s/src"), default_on_disk),
            venv_input(PLUGINS, ("build-support/plugins",), plugins_on_disk),
        ],
        settings_files=settings,
        execution_roots=[
            ExecutionRoot("build-support/plugins", "plugins"),
            ExecutionRoot(".", "python-default"),
        ],
        force=force,
    )


DEFAULT_DIR = ROOT / VENVS / "python-default/3.11.7"
PLUGINS_DIR = ROOT / VENVS / "plugins/3.9.18"
DEFAULT_PTH = f"{VENVS}/python-default/3.11.7/lib/python3.11/site-packages/{PTH_FILE}"
PLUGINS_PTH = f"{VENVS}/plugins/3.9.18/lib/python3.9/site-packages/{PTH_FILE}"


def test_up_to_date_venvs_are_not_exported_and_pth_files_are_planned() -> None:
    result = plan()
    assert result.exports == ()
    assert result.writes == (
        files.PlannedWrite(
            ROOT / DEFAULT_PTH,
            "# Written by `./pants ide`: this repository's source roots, importable from this"
            " venv.\n/repo/libs/x/src\n/repo/services/s/src\n",
            DEFAULT_PTH,
        ),
        files.PlannedWrite(
            ROOT / PLUGINS_PTH,
            "# Written by `./pants ide`: this repository's source roots, importable from this"
            " venv.\n/repo/build-support/plugins\n",
            PLUGINS_PTH,
        ),
    )
    assert result.interpreter == f"{DEFAULT_DIR}/bin/python"
    assert result.report(written=[result.writes[1]]) == (
        f"python-default: {VENVS}/python-default/3.11.7 (up to date, Python 3.11.7)",
        f"  interpreter: {DEFAULT_DIR}/bin/python",
        f"  2 source roots importable via lib/python3.11/site-packages/{PTH_FILE}",
        f"plugins: {VENVS}/plugins/3.9.18 (up to date, Python 3.9.18)",
        f"  interpreter: {PLUGINS_DIR}/bin/python",
        f"  1 source root importable via lib/python3.9/site-packages/{PTH_FILE}",
        f"unchanged: {DEFAULT_PTH}",
        f"wrote: {PLUGINS_PTH}",
        f"Point your editor's Python interpreter at {DEFAULT_DIR}/bin/python (README: Editors).",
    )


def test_only_stale_venvs_are_exported_and_stamped() -> None:
    changed_lock = ExportRecord("plugins", "plugins.lock", "old", ("CPython==3.9.*",), "3.9.18")
    result = plan(default_on_disk=None, plugins_on_disk=changed_lock)
    assert result.exports == (
        VenvExport(
            "python-default",
            f"{VENVS}/python-default/3.11.7",
            DEFAULT_DIR,
            "not exported yet",
            files.PlannedWrite(DEFAULT_DIR / STAMP, DEFAULT.render(), STAMP),
        ),
        VenvExport(
            "plugins",
            f"{VENVS}/plugins/3.9.18",
            PLUGINS_DIR,
            "plugins.lock changed since it was exported",
            files.PlannedWrite(PLUGINS_DIR / STAMP, PLUGINS.render(), STAMP),
        ),
    )
    assert result.exports[0].announcement == (
        f"ide: exporting `python-default` to {VENVS}/python-default/3.11.7 (not exported yet);"
        " this can take a few minutes..."
    )
    assert result.summary[0] == (
        f"python-default: {VENVS}/python-default/3.11.7 (exported: not exported yet,"
        " Python 3.11.7)"
    )


def test_force_exports_every_venv() -> None:
    assert [export.reason for export in plan(force=True).exports] == ["--ide-force"] * 2


def test_settings_are_merged_after_the_pth_files() -> None:
    settings = (
        SettingsFile(PYRIGHT_CONFIG, ROOT / PYRIGHT_CONFIG, {"typeCheckingMode": "strict"}),
        SettingsFile(VSCODE_SETTINGS, ROOT / VSCODE_SETTINGS, {"editor.rulers": [100]}),
    )
    result = plan(settings=settings)
    assert [write.label for write in result.writes] == [
        DEFAULT_PTH,
        PLUGINS_PTH,
        PYRIGHT_CONFIG,
        VSCODE_SETTINGS,
    ]
    pyright = json.loads(result.writes[2].content)
    assert pyright["typeCheckingMode"] == "strict"
    assert (pyright["venvPath"], pyright["venv"]) == (f"/repo/{VENVS}/python-default", "3.11.7")
    assert [env["name"] for env in pyright["executionEnvironments"]] == [
        "pantry: plugins",
        "pantry: python-default",
    ]
    vscode = json.loads(result.writes[3].content)
    assert vscode == {
        "editor.rulers": [100],
        "python.defaultInterpreterPath": f"{DEFAULT_DIR}/bin/python",
        "python.analysis.extraPaths": [
            "/repo/build-support/plugins",
            "/repo/libs/x/src",
            "/repo/services/s/src",
        ],
    }


def test_a_plan_needs_a_venv() -> None:
    with pytest.raises(ValueError, match="at least one venv"):
        plan_ide(build_root=ROOT, venvs=[], settings_files=(), execution_roots=(), force=False)


def test_read_settings_files(tmp_path: Path) -> None:
    (tmp_path / PYRIGHT_CONFIG).write_text('{"venv": "mine"}')
    assert read_settings_files(tmp_path, pyright=True, vscode=True) == (
        SettingsFile(PYRIGHT_CONFIG, tmp_path / PYRIGHT_CONFIG, {"venv": "mine"}),
        SettingsFile(VSCODE_SETTINGS, tmp_path / VSCODE_SETTINGS, {}),
    )
    assert read_settings_files(tmp_path, pyright=False, vscode=False) == ()
    (tmp_path / PYRIGHT_CONFIG).write_text('{"venv": "mine",}')
    with pytest.raises(SettingsFileError, match=r"^pyrightconfig.json:1:17: not valid JSON"):
        read_settings_files(tmp_path, pyright=True, vscode=False)


def test_venv_facts(tmp_path: Path) -> None:
    venv = tmp_path / "3.11.7"
    assert venv_facts(venv, "3.11.7") == VenvFacts(False, None, False, False)
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch(mode=0o755)
    (venv / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    (venv / STAMP).write_text(DEFAULT.render())
    assert venv_facts(venv, "3.11.7") == VenvFacts(True, DEFAULT.render(), True, True)
