from __future__ import annotations

import json

import pytest
from pantry.index_mirror.index_client import MirrorError
from pantry.index_mirror.lock_urls import (
    files_url,
    pins_on_index,
    restore_lock_urls,
    rewrite_lock_urls,
)
from pantry.index_mirror.pins import Pin


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080/simple/", "http://127.0.0.1:8080/simple"],
)
def test_files_url(url: str) -> None:
    assert files_url(url) == "http://127.0.0.1:8080/files/"


def test_files_url_error() -> None:
    with pytest.raises(MirrorError, match=r"\[python\].pantry_index_url: 'index' is not an http"):
        files_url("index")


def test_rewrite_keeps_hashes_and_everything_else() -> None:
    lock = {
        "pex_version": "2.19.1",
        "locked_resolves": [
            {
                "locked_requirements": [
                    {
                        "project_name": "six",
                        "artifacts": [
                            {"algorithm": "sha256", "hash": h, "url": url}
                            for h, url in [
                                ("h1", "https://files.example/ab/six-1.17.0-py2.py3-none-any.whl"),
                                ("h2", "https://files.example/cd/a%2Bb-1.0.tar.gz"),
                                ("h3", "file:///local/x-1.0.tar.gz"),
                            ]
                        ],
                    }
                ]
            }
        ],
    }
    out = json.loads(rewrite_lock_urls(json.dumps(lock).encode(), "http://h:1/simple/"))
    artifacts = out["locked_resolves"][0]["locked_requirements"][0]["artifacts"]
    assert [(a["url"], a["hash"]) for a in artifacts] == [
        ("http://h:1/files/six-1.17.0-py2.py3-none-any.whl", "h1"),
        ("http://h:1/files/a%2Bb-1.0.tar.gz", "h2"),
        ("file:///local/x-1.0.tar.gz", "h3"),
    ]
    assert out["pex_version"] == "2.19.1"


def test_pins_on_index_fetch_locked_artifacts_from_the_index_by_filename() -> None:
    locked = Pin(
        "six",
        "1.17.0",
        "ab" * 32,
        "default.lock",
        "six-1.17.0-py2.py3-none-any.whl",
        "https://files.example/packages/aa/bb/six-1.17.0-py2.py3-none-any.whl",
    )
    unlocated = Pin("pex", "2.19.1", "cd" * 32, "pex-requirements.txt:3")
    moved, kept = pins_on_index([locked, unlocated], "http://127.0.0.1:8080/simple/")
    assert moved.url == "http://127.0.0.1:8080/files/six-1.17.0-py2.py3-none-any.whl"
    assert (moved.sha256, moved.filename, moved.source) == (
        locked.sha256,
        locked.filename,
        locked.source,
    )
    assert kept == unlocated
    with pytest.raises(MirrorError, match=r"\[python\].pantry_index_url: 'index' is not an http"):
        pins_on_index([locked], "index")


def lock_of(*artifacts: tuple[str, str]) -> bytes:
    requirement = {
        "project_name": "six",
        "artifacts": [{"algorithm": "sha256", "hash": h, "url": u} for u, h in artifacts],
    }
    return json.dumps({"locked_resolves": [{"locked_requirements": [requirement]}]}).encode()


def test_a_lock_updated_offline_keeps_the_urls_it_had() -> None:
    public = "https://files.example/packages/aa/bb/"
    index = "http://127.0.0.1:8080/files/"
    original = lock_of(
        (public + "six-1.16.0.tar.gz", "11" * 32), ("file:///vendored.whl", "22" * 32)
    )
    updated = lock_of(
        (index + "six-1.16.0.tar.gz", "11" * 32),  # already locked: back to its public URL
        (index + "six-1.17.0.tar.gz", "33" * 32),  # new: the index is all it was resolved from
        (index + "six-1.16.0.tar.gz".replace(".tar", "x.tar"), "11" * 32),  # another name
        ("file:///vendored.whl", "22" * 32),
    )
    restored, new = restore_lock_urls(updated + b"\n", original)
    urls = [
        a["url"]
        for a in json.loads(restored)["locked_resolves"][0]["locked_requirements"][0]["artifacts"]
    ]
    assert urls == [
        public + "six-1.16.0.tar.gz",
        index + "six-1.17.0.tar.gz",
        index + "six-1.16.0x.tar.gz",
        "file:///vendored.whl",
    ]
    assert new == 2
    assert restored.endswith(b"}\n")


def test_a_changed_hash_is_a_new_artifact() -> None:
    original = lock_of(("https://files.example/six-1.16.0.tar.gz", "11" * 32))
    updated = lock_of(("http://127.0.0.1:8080/files/six-1.16.0.tar.gz", "44" * 32))
    restored, new = restore_lock_urls(updated, original)
    assert b"127.0.0.1" in restored and new == 1
