from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from stats.cli import main

# Literal lines in the index access-log format (see services/index accesslog.py).
PIP = r'"pip/23.1.2 {\"installer\":{\"name\":\"pip\",\"version\":\"23.1.2\"}}"'
LOG_LINES = [
    (
        '{"ts": "2024-05-01T12:00:00.000+00:00", "method": "GET", "path": "/simple/demo/",'
        ' "status": 200, "bytes": 400, "user_agent": ' + PIP + ', "remote": "10.0.0.1"}'
    ),
    (
        '{"ts": "2024-05-01T12:00:01.000+00:00", "method": "GET",'
        ' "path": "/files/demo-1.0-py3-none-any.whl", "status": 200, "bytes": 11,'
        ' "user_agent": ' + PIP + ', "remote": "10.0.0.1"}'
    ),
    (
        '{"ts": "2024-05-01T12:00:02.000+00:00", "method": "GET", "path": "/files/demo-1.0.tar.gz",'
        ' "status": 200, "bytes": 5, "user_agent": "uv/0.4.18", "remote": "10.0.0.2"}'
    ),
    (
        '{"ts": "2024-05-01T12:00:03.000+00:00", "method": "GET", "path": "/files/Demo-0.9.tar.gz",'
        ' "status": 200, "bytes": 5, "user_agent": "curl/8.5.0", "remote": "10.0.0.3"}'
    ),
    "not json at all",
    "",
    (
        '{"ts": "2024-05-01T12:00:04.000+00:00", "method": "GET", "path": "/files/other-2.0.zip",'
        ' "status": 200, "bytes": 3, "user_agent": "Googlebot/2.1", "remote": "10.0.0.4"}'
    ),
    (
        '{"ts": "2024-05-01T12:00:05.000+00:00", "method": "GET", "path": "/files/other-2.0.zip",'
        ' "status": 200, "bytes": 3, "user_agent": null, "remote": null}'
    ),
    (
        '{"ts": "2024-05-01T12:00:06.000+00:00", "method": "GET", "path": "/files/other-2.0.zip",'
        ' "status": 304, "bytes": 0, "user_agent": null, "remote": null}'
    ),
    '{"ts": "2024-05-01T12:00:07.000+00:00", "method": "GET"}',
]
LOG = "\n".join(LOG_LINES) + "\n"


@pytest.fixture
def logfile(tmp_path: Path) -> Path:
    path = tmp_path / "access.log"
    path.write_text(LOG)
    return path


def run(
    capsys: pytest.CaptureFixture[str],
    *args: str,
    environ: dict[str, str] | None = None,
) -> tuple[str, str]:
    assert main(list(args), environ=environ or {}) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_table(capsys: pytest.CaptureFixture[str], logfile: Path) -> None:
    out, err = run(capsys, str(logfile))
    assert err == (
        f"{logfile}:5: not JSON: Expecting value: line 1 column 1 (char 0)\n"
        f"{logfile}:10: missing field 'path'\n"
    )
    assert (
        out
        == """\
4 downloads in 9 lines (1 bot download skipped, 2 bad lines)

project  downloads
demo             3
other            1

project  version  downloads
demo     1.0              2
demo     0.9              1
other    2.0              1

installer  downloads
curl               1
other              1
pip                1
uv                 1
"""
    )


def test_json_with_top_and_count_bots_flag(
    capsys: pytest.CaptureFixture[str], logfile: Path
) -> None:
    out, err = run(
        capsys,
        "--format",
        "json",
        "--top",
        "1",
        str(logfile),
        environ={"PANTRY_FLAG_COUNT_BOTS": "on"},
    )
    assert err == ""
    data = json.loads(out)
    assert (data["lines"], data["downloads"], data["bot_downloads_skipped"]) == (
        9,
        5,
        0,
    )
    assert data["projects"] == [{"project": "demo", "downloads": 3}]
    assert data["releases"] == [{"project": "demo", "version": "1.0", "downloads": 2}]
    assert data["installers"] == [{"installer": "other", "downloads": 2}]
    assert data["bad_lines"] == [
        {
            "source": str(logfile),
            "line": 5,
            "reason": "not JSON: Expecting value: line 1 column 1 (char 0)",
        },
        {"source": str(logfile), "line": 10, "reason": "missing field 'path'"},
    ]


def test_stdin_and_several_files(
    capsys: pytest.CaptureFixture[str], logfile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(LOG))
    data = json.loads(run(capsys, "--format", "json", "-", str(logfile))[0])
    assert data["downloads"] == 8
    assert [b["source"] for b in data["bad_lines"]] == [
        "<stdin>",
        "<stdin>",
        str(logfile),
        str(logfile),
    ]


def test_undecodable_bytes_are_a_bad_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "binary.log"
    path.write_bytes(b"\xff\xfe\x00garbage\n")
    data = json.loads(run(capsys, "--format", "json", str(path))[0])
    assert [b["line"] for b in data["bad_lines"]] == [1]


@pytest.mark.parametrize(
    "args, environ, message",
    [
        ([], {}, "the following arguments are required: LOGFILE"),
        (
            ["--top", "0", "x"],
            {},
            "argument --top: invalid count '0'; expected a whole number >= 1",
        ),
        (["--format", "csv", "x"], {}, "argument --format: invalid choice: 'csv'"),
        (
            ["{tmp}/missing.log"],
            {},
            "cannot read {tmp}/missing.log: No such file or directory",
        ),
        (
            ["x"],
            {"PANTRY_FLAG_COUNT_BOTS": "yes"},
            "bad feature flag: environment: PANTRY_FLAG_COUNT_BOTS: invalid value 'yes'",
        ),
    ],
)
def test_errors_exit_2_without_traceback(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    environ: dict[str, str],
    message: str,
) -> None:
    with pytest.raises(SystemExit) as exc_info:
        main([a.format(tmp=tmp_path) for a in args], environ=environ)
    assert exc_info.value.code == 2
    err = capsys.readouterr().err
    assert f"python -m stats: error: {message.format(tmp=tmp_path)}" in err
    assert "Traceback" not in err
