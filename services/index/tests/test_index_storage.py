from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import pytest
from index.storage import Storage


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_scan_groups_by_normalized_project(tmp_path: Path) -> None:
    (tmp_path / "Demo_Pkg-1.0-py3-none-any.whl").write_bytes(b"wheel")
    (tmp_path / "demo.pkg-0.9.tar.gz").write_bytes(b"sdist")
    (tmp_path / "other-2.zip").write_bytes(b"zip")
    (tmp_path / "subdir").mkdir()
    (tmp_path / "subdir" / "nested-1.0.tar.gz").write_bytes(b"not scanned")
    projects = Storage(tmp_path).scan()
    assert sorted(projects) == ["demo-pkg", "other"]
    assert [(f.filename, f.version, f.size, f.sha256) for f in projects["demo-pkg"]] == [
        ("Demo_Pkg-1.0-py3-none-any.whl", "1.0", 5, sha256(b"wheel")),
        ("demo.pkg-0.9.tar.gz", "0.9", 5, sha256(b"sdist")),
    ]


def test_unparsable_files_warn_once_and_quiet_files_are_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "README.md").write_text("hi")
    (tmp_path / "broken.tar.gz").write_bytes(b"")
    (tmp_path / ".upload-1.0.tar.gz.part").write_bytes(b"")
    (tmp_path / "ok-1.0.tar.gz.metadata").write_text("orphan metadata\n")
    storage = Storage(tmp_path)
    with caplog.at_level(logging.WARNING, logger="index.storage"):
        assert storage.scan() == {}
        assert storage.scan() == {}
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        f"ignoring {tmp_path / 'README.md'}",
        f"ignoring {tmp_path / 'broken.tar.gz'}",
    ]
    assert "is not a distribution filename" in caplog.records[0].getMessage()


def test_digest_is_cached_until_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "demo-1.0.tar.gz"
    dist.write_bytes(b"one")
    one, two = sha256(b"one"), sha256(b"two")
    storage = Storage(tmp_path)
    assert storage.find(dist.name).sha256 == one

    calls = []
    real_sha256 = hashlib.sha256
    monkeypatch.setattr(hashlib, "sha256", lambda *a: calls.append(a) or real_sha256(*a))
    assert storage.find(dist.name).sha256 == one
    assert calls == []

    # Same size, so only the mtime tells the cache the content changed.
    dist.write_bytes(b"two")
    os.utime(dist, ns=(1, 1))
    assert storage.find(dist.name).sha256 == two
    assert len(calls) == 1


def test_metadata_file_adds_hash_and_requires_python(tmp_path: Path) -> None:
    (tmp_path / "demo-1.0-py3-none-any.whl").write_bytes(b"wheel")
    metadata = (
        b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Python: >=3.9\n"
        b"\nLong description\n"
    )
    (tmp_path / "demo-1.0-py3-none-any.whl.metadata").write_bytes(metadata)
    stored = Storage(tmp_path).find("demo-1.0-py3-none-any.whl")
    assert (stored.metadata_sha256, stored.requires_python) == (
        sha256(metadata),
        ">=3.9",
    )
    assert stored.metadata_path == tmp_path / "demo-1.0-py3-none-any.whl.metadata"


@pytest.mark.parametrize(
    "name",
    [
        "missing-1.0.tar.gz",
        "../outside-1.0.tar.gz",
        ".hidden-1.0.tar.gz",
        "demo-1.0.tar.gz.metadata",
        "notes.txt",
    ],
)
def test_find_rejects(tmp_path: Path, name: str) -> None:
    (tmp_path / "outside-1.0.tar.gz").write_bytes(b"x")
    data = tmp_path / "data"
    data.mkdir()
    for present in (
        "demo-1.0.tar.gz",
        "demo-1.0.tar.gz.metadata",
        ".hidden-1.0.tar.gz",
        "notes.txt",
    ):
        (data / present).write_bytes(b"x")
    storage = Storage(data)
    assert storage.find("demo-1.0.tar.gz") is not None
    assert storage.find(name) is None


def test_file_vanishing_mid_scan_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "gone-1.0.tar.gz").write_bytes(b"x")
    (tmp_path / "kept-1.0.tar.gz").write_bytes(b"y")
    real_is_file = Path.is_file

    def is_file_then_delete(self: Path) -> bool:
        # An uploader removes the file right after the scan saw it.
        result = real_is_file(self)
        if self.name == "gone-1.0.tar.gz":
            self.unlink()
        return result

    monkeypatch.setattr(Path, "is_file", is_file_then_delete)
    assert list(Storage(tmp_path).scan()) == ["kept"]
