from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
from pathlib import Path

import pytest
from index.storage import SCAN_TTL, AlreadyExists, Storage, StoredFile


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


def _found(storage: Storage, filename: str) -> StoredFile:
    stored = storage.find(filename)
    assert stored is not None, f"{filename} not found"
    return stored


def test_digest_is_cached_until_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "demo-1.0.tar.gz"
    dist.write_bytes(b"one")
    one, two = sha256(b"one"), sha256(b"two")
    storage = Storage(tmp_path)
    assert _found(storage, dist.name).sha256 == one

    calls: list[tuple[bytes, ...]] = []
    real_sha256 = hashlib.sha256

    def counting_sha256(*data: bytes) -> hashlib._Hash:
        calls.append(data)
        return real_sha256(*data)

    monkeypatch.setattr(hashlib, "sha256", counting_sha256)
    assert _found(storage, dist.name).sha256 == one
    assert calls == []

    # Same size, so only the mtime tells the cache the content changed.
    dist.write_bytes(b"two")
    os.utime(dist, ns=(1, 1))
    assert _found(storage, dist.name).sha256 == two
    assert len(calls) == 1


def test_metadata_file_adds_hash_and_requires_python(tmp_path: Path) -> None:
    (tmp_path / "demo-1.0-py3-none-any.whl").write_bytes(b"wheel")
    metadata = (
        b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Python: >=3.9\n"
        b"\nLong description\n"
    )
    (tmp_path / "demo-1.0-py3-none-any.whl.metadata").write_bytes(metadata)
    stored = _found(Storage(tmp_path), "demo-1.0-py3-none-any.whl")
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
    real_stat = Path.stat

    def delete_then_stat(self: Path, **kwargs: bool) -> os.stat_result:
        # An uploader removes the file right after the scan listed it.
        if self.name == "gone-1.0.tar.gz":
            self.unlink(missing_ok=True)
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", delete_then_stat)
    assert list(Storage(tmp_path).scan()) == ["kept"]


def test_scan_is_kept_in_memory_and_refreshed_every_scan_ttl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "one-1.0.tar.gz").write_bytes(b"1")
    clock = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    storage = Storage(tmp_path)
    assert list(storage.scan()) == ["one"]
    # What others change in the directory (an in-place edit, a file copied in) is seen once
    # SCAN_TTL has passed.
    (tmp_path / "one-1.0.tar.gz").write_bytes(b"22")
    (tmp_path / "two-1.0.tar.gz").write_bytes(b"2")
    assert list(storage.scan()) == ["one"] and storage.scan()["one"][0].size == 1
    clock[0] += SCAN_TTL
    assert list(storage.scan()) == ["one", "two"] and storage.scan()["one"][0].size == 2
    # A file published here is listed at once.
    pending = storage.begin()
    pending.write(b"3")
    storage.publish(pending, "three-1.0.tar.gz")
    assert list(storage.scan()) == ["one", "three", "two"]


def test_a_file_published_during_a_rescan_is_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "one-1.0.tar.gz").write_bytes(b"1")
    storage = Storage(tmp_path)
    real_scandir = os.scandir

    def publish_while_scanning(path: str | os.PathLike[str]) -> object:
        # The rescan has read the directory; an upload lands before it installs the result.
        entries = list(real_scandir(path))
        if path == tmp_path and not (tmp_path / "late-1.0.tar.gz").exists():
            monkeypatch.setattr(os, "scandir", real_scandir)
            pending = storage.begin()
            pending.write(b"late")
            storage.publish(pending, "late-1.0.tar.gz")
        return contextlib.nullcontext(iter(entries))

    monkeypatch.setattr(os, "scandir", publish_while_scanning)
    assert list(storage.scan()) == ["late", "one"]


def test_publish_is_atomic_and_never_overwrites(tmp_path: Path) -> None:
    storage = Storage(tmp_path)
    (tmp_path / "demo-1.0-py3-none-any.whl.metadata").write_bytes(b"orphan, replaced")
    pending = storage.begin()
    assert pending.path.parent == tmp_path and pending.path.name.startswith(".upload-")
    pending.write(b"wheel")
    assert storage.scan() == {}  # a pending file is never served
    storage.publish(pending, "demo-1.0-py3-none-any.whl", b"Name: demo\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "demo-1.0-py3-none-any.whl",
        "demo-1.0-py3-none-any.whl.metadata",
    ]
    assert (tmp_path / "demo-1.0-py3-none-any.whl.metadata").read_bytes() == b"Name: demo\n"
    assert _found(storage, "demo-1.0-py3-none-any.whl").sha256 == sha256(b"wheel")

    second = storage.begin()
    second.write(b"other")
    with pytest.raises(AlreadyExists, match="'demo-1.0-py3-none-any.whl' already exists"):
        storage.publish(second, "demo-1.0-py3-none-any.whl")
    assert (tmp_path / "demo-1.0-py3-none-any.whl").read_bytes() == b"wheel"
    assert not second.path.exists()


def test_remove_stale_uploads_keeps_only_uploads_in_progress(tmp_path: Path) -> None:
    in_progress = Storage(tmp_path).begin()
    in_progress.close()  # written, being checked before it is published: still held
    # What a killed process leaves: nothing holds it, however young it is.
    leftover = tmp_path / ".upload-killed.part"
    leftover.write_bytes(b"partial")
    (tmp_path / "demo-1.0.tar.gz").write_bytes(b"kept")
    assert Storage(tmp_path).remove_stale_uploads() == [leftover]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["demo-1.0.tar.gz", in_progress.path.name]
    )
    in_progress.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo-1.0.tar.gz"]


def test_cached_files_notice_a_new_metadata_file(tmp_path: Path) -> None:
    (tmp_path / "demo-1.0-py3-none-any.whl").write_bytes(b"wheel")
    (tmp_path / "other-1.0-py3-none-any.whl.metadata").mkdir()  # not a file: ignored
    storage = Storage(tmp_path)
    assert _found(storage, "demo-1.0-py3-none-any.whl").requires_python is None
    (tmp_path / "demo-1.0-py3-none-any.whl.metadata").write_text("Requires-Python: >=3.10\n")
    assert _found(storage, "demo-1.0-py3-none-any.whl").requires_python == ">=3.10"
