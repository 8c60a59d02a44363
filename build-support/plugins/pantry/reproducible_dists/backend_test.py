from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import pytest
from pantry.reproducible_dists import backend


def write_sdist(path: Path, *, mtime: int, uid: int, mode: int, reverse: bool, gz_mtime: int):
    names = sorted(["pkg-1.0/PKG-INFO", "pkg-1.0/pkg/__init__.py", "pkg-1.0/setup.py"])
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        directory = tarfile.TarInfo("pkg-1.0")
        directory.type, directory.mtime, directory.mode = tarfile.DIRTYPE, mtime, 0o775
        archive.addfile(directory)
        for name in reversed(names) if reverse else names:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.uid, info.gid = len(name), mtime, uid, uid
            info.uname = info.gname = "builder" if uid else "root"
            info.mode = mode | (0o111 if name.endswith("setup.py") else 0)
            archive.addfile(info, io.BytesIO(name.encode()))
    with open(path, "wb") as stream:
        with gzip.GzipFile(filename="x.tar", mode="wb", fileobj=stream, mtime=gz_mtime) as gz:
            gz.write(buffer.getvalue())


def test_normalized_sdists_are_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "first.tar.gz", tmp_path / "second.tar.gz"
    write_sdist(first, mtime=1700000000, uid=0, mode=0o644, reverse=False, gz_mtime=1700000000)
    write_sdist(second, mtime=1800000000, uid=1000, mode=0o664, reverse=True, gz_mtime=5)
    assert first.read_bytes() != second.read_bytes()
    for sdist in (first, second):
        backend.normalize_sdist(str(sdist), 315532800)
    assert first.read_bytes() == second.read_bytes()

    data = first.read_bytes()
    assert data[4:8] == (315532800).to_bytes(4, "little")  # gzip header mtime
    with tarfile.open(first) as archive:
        members = archive.getmembers()
        assert [m.name for m in members] == sorted(m.name for m in members)
        assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {
            (315532800, 0, 0, "", "")
        }
        modes = {m.name: m.mode for m in members}
        assert modes["pkg-1.0"] == 0o755 and modes["pkg-1.0/setup.py"] == 0o755
        assert modes["pkg-1.0/PKG-INFO"] == 0o644
        assert (
            backend._read_member(archive, archive.getmember("pkg-1.0/PKG-INFO"))
            == b"pkg-1.0/PKG-INFO"
        )


@pytest.mark.parametrize(
    "value, expected", [("1700000000", 1700000000), ("", 315532800), ("soon", 315532800)]
)
def test_source_date_epoch(monkeypatch, value: str, expected: int) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert backend.source_date_epoch() == expected


class FakeSetuptools:
    def build_sdist(self, sdist_directory, config_settings=None):
        self.seen_pyproject = Path("pyproject.toml").read_text()
        write_sdist(
            Path(sdist_directory) / "pkg-1.0.tar.gz",
            mtime=1700000000,
            uid=1000,
            mode=0o664,
            reverse=True,
            gz_mtime=1700000000,
        )
        return "pkg-1.0.tar.gz"


def test_build_sdist_publishes_plain_setuptools_and_normalizes(tmp_path, monkeypatch) -> None:
    fake = FakeSetuptools()
    monkeypatch.setattr(backend, "_setuptools", lambda: fake)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "315532800")
    monkeypatch.chdir(tmp_path)
    Path("pyproject.toml").write_text('[build-system]\nbuild-backend = "pantry_dist_backend"\n')
    os.mkdir("dist")
    assert backend.build_sdist("dist") == "pkg-1.0.tar.gz"
    assert fake.seen_pyproject == backend.PUBLIC_PYPROJECT
    with tarfile.open("dist/pkg-1.0.tar.gz") as archive:
        assert {m.mtime for m in archive.getmembers()} == {315532800}
