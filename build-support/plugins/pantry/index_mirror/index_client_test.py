from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path

import pytest
from pantry.index_mirror.index_client import Counts, IndexUrls, MirrorError, _multipart


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
