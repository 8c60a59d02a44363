"""The stats job's JSON report (`python -m stats --format json`), read and checked.

Only the `releases` table matters here: `{"project", "version", "downloads"}` rows. Project
names are normalised as PEP 503 says (`packaging.utils.canonicalize_name`), versions as PEP
440 does (`packaging.version`) when they parse; the index can serve files whose version does
not, so those are kept as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version


class ReportError(ValueError):
    """A report that is not a stats JSON report: says where, what, and what is expected."""


@dataclass(frozen=True)
class ReleaseCount:
    project: str
    version: str
    downloads: int


def normalize_version(version: str) -> str:
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


def parse_report(text: str, source: str = "report") -> tuple[ReleaseCount, ...]:
    """The release counts of a report; equal (project, version) rows are added up."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ReportError(
            f"{source}: not JSON ({e.msg} at line {e.lineno}, column {e.colno}); expected the "
            "output of `python -m stats --format json`"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("releases"), list):
        raise ReportError(
            f"{source}: no `releases` list; expected the output of `python -m stats --format json`"
        )
    totals: dict[tuple[str, str], int] = {}
    for number, row in enumerate(data["releases"]):
        where = f"{source}: releases[{number}]"
        if not isinstance(row, dict):
            raise ReportError(f"{where}: expected an object, got {row!r}")
        project, version, downloads = row.get("project"), row.get("version"), row.get("downloads")
        if not isinstance(project, str) or not project.strip():
            raise ReportError(f"{where}.project: expected a project name, got {project!r}")
        if not isinstance(version, str) or not version.strip():
            raise ReportError(f"{where}.version: expected a version string, got {version!r}")
        if isinstance(downloads, bool) or not isinstance(downloads, int) or downloads < 0:
            raise ReportError(f"{where}.downloads: expected a count >= 0, got {downloads!r}")
        key = (canonicalize_name(project), normalize_version(version.strip()))
        totals[key] = totals.get(key, 0) + downloads
    return tuple(ReleaseCount(p, v, n) for (p, v), n in sorted(totals.items()))
