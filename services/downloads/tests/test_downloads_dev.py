"""The local run's pure parts: where data goes, what a reload compiles first."""

from pathlib import Path

from downloads.dev import default_data_dir, python_files, syntax_errors


def test_data_is_kept_per_user() -> None:
    assert default_data_dir({"XDG_DATA_HOME": "/x"}) == Path("/x/pantry/downloads")
    assert default_data_dir({}) == Path.home() / ".local/share/pantry/downloads"


def test_a_save_with_a_syntax_error_is_reported_not_run(tmp_path: Path) -> None:
    good, bad = tmp_path / "src" / "good.py", tmp_path / "src" / "pkg" / "bad.py"
    bad.parent.mkdir(parents=True)
    good.write_text("x = 1\n")
    bad.write_text("x = 1\ndef broken(:\n")
    files = python_files(tmp_path / "src")
    assert sorted(files) == [good, bad]
    assert syntax_errors(list(files), tmp_path) == ["src/pkg/bad.py:2: invalid syntax"]
    bad.write_text("x = 2\n")
    assert syntax_errors(list(python_files(tmp_path / "src")), tmp_path) == []
