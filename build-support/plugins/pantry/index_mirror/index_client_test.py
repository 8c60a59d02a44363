from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path

import pytest
from pantry.index_mirror.index_client import (
    ArtifactError,
    Counts,
    HashMismatch,
    IndexUrls,
    MirrorError,
    _multipart,
    mirror_each,
)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8080/",
        "http://127.0.0.1:8080/simple/",
        "http://127.0.0.1:8080/legacy",
    ],
)
def test_index_urls(url: str) -> None:
    urls = IndexUrls.parse(url)
    assert (urls.simple, urls.upload) == (
        "http://127.0.0.1:8080/simple/",
        "http://127.0.0.1:8080/legacy/",
    )


def test_index_urls_keep_a_path_prefix() -> None:
    assert IndexUrls.parse("https://h/pypi/simple/").upload == "https://h/pypi/legacy/"


@pytest.mark.parametrize("url", ["127.0.0.1:8080", "ftp://h/", "http://"])
def test_index_urls_errors(url: str) -> None:
    with pytest.raises(MirrorError, match=r"^--to: .* is not an http\(s\) URL of a Pantry index"):
        IndexUrls.parse(url)


def test_multipart_body_is_what_twine_sends(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    wheel.write_bytes(b"\x00wheel bytes\r\n--not-a-boundary")
    content_type, length, chunks = _multipart(
        {":action": "file_upload", "name": "demo"}, wheel.name, wheel
    )
    body = b"".join(chunks)
    assert len(body) == length
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts = {
        part.get_param("name", header="content-disposition"): part for part in message.iter_parts()
    }
    assert parts[":action"].get_content() == "file_upload"
    assert parts["content"].get_filename() == wheel.name
    assert parts["content"].get_payload(decode=True) == wheel.read_bytes()


def test_counts_summary() -> None:
    assert Counts(3, 2, 1).summary() == "3 uploaded, 2 already there, 1 failed"


@dataclass(frozen=True)
class _Pin:
    filename: str
    source: str


def test_mirror_each_uploads_what_the_index_lacks_and_counts_every_outcome() -> None:
    pins = [_Pin(name, f"lock:{n}") for n, name in enumerate("abcde", start=1)]
    on_index = {"a": True, "b": False, "c": False, "d": False}
    uploaded = {"b": True, "c": False}
    lines: list[str] = []

    def present(pin: _Pin) -> bool:
        if pin.filename == "e":
            raise ArtifactError("e: the index holds it with another sha256")
        return on_index[pin.filename]

    def fetch_and_upload(pin: _Pin) -> bool:
        if pin.filename == "d":
            raise HashMismatch("d: sha256 is not the pinned one")
        return uploaded[pin.filename]

    counts = mirror_each(pins, present, fetch_and_upload, lines.append)

    assert counts == Counts(uploaded=1, present=2, failed=2)
    assert lines == [
        "[1/5] already there a",
        "[2/5] uploaded b (lock:2)",
        "[3/5] already there c (uploaded meanwhile)",
        "[4/5] failed d: sha256 is not the pinned one",
        "[5/5] failed e: the index holds it with another sha256",
    ]
