from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import json
import stat
import threading
from pathlib import Path
from typing import Iterator

import pytest
from pantry.index_mirror.blobs import (
    DEBIAN,
    NPM,
    BlobPin,
    Fetcher,
    debian_pins,
    dedupe_blobs,
    npm_pins,
)
from pantry.index_mirror.index_client import ArtifactError, Http, IndexUrls
from pantry.index_mirror.pins import PinsError

TGZ = b"\x1f\x8b fake npm tarball"
SHA512 = hashlib.sha512(TGZ).hexdigest()
INTEGRITY = "sha512-" + base64.b64encode(hashlib.sha512(TGZ).digest()).decode()
DEB = b"!<arch>\nfake deb"
SHA256 = hashlib.sha256(DEB).hexdigest()


def npm_lock(**pyright: str) -> str:
    return json.dumps(
        {
            "lockfileVersion": 3,
            "packages": {
                "": {"name": "root", "dependencies": {"pyright": "1.0.0"}},
                "node_modules/pyright": {"version": "1.0.0", "integrity": INTEGRITY, **pyright},
                "node_modules/@scope/tool": {"version": "2.0.0", "integrity": INTEGRITY},
                "node_modules/linked": {"link": True, "resolved": "../linked"},
            },
        }
    )


def test_debian_pins_come_from_packages_lock() -> None:
    (pin,) = debian_pins(f"# comment\nhello 2.10-3 {SHA256}\n", "tools/packages.lock")
    assert pin == BlobPin(DEBIAN, "hello", "2.10-3", "sha256", SHA256, "tools/packages.lock")
    assert pin.filename == "hello_2.10-3.deb"
    (epoch,) = debian_pins(f"libcrypt1 1:4.4.33-2 {SHA256}\n", "p.lock")
    assert epoch.filename == "libcrypt1_4.4.33-2.deb"
    assert (
        pin.blob_url(IndexUrls.parse("http://i:1/simple/")) == f"http://i:1/blobs/sha256/{SHA256}"
    )


def test_a_bad_packages_lock_is_a_pins_error_with_the_line() -> None:
    with pytest.raises(PinsError, match=r"^tools/packages.lock:1: package 'hello' has no sha256"):
        debian_pins("hello 2.10-3\n", "tools/packages.lock")


def test_npm_pins_use_resolved_else_the_registry() -> None:
    pins = npm_pins(npm_lock(), "pyright/package-lock.json", "http://registry.test/npm/")
    assert [(p.name, p.filename, p.url, p.digest) for p in pins] == [
        (
            "@scope/tool",
            "scope-tool-2.0.0.tgz",
            "http://registry.test/npm/@scope/tool/-/tool-2.0.0.tgz",
            SHA512,
        ),
        (
            "pyright",
            "pyright-1.0.0.tgz",
            "http://registry.test/npm/pyright/-/pyright-1.0.0.tgz",
            SHA512,
        ),
    ]
    (_, pyright) = npm_pins(npm_lock(resolved="http://elsewhere/p.tgz"), "l.json", "http://r/")
    assert (pyright.kind, pyright.algorithm, pyright.url) == (
        NPM,
        "sha512",
        "http://elsewhere/p.tgz",
    )


def test_npm_pins_without_resolved_need_a_registry() -> None:
    with pytest.raises(PinsError, match=r"^l.json: node_modules/@scope/tool has no `resolved` URL"):
        npm_pins(npm_lock(), "l.json", None)


@pytest.mark.parametrize("integrity", ["sha1-AAAA", "sha512-not*base64", "sha512-AAAA"])
def test_npm_integrity_must_be_sha512(integrity: str) -> None:
    text = npm_lock().replace(INTEGRITY, integrity)
    with pytest.raises(PinsError, match=r"is not `sha512-<base64 of 64 bytes>`"):
        npm_pins(text, "l.json", "http://r/")


def test_not_a_package_lock() -> None:
    with pytest.raises(
        PinsError, match=r"^l.json: not an npm package lock with a `packages` table"
    ):
        npm_pins("{}", "l.json", "http://r/")


def test_dedupe_keeps_one_pin_per_file() -> None:
    a = BlobPin(DEBIAN, "libssl3", "3", "sha256", SHA256, "a/packages.lock")
    b = BlobPin(DEBIAN, "libssl3", "3", "sha256", SHA256, "b/packages.lock")
    c = BlobPin(DEBIAN, "libc6", "2", "sha256", "0" * 64, "b/packages.lock")
    assert dedupe_blobs([a, b, c]) == (c, a)


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[str]:
    """A static file server on 127.0.0.1 holding `pyright-1.0.0.tgz`; stopped and joined."""
    root = tmp_path / "registry"
    root.mkdir()
    (root / "pyright-1.0.0.tgz").write_bytes(TGZ)
    (root / "tampered.tgz").write_bytes(TGZ + b"!")
    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def npm_pin(url: str) -> BlobPin:
    return BlobPin(NPM, "pyright", "1.0.0", "sha512", SHA512, "l.json", url)


def test_npm_tarballs_are_verified_and_cached(tmp_path: Path, registry: str) -> None:
    fetcher = Fetcher(Http(), tmp_path / "cache", None)
    path = fetcher.fetch(npm_pin(f"{registry}/pyright-1.0.0.tgz"))
    assert path == tmp_path / "cache" / SHA512 / "pyright-1.0.0.tgz"
    assert path.read_bytes() == TGZ
    # Cached: a second fetch needs no server.
    assert fetcher.fetch(npm_pin("http://127.0.0.1:9/gone.tgz")) == path


def test_a_tarball_that_is_not_the_pinned_one_is_refused(tmp_path: Path, registry: str) -> None:
    fetcher = Fetcher(Http(), tmp_path / "cache", None)
    with pytest.raises(ArtifactError, match=r"^pyright-1.0.0.tgz \(l.json\): downloaded from .*"
                       r"its sha512 is [0-9a-f]{128} but the lock pins " + SHA512):  # fmt: skip
        fetcher.fetch(npm_pin(f"{registry}/tampered.tgz"))
    assert list((tmp_path / "cache" / SHA512).iterdir()) == []


def fake_apt_get(tmp_path: Path, data: bytes) -> str:
    """`apt-get download hello=2.10-3` writing `data` as the .deb, in its working directory."""
    (tmp_path / "hello.deb").write_bytes(data)
    script = tmp_path / "apt-get"
    script.write_text(
        "#!/bin/sh\n"
        f'case "$*" in *hello=2.10-3*) cp {tmp_path}/hello.deb hello_2.10-3_amd64.deb;'
        " exit 0;; esac\n"
        'echo "E: Version not found" >&2; exit 100\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_debian_packages_are_fetched_as_the_oci_builder_does(tmp_path: Path) -> None:
    fetcher = Fetcher(Http(), tmp_path / "cache", fake_apt_get(tmp_path, DEB))
    pin = BlobPin(DEBIAN, "hello", "2.10-3", "sha256", SHA256, "tools/packages.lock")
    path = fetcher.fetch(pin)
    assert path == tmp_path / "cache" / SHA256 / "hello_2.10-3.deb"
    assert path.read_bytes() == DEB
    assert not list((tmp_path / "cache/apt").glob("*.deb"))  # nothing left in apt's workdir


def test_a_debian_package_that_is_not_the_pinned_one_is_refused(tmp_path: Path) -> None:
    fetcher = Fetcher(Http(), tmp_path / "cache", fake_apt_get(tmp_path, DEB + b"!"))
    pin = BlobPin(DEBIAN, "hello", "2.10-3", "sha256", SHA256, "tools/packages.lock")
    with pytest.raises(ArtifactError, match=r"^tools/packages.lock: package hello=2.10-3 downloaded"
                       r" with sha256 [0-9a-f]{64}, but it is pinned to " + SHA256):  # fmt: skip
        fetcher.fetch(pin)


def test_without_apt_get_a_debian_package_fails_saying_so(tmp_path: Path) -> None:
    pin = BlobPin(DEBIAN, "hello", "2.10-3", "sha256", SHA256, "tools/packages.lock")
    with pytest.raises(ArtifactError, match=r"no `apt-get` in /usr/bin or /bin"):
        Fetcher(Http(), tmp_path / "cache", None).fetch(pin)
