from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from stats.logparse import BadLine, Download, parse_line

# Literal lines in the format services/index writes (index.accesslog.format_record).
DOWNLOAD = (
    '{"ts": "2024-05-01T12:00:00.123+00:00", "method": "GET",'
    ' "path": "/files/Demo_Pkg-1.0-py3-none-any.whl", "status": 200, "bytes": 11,'
    ' "user_agent": "pip/24.0", "remote": "10.0.0.7"}'
)


def line(**overrides: object) -> str:
    record = {
        "ts": "2024-05-01T12:00:00.123+00:00",
        "method": "GET",
        "path": "/files/demo-1.0.tar.gz",
        "status": 200,
        "bytes": 5,
        "user_agent": None,
        "remote": None,
    }
    record.update(overrides)
    return json.dumps(record)


def test_download() -> None:
    assert parse_line(DOWNLOAD) == Download(
        ts=datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=timezone.utc),
        filename="Demo_Pkg-1.0-py3-none-any.whl",
        project="demo-pkg",
        version="1.0",
        user_agent="pip/24.0",
    )


def test_download_under_a_prefix() -> None:
    download = parse_line(line(path="/pypi/files/demo-1.0.tar.gz"))
    assert download is not None and download.project == "demo"


@pytest.mark.parametrize(
    "overrides",
    [
        {"method": "HEAD"},
        {"status": 304},
        {"status": 404},
        {"path": "/simple/demo/"},
        {"path": "/files/demo-1.0-py3-none-any.whl.metadata"},
        {"path": "/files/"},
    ],
)
def test_not_downloads(overrides: dict) -> None:
    assert parse_line(line(**overrides)) is None


@pytest.mark.parametrize(
    "text, reason",
    [
        ("GET /files/x 200", "not JSON: Expecting value: line 1 column 1 (char 0)"),
        ("[1, 2]", "expected a JSON object, got list"),
        ('{"ts": "2024-05-01T12:00:00+00:00"}', "missing field 'method'"),
        (line(status="200"), "field 'status' has the wrong type: '200'"),
        (line(status=True), "field 'status' has the wrong type: True"),
        (line(user_agent=7), "field 'user_agent' has the wrong type: 7"),
        (line(ts="yesterday"), "field 'ts' is not an ISO-8601 timestamp: 'yesterday'"),
        (
            line(path="/files/notes.txt"),
            "'notes.txt' is not a distribution filename: the suffix is not .whl, .tar.gz or .zip.",
        ),
    ],
)
def test_bad_lines(text: str, reason: str) -> None:
    with pytest.raises(BadLine) as exc_info:
        parse_line(text)
    assert exc_info.value.reason.startswith(reason)
