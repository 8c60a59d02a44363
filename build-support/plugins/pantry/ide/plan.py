"""What `./pants ide` will do, decided without the engine: `plan_ide` (pure) and the two
reads of the disk that feed it (`read_settings_files`, `venv_facts`).

Given each resolve's venv as Pants' export would build it and what is on disk now, the plan
says which venvs to (re-)export and why, every file to write afterwards (the `.pth` file of
each venv and the merged editor settings), and what to print. The glue (`rules.py`) builds
the venvs, carries out the exports in order, writes the files all-or-nothing and prints
`IdePlan.report`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from pantry.ide import editor_config, files, layout
from pantry.ide.venv_state import STAMP, ExportRecord, VenvFacts, stale_reason

PTH_FILE = "pantry-ide-source-roots.pth"


def _source_roots(count: int) -> str:
    return f"{count} source root{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class SettingsFile:
    """An editor settings file to merge into, as it is now (parsed and checked)."""

    label: str  # relative to the build root, e.g. `.vscode/settings.json`
    path: Path
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class VenvInput:
    """One resolve's venv: what it is built from, where it goes, what is there now."""

    tree: layout.Tree
    record: ExportRecord
    relative_dir: str  # relative to the build root, e.g. dist/export/python/virtualenvs/x/3.11.7
    facts: VenvFacts


@dataclass(frozen=True)
class VenvExport:
    """A venv to (re-)export, then mark complete by writing `stamp`."""

    resolve: str
    relative_dir: str
    venv_dir: Path
    reason: str
    stamp: files.PlannedWrite

    @property
    def announcement(self) -> str:
        return (
            f"ide: exporting `{self.resolve}` to {self.relative_dir} ({self.reason}); this can"
            " take a few minutes..."
        )


@dataclass(frozen=True)
class IdePlan:
    exports: tuple[VenvExport, ...]
    # After every export: each venv's `.pth` file, then the editor settings.
    writes: tuple[files.PlannedWrite, ...]
    summary: tuple[str, ...]
    interpreter: str  # the default resolve's, for the editor

    def report(self, written: Sequence[files.PlannedWrite]) -> tuple[str, ...]:
        """The lines to print once `written` (those of `writes` that changed) are written."""
        changed = {write.label for write in written}
        return (
            *self.summary,
            *(
                f"{'wrote' if write.label in changed else 'unchanged'}: {write.label}"
                for write in self.writes
            ),
            f"Point your editor's Python interpreter at {self.interpreter} (README: Editors).",
        )


def plan_ide(
    *,
    build_root: Path,
    venvs: Sequence[VenvInput],
    settings_files: Sequence[SettingsFile],
    execution_roots: Sequence[layout.ExecutionRoot],
    force: bool,
) -> IdePlan:
    """The plan for `venvs` (the default resolve's first) and `settings_files`."""
    if not venvs:
        raise ValueError("plan_ide needs at least one venv (the default resolve's)")
    root = str(build_root)
    exports: list[VenvExport] = []
    exported: list[editor_config.Venv] = []
    writes: list[files.PlannedWrite] = []
    summary: list[str] = []
    for venv in venvs:
        venv_dir = build_root / venv.relative_dir
        reason = "--ide-force" if force else stale_reason(venv.record, venv.facts)
        if reason:
            stamp = files.PlannedWrite(venv_dir / STAMP, venv.record.render(), STAMP)
            exports.append(
                VenvExport(venv.tree.resolve, venv.relative_dir, venv_dir, reason, stamp)
            )
        major_minor = ".".join(venv.record.python_version.split(".")[:2])
        info = editor_config.Venv(
            venv.tree.resolve, str(venv_dir), major_minor, venv.tree.source_roots
        )
        exported.append(info)
        pth = Path(info.site_packages) / PTH_FILE
        writes.append(
            files.PlannedWrite(
                pth,
                layout.pth_content(root, venv.tree.source_roots),
                os.path.relpath(pth, build_root),
            )
        )
        summary.extend(
            [
                f"{venv.tree.resolve}: {venv.relative_dir} ("
                + (f"exported: {reason}" if reason else "up to date")
                + f", Python {venv.record.python_version})",
                f"  interpreter: {info.interpreter}",
                f"  {_source_roots(len(venv.tree.source_roots))} importable via"
                f" {os.path.relpath(pth, venv_dir)}",
            ]
        )

    default = exported[0]
    for settings_file in settings_files:
        if settings_file.label == editor_config.PYRIGHT_CONFIG:
            merged = editor_config.merge_pyright_config(
                settings_file.settings,
                build_root=root,
                default=default,
                venvs=exported,
                roots=execution_roots,
            )
        else:
            merged = editor_config.merge_vscode_settings(
                settings_file.settings, build_root=root, default=default, venvs=exported
            )
        writes.append(
            files.PlannedWrite(
                settings_file.path, editor_config.render(merged), settings_file.label
            )
        )
    return IdePlan(tuple(exports), tuple(writes), tuple(summary), default.interpreter)


def read_settings_files(
    build_root: Path, *, pyright: bool, vscode: bool
) -> tuple[SettingsFile, ...]:
    """The settings files to merge into, parsed and checked before any work is done.

    Raises `editor_config.SettingsFileError` or `files.UnwritableFileError`.
    """
    labels = [
        label
        for label, wanted in (
            (editor_config.PYRIGHT_CONFIG, pyright),
            (editor_config.VSCODE_SETTINGS, vscode),
        )
        if wanted
    ]
    found = []
    for label in labels:
        path = build_root / label
        settings = editor_config.parse_settings(label, files.read_text(path, label))
        if label == editor_config.PYRIGHT_CONFIG:
            editor_config.check_pyright_config(label, settings)
        files.check_writable(path, label)
        found.append(SettingsFile(label, path, settings))
    return tuple(found)


def venv_facts(venv_dir: Path, python_version: str) -> VenvFacts:
    """What is on disk at `venv_dir` now."""
    stamp = venv_dir / STAMP
    major_minor = ".".join(python_version.split(".")[:2])
    interpreter = venv_dir / "bin" / "python"
    return VenvFacts(
        exists=venv_dir.is_dir(),
        record_text=stamp.read_text() if stamp.is_file() else None,
        interpreter_exists=interpreter.exists() and os.access(interpreter, os.X_OK),
        site_packages_exists=(venv_dir / "lib" / f"python{major_minor}" / "site-packages").is_dir(),
    )
