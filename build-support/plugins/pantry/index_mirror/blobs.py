"""What is not a Python distribution: Debian packages and npm tarballs, as blobs on the index.

Engine-free. A Pantry index (services/index) stores such files by digest: `GET/PUT
<index>/blobs/<algorithm>/<hex>`. Debian packages are pinned by sha256 (`packages.lock`:
`NAME VERSION SHA256` of the .deb, read by `pantry.oci.debian.parse_pins`) and obtained as the
OCI builder obtains them, with `apt-get download NAME=VERSION` (`pantry.oci.tool`); npm
tarballs are pinned by their package lock's sha512 `integrity`, so they are stored under
sha512 and an offline package lock can name them from the lock alone
(build-support/pantry_testing/npm_lock.py, for the editor test's pyright).
Every file is verified against its pin before it is uploaded, and kept in the mirror's cache
(`<cache>/<hex>/<filename>`), so a second mirror fetches nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from pantry.index_mirror.index_client import (
    ArtifactError,
    Counts,
    Http,
    IndexUrls,
    cached_file,
    file_chunks,
    http_download,
    mirror_each,
    read_from_index,
    send_upload,
    verified_into,
)
from pantry.index_mirror.pins import PinsError
from pantry.oci import tool as oci_tool
from pantry.oci.debian import PinsError as DebianPinsError
from pantry.oci.debian import parse_pins

DEBIAN = "Debian packages"
NPM = "npm tarballs"


@dataclass(frozen=True)
class BlobPin:
    """A non-Python file pinned by the repository, stored on the index by digest."""

    kind: str  # DEBIAN or NPM
    name: str
    version: str
    algorithm: str  # sha256 (Debian) or sha512 (npm)
    digest: str  # hex
    source: str  # the lock that pins it
    url: str | None = None  # npm: where to download it; Debian: None (apt-get)

    @property
    def filename(self) -> str:
        if self.kind == DEBIAN:  # named as Debian names its files: no epoch
            return f"{self.name}_{self.version.split(':', 1)[-1]}.deb"
        return f"{self.name.replace('/', '-').lstrip('@')}-{self.version}.tgz"

    def blob_url(self, index: IndexUrls) -> str:
        return oci_tool.blob_url(index.base, self.algorithm, self.digest)


def debian_pins(text: str, source: str) -> tuple[BlobPin, ...]:
    """Every package of a `packages.lock`."""
    try:
        pins = parse_pins(text, source)
    except DebianPinsError as error:
        raise PinsError(str(error)) from None
    return tuple(BlobPin(DEBIAN, p.name, p.version, "sha256", p.sha256, source) for p in pins)


def integrity_hex(integrity: str, where: str) -> str:
    """The hex sha512 of an npm `integrity` (`sha512-<base64>`)."""
    algorithm, _, encoded = integrity.strip().partition("-")
    try:
        digest = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if algorithm != "sha512" or len(digest) != 64:
        raise PinsError(
            f"{where}: integrity {integrity!r} is not `sha512-<base64 of 64 bytes>`; regenerate "
            "the lock with `npm install --package-lock-only`."
        )
    return digest.hex()


def _npm_packages(text: str, source: str) -> dict:
    try:
        lock = json.loads(text)
        packages = lock["packages"]
    except (ValueError, KeyError, TypeError):
        raise PinsError(
            f"{source}: not an npm package lock with a `packages` table (lockfileVersion 2 or "
            "3); regenerate it with `npm install --package-lock-only`."
        ) from None
    return packages


def npm_pins(text: str, source: str, registry: str | None) -> tuple[BlobPin, ...]:
    """Every tarball of an npm package lock: its `resolved` URL, else the registry's."""
    pins = []
    for key, entry in sorted(_npm_packages(text, source).items()):
        if not key or "integrity" not in entry:
            continue  # the root project, or a link
        name = key.rsplit("node_modules/", 1)[-1]
        where = f"{source}: {key}"
        url = entry.get("resolved")
        if not url:
            if not registry:
                raise PinsError(
                    f"{where} has no `resolved` URL and there is no npm registry to find it on: "
                    "set [index-mirror].npm_registry (or install npm, whose configured "
                    "registry is the default)."
                )
            url = (
                f"{registry.rstrip('/')}/{name}/-/{name.rsplit('/', 1)[-1]}-{entry['version']}.tgz"
            )
        pins.append(
            BlobPin(
                NPM,
                name,
                entry["version"],
                "sha512",
                integrity_hex(entry["integrity"], where),
                source,
                url,
            )
        )
    return tuple(pins)


def dedupe_blobs(pins: Sequence[BlobPin]) -> tuple[BlobPin, ...]:
    """One pin per file (the first lock that names it), by kind, name and version."""
    seen: dict[tuple[str, str], BlobPin] = {}
    for pin in pins:
        seen.setdefault((pin.algorithm, pin.digest), pin)
    return tuple(sorted(seen.values(), key=lambda p: (p.kind, p.name, p.version)))


@dataclass(frozen=True)
class Fetcher:
    """Obtains pinned files: npm tarballs over HTTP, Debian packages with `apt-get`."""

    http: Http
    cache: Path
    apt_get: str | None

    def fetch(self, pin: BlobPin) -> Path:
        destination = self.cache / pin.digest / pin.filename
        cached = cached_file(destination, pin.algorithm, pin.digest)
        if cached:
            return cached
        if pin.kind == DEBIAN:
            write, how = self._apt_download(pin), "downloaded"
        else:
            assert pin.url  # npm_pins gives every npm pin one
            write = http_download(self.http, pin.url, pin.filename, pin.source)
            how = f"downloaded from {pin.url}"

        def mismatch(actual: str) -> ArtifactError:
            return ArtifactError(
                f"{pin.filename} ({pin.source}): {how}, its {pin.algorithm} is {actual} but the "
                f"lock pins {pin.digest}; not uploaded. Find out which is right (a changed "
                "upstream file, or an edited lock) before anything installs it."
            )

        return verified_into(destination, pin.algorithm, pin.digest, write, mismatch)

    def _apt_download(self, pin: BlobPin) -> Callable[[Path], None]:
        def write(partial: Path) -> None:
            if not self.apt_get:
                raise ArtifactError(
                    f"{pin.filename} ({pin.source}): no `apt-get` in /usr/bin or /bin to download "
                    "it with; mirror from a Debian or Ubuntu host."
                )
            workdir = self.cache / "apt"
            workdir.mkdir(parents=True, exist_ok=True)
            deb = oci_tool.Pin(pin.name, pin.version, pin.digest)
            try:
                data = oci_tool.download(deb, oci_tool.Apt(self.apt_get, str(workdir)), pin.source)
            except oci_tool.ToolError as error:
                raise ArtifactError(str(error)) from None
            partial.write_bytes(data)

        return write


def blob_present(http: Http, index: IndexUrls, pin: BlobPin) -> bool:
    """Whether the index holds the blob (HEAD)."""
    url = pin.blob_url(index)
    request = urllib.request.Request(url, method="HEAD")
    hint = "is it a Pantry index with /blobs/ (services/index)?"
    return read_from_index(http, request, url, hint) is not None


def upload_blob(http: Http, index: IndexUrls, pin: BlobPin, path: Path, token: str) -> bool:
    """PUT one verified file; True if stored, False if the index had it already."""
    body = ("application/octet-stream", path.stat().st_size, file_chunks(path))
    status = send_upload(http, pin.blob_url(index), "PUT", body, token, pin.filename)
    return status == 201


def mirror_blobs(
    http: Http,
    index: IndexUrls,
    pins: Sequence[BlobPin],
    token: str,
    fetcher: Fetcher,
    log: Callable[[str], None],
) -> Counts:
    """Upload every pinned blob the index lacks (HEAD says which it has)."""
    return mirror_each(
        pins,
        lambda pin: blob_present(http, index, pin),
        lambda pin: upload_blob(http, index, pin, fetcher.fetch(pin), token),
        log,
    )
