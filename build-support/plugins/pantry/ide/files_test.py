from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pantry.ide.files import PlannedWrite, UnwritableFileError, check_writable, read_text, write_all


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob(".*.tmp"))


def test_writes_new_files_and_their_directories(tmp_path: Path) -> None:
    target = tmp_path / ".vscode" / "settings.json"
    written = write_all([PlannedWrite(target, "{}\n", ".vscode/settings.json")])
    assert [w.label for w in written] == [".vscode/settings.json"]
    assert target.read_text() == "{}\n"
    assert leftovers(tmp_path) == []


def test_unchanged_files_are_not_touched(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    target.write_text("same\n")
    os.utime(target, (1, 1))
    assert write_all([PlannedWrite(target, "same\n", "a.json")]) == []
    assert target.stat().st_mtime == 1


def test_replacing_keeps_the_file_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    target.write_text("old\n")
    target.chmod(0o640)
    write_all([PlannedWrite(target, "new\n", "a.json")])
    assert (target.read_text(), stat.S_IMODE(target.stat().st_mode)) == ("new\n", 0o640)


def test_one_unwritable_file_means_nothing_is_written(tmp_path: Path) -> None:
    good = tmp_path / "pyrightconfig.json"
    good.write_text("old\n")
    # `.vscode` is a file, so `.vscode/settings.json` cannot be created.
    (tmp_path / ".vscode").write_text("")
    with pytest.raises(UnwritableFileError) as error:
        write_all(
            [
                PlannedWrite(good, "new\n", "pyrightconfig.json"),
                PlannedWrite(tmp_path / ".vscode/settings.json", "{}\n", ".vscode/settings.json"),
            ]
        )
    assert str(error.value) == (
        f".vscode/settings.json: {tmp_path / '.vscode'} is not a directory, so `./pants ide`"
        " cannot create the file and wrote nothing. Remove or rename it."
    )
    assert good.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_a_directory_in_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyrightconfig.json").mkdir()
    with pytest.raises(UnwritableFileError, match="^pyrightconfig.json: is a directory"):
        check_writable(tmp_path / "pyrightconfig.json", "pyrightconfig.json")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write read-only files")
def test_a_read_only_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "pyrightconfig.json"
    target.write_text("{}")
    target.chmod(0o444)
    with pytest.raises(UnwritableFileError, match="^pyrightconfig.json: is read-only"):
        check_writable(target, "pyrightconfig.json")


def test_a_failed_write_cleans_up_created_directories(tmp_path: Path, monkeypatch) -> None:
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pantry.ide.files.tempfile.mkstemp", no_space)
    with pytest.raises(UnwritableFileError) as error:
        write_all([PlannedWrite(tmp_path / "new" / "x.json", "{}", "new/x.json")])
    assert str(error.value) == (
        "new/x.json: cannot write it (No space left on device) (disk full?); `./pants ide`"
        " wrote none of new/x.json. Fix the cause and run it again."
    )
    assert list(tmp_path.iterdir()) == []


def test_read_text_of_a_missing_file_is_none(tmp_path: Path) -> None:
    assert read_text(tmp_path / "nope.json", "nope.json") is None


def test_read_text_of_a_non_utf8_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(UnwritableFileError, match="^a.json: cannot read it"):
        read_text(tmp_path / "a.json", "a.json")
