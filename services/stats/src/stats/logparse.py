"""Parse index access-log lines (see services/index accesslog.py) into downloads."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from simplerepo import InvalidDistributionFilename, parse_distribution_filename

# The fields every line has, and their JSON types.
_FIELDS = {
    "ts": (str,),
    "method": (str,),
    "path": (str,),
    "status": (int,),
    "bytes": (int,),
    "user_agent": (str, type(None)),
    "remote": (str, type(None)),
}
_FILES_PATH = re.compile(r"(?:^|/)files/([^/]+)$")


class BadLine(ValueError):
    """A log line that is not a valid access-log record; `reason` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Download:
    """A successful GET of a distribution file."""

    ts: datetime
    filename: str
    project: str
    version: str
    user_agent: str | None


def _record(line: str) -> dict:
    try:
        record = json.loads(line)
    except ValueError as e:
        raise BadLine(f"not JSON: {e}") from None
    if not isinstance(record, dict):
        raise BadLine(f"expected a JSON object, got {type(record).__name__}")
    for name, kinds in _FIELDS.items():
        if name not in record:
            raise BadLine(f"missing field {name!r}")
        value = record[name]
        # bool is an int subclass, but `"status": true` is still garbage.
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise BadLine(f"field {name!r} has the wrong type: {value!r}")
    return record


def parse_line(line: str) -> Download | None:
    """The download a line records, None for other requests; raises BadLine."""
    record = _record(line)
    try:
        ts = datetime.fromisoformat(record["ts"])
    except ValueError:
        raise BadLine(f"field 'ts' is not an ISO-8601 timestamp: {record['ts']!r}") from None
    match = _FILES_PATH.search(record["path"])
    # HEADs, 304s, errors and PEP 658 .metadata fetches are not downloads.
    if (
        record["method"] != "GET"
        or record["status"] != 200
        or not match
        or match.group(1).endswith(".metadata")
    ):
        return None
    filename = match.group(1)
    try:
        project, version = parse_distribution_filename(filename)
    except InvalidDistributionFilename as e:
        raise BadLine(str(e)) from None
    return Download(ts, filename, project, version, record["user_agent"])
