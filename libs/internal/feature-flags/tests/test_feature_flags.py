from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import feature_flags
import pytest
from feature_flags import Flag, FlagError, Flags


def write_flags(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "flags.json"
    path.write_text(json.dumps(data))
    return path


def test_file_values_and_environment_override(tmp_path: Path) -> None:
    path = write_flags(
        tmp_path, {"serve-json": "on", "count-bots": False, "beta": "0%", "all": True}
    )
    flags = Flags.from_sources(
        path,
        environ={
            "PANTRY_FLAG_SERVE_JSON": "off",
            "PANTRY_FLAG_NEW_UI": " ON ",
            "HOME": "/x",
        },
    )
    assert not flags.is_enabled("serve-json")
    assert flags.get("serve-json") == Flag("serve-json", 0.0, "environment")
    assert flags.is_enabled("new-ui")
    assert flags.is_enabled("all")
    assert not flags.is_enabled("count-bots")
    assert not flags.is_enabled("beta", subject="anyone")
    assert flags.get("beta") == Flag("beta", 0.0, str(path))


def test_unknown_flag_uses_default() -> None:
    flags = Flags.from_sources(environ={})
    assert flags.is_enabled("missing", default=True)
    assert not flags.is_enabled("missing")
    assert flags.get("missing") is None


def test_repr_lists_flags_by_name() -> None:
    flags = Flags.from_sources(environ={"PANTRY_FLAG_ZED": "on", "PANTRY_FLAG_ALPHA": "off"})
    assert repr(flags) == (
        "Flags([Flag(name='alpha', percent=0.0, source='environment'), "
        "Flag(name='zed', percent=100.0, source='environment')])"
    )


def test_environ_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTRY_FLAG_FROM_OS", "on")
    assert Flags.from_sources().is_enabled("from-os")


def test_percentage_rollout_is_stable_and_roughly_proportional() -> None:
    flags = Flags.from_sources(environ={"PANTRY_FLAG_ROLLOUT": "25%", "PANTRY_FLAG_OTHER": "25%"})
    subjects = [f"user-{i}" for i in range(4000)]
    enabled = {s for s in subjects if flags.is_enabled("rollout", subject=s)}
    assert 900 < len(enabled) < 1100
    assert enabled == {s for s in subjects if flags.is_enabled("rollout", subject=s)}
    # Buckets depend on the flag name too, so two 25% flags pick different subjects.
    assert enabled != {s for s in subjects if flags.is_enabled("other", subject=s)}
    # Without a subject a partial rollout is off rather than random.
    assert not flags.is_enabled("rollout")


def test_rollout_is_identical_in_another_process() -> None:
    # A fresh interpreter gets a different str-hash seed; the answers must not change.
    code = (
        "from feature_flags import Flags;"
        "f = Flags.from_sources(environ={'PANTRY_FLAG_R': '50%'});"
        "print(''.join('1' if f.is_enabled('r', subject=str(i)) else '0' for i in range(64)))"
    )
    src = str(Path(feature_flags.__file__).parent.parent)
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": src, "PYTHONHASHSEED": "random"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    flags = Flags.from_sources(environ={"PANTRY_FLAG_R": "50%"})
    assert out == "".join("1" if flags.is_enabled("r", subject=str(i)) else "0" for i in range(64))
    assert "0" in out and "1" in out


def test_fractional_percentages() -> None:
    assert Flags.from_sources(environ={"PANTRY_FLAG_X": "12.5%"}).get("x") == Flag(
        "x", 12.5, "environment"
    )


@pytest.mark.parametrize(
    "environ, message",
    [
        (
            {"PANTRY_FLAG_X": "maybe"},
            (
                "environment: PANTRY_FLAG_X: invalid value 'maybe';"
                " expected on, off or a percentage from 0% to 100% like 25%"
            ),
        ),
        ({"PANTRY_FLAG_X": "101%"}, "environment: PANTRY_FLAG_X: invalid value '101%'"),
        ({"PANTRY_FLAG_X": "-5%"}, "environment: PANTRY_FLAG_X: invalid value '-5%'"),
        ({"PANTRY_FLAG_X": ""}, "environment: PANTRY_FLAG_X: invalid value ''"),
        (
            {"PANTRY_FLAG_": "on"},
            (
                "environment: PANTRY_FLAG_: invalid flag name '';"
                " use lowercase words joined by '-', like 'serve-json'"
            ),
        ),
        (
            {"PANTRY_FLAG_A__B": "on"},
            "environment: PANTRY_FLAG_A__B: invalid flag name 'a--b'",
        ),
    ],
)
def test_bad_environment_values(environ: dict[str, str], message: str) -> None:
    with pytest.raises(FlagError) as exc_info:
        Flags.from_sources(environ=environ)
    assert str(exc_info.value).startswith(message)
    assert exc_info.value.source == "environment"


@pytest.mark.parametrize(
    "content, key, problem",
    [
        ({"x": 50}, "x", "invalid value 50; expected on, off"),
        ({"x": None}, "x", "invalid value None"),
        ({"Serve_JSON": "on"}, "Serve_JSON", "invalid flag name 'Serve_JSON'"),
        (["x"], None, 'expected a JSON object like {"serve-json": "on"}'),
    ],
)
def test_bad_file_values(tmp_path: Path, content: object, key: str | None, problem: str) -> None:
    path = write_flags(tmp_path, content)
    with pytest.raises(FlagError) as exc_info:
        Flags.from_sources(path, environ={})
    err = exc_info.value
    assert (err.source, err.key) == (str(path), key)
    assert err.problem.startswith(problem)
    assert str(err).startswith(f"{path}: {key}: " if key else f"{path}: ")


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(
        FlagError,
        match=r"flags.json: cannot read flags file: No such file or directory",
    ):
        Flags.from_sources(tmp_path / "flags.json", environ={})
    (tmp_path / "flags.json").write_text("{oops")
    with pytest.raises(FlagError, match=r"flags.json: not valid JSON: Expecting property name"):
        Flags.from_sources(tmp_path / "flags.json", environ={})
