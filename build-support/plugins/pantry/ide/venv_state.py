"""Is an exported virtualenv still what the lockfile says? The record `./pants ide` keeps.

Pants' `export` does not key its output by lock content: it deletes and rebuilds the venv
directory on every run (minutes for a large resolve). So `./pants ide` writes a record
(`STAMP`) into each venv after a complete export, with the sha256 of the lockfile and what
else the venv was built from, and rebuilds only when that record, the lockfile, or the venv
itself says it is stale. Engine-free; the glue gathers the facts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

STAMP = ".pantry-ide.json"
STAMP_FORMAT = 1


@dataclass(frozen=True)
class ExportRecord:
    """What a venv was exported from."""

    resolve: str
    lockfile: str
    lockfile_sha256: str
    interpreter_constraints: tuple[str, ...]
    python_version: str  # full, e.g. "3.11.9"

    def render(self) -> str:
        return (
            json.dumps(
                {
                    "format": STAMP_FORMAT,
                    "resolve": self.resolve,
                    "lockfile": self.lockfile,
                    "lockfile_sha256": self.lockfile_sha256,
                    "interpreter_constraints": list(self.interpreter_constraints),
                    "python_version": self.python_version,
                },
                indent=2,
            )
            + "\n"
        )

    @classmethod
    def parse(cls, text: str) -> ExportRecord | None:
        """The record in `text`, or None if it is not one this version wrote."""
        try:
            data = json.loads(text)
            if data.get("format") != STAMP_FORMAT:
                return None
            return cls(
                resolve=data["resolve"],
                lockfile=data["lockfile"],
                lockfile_sha256=data["lockfile_sha256"],
                interpreter_constraints=tuple(data["interpreter_constraints"]),
                python_version=data["python_version"],
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


@dataclass(frozen=True)
class VenvFacts:
    """What is on disk where the venv should be."""

    exists: bool
    record_text: str | None
    interpreter_exists: bool
    site_packages_exists: bool


def stale_reason(expected: ExportRecord, facts: VenvFacts) -> str | None:
    """Why the venv must be (re-)exported, or None if it is up to date."""
    if not facts.exists:
        return "not exported yet"
    recorded = ExportRecord.parse(facts.record_text) if facts.record_text is not None else None
    if recorded is None:
        return (
            "no record of a complete `./pants ide` export in it"
            " (interrupted, or rewritten by `./pants export`)"
        )
    if (
        recorded.lockfile_sha256 != expected.lockfile_sha256
        or recorded.lockfile != expected.lockfile
    ):
        return f"{expected.lockfile} changed since it was exported"
    if recorded.interpreter_constraints != expected.interpreter_constraints:
        return "its interpreter constraints changed"
    if recorded != expected:
        return "it was exported from different inputs"
    if not facts.interpreter_exists:
        return "its interpreter (bin/python) is missing or broken"
    if not facts.site_packages_exists:
        return "its site-packages directory is missing"
    return None
