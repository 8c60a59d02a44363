"""Talk to package indexes: read simple-API pages, fetch pinned files, upload with twine's API.

Engine-free (urllib only). The source side is any PEP 503/691 index (the lock's URLs, or
`[python-repos].indexes` for hash-pinned requirement files); the destination is a Pantry
index (services/index): `/simple/` to see what it already holds, `/legacy/` to upload.
Every failure is one of the exceptions below, whose message says where, what and how to fix.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import ssl
import tempfile
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol, Sequence, TypeVar
from urllib.parse import urljoin, urlparse

from packaging.utils import canonicalize_name  # pants: no-infer-dep
from pantry.errors import PantryError
from pantry.index_mirror.pins import HashPinned, Pin
from pantry.oci.tool import index_base

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
TIMEOUT = 120.0


class MirrorError(PantryError):
    """A failure that stops the whole mirror (bad input, or the index is unusable)."""


class IndexUnreachable(MirrorError):
    pass


class IndexAuthError(MirrorError):
    pass


class ArtifactError(PantryError):
    """A failure of one artifact; the mirror goes on and counts it as failed."""


class HashMismatch(ArtifactError):
    pass


@dataclass(frozen=True)
class IndexUrls:
    """A Pantry index's endpoints, from its base URL or its `/simple/` or `/legacy/` URL."""

    base: str

    @classmethod
    def parse(cls, url: str, option: str = "--to") -> "IndexUrls":
        parts = urlparse(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise MirrorError(
                f"{option}: {url!r} is not an http(s) URL of a Pantry index; e.g. "
                f"`{option}=http://127.0.0.1:8080` (its /simple/ URL works too)."
            )
        return cls(index_base(url) + "/")

    @property
    def simple(self) -> str:
        return urljoin(self.base, "simple/")

    @property
    def upload(self) -> str:
        return urljoin(self.base, "legacy/")


@dataclass(frozen=True)
class Http:
    """urllib with one TLS trust store (the system bundle) and a fixed timeout."""

    ca_certs: str | None = None
    timeout: float = TIMEOUT

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_certs or None)

    def open(self, request: urllib.request.Request):
        return urllib.request.urlopen(request, timeout=self.timeout, context=self._context())


def describe(error: BaseException) -> str:
    reason = getattr(error, "reason", None)
    return str(reason if reason is not None else error)


def unreachable(where: str, error: Exception) -> IndexUnreachable:
    """The one wording of "the destination index did not answer at `where`"."""
    return IndexUnreachable(
        f"cannot reach the index at {where} ({describe(error)}); check the URL (--to) and"
        " that the index is running (`./pants run services/index -- --port 8080 ...`)."
    )


def read_from_index(
    http: Http, request: urllib.request.Request, where: str, hint: str
) -> bytes | None:
    """The body of a request to the destination index, or None if it answers 404.

    Another HTTP error stops the mirror with `hint`; so does an index that cannot be reached
    (`where` is the URL named then).
    """
    try:
        with http.open(request) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise MirrorError(
            f"{request.full_url}: the index answered HTTP {error.code} {error.reason}; {hint}."
        ) from None
    except (urllib.error.URLError, OSError) as error:
        raise unreachable(where, error) from None


def project_files(http: Http, simple_url: str, project: str) -> dict[str, str | None]:
    """{filename: sha256 or None} that the index lists for `project` ({} when it has none)."""
    url = urljoin(simple_url, f"{canonicalize_name(project)}/")
    request = urllib.request.Request(url, headers={"Accept": SIMPLE_JSON})
    body = read_from_index(http, request, simple_url, "check that it is a PEP 691 simple index")
    if body is None:
        return {}
    try:
        page = json.loads(body.decode("utf-8"))
    except ValueError:
        raise MirrorError(
            f"{url}: not a PEP 691 JSON page (the index must answer Accept: {SIMPLE_JSON})."
        ) from None
    return {
        entry["filename"]: (entry.get("hashes") or {}).get("sha256")
        for entry in page.get("files", [])
    }


def locate(http: Http, simple_url: str, pinned: HashPinned) -> tuple[Pin, ...]:
    """The files of a hash-pinned requirement on the source index, as Pins with URLs."""
    url = urljoin(simple_url, f"{pinned.project}/")
    request = urllib.request.Request(url, headers={"Accept": SIMPLE_JSON})
    try:
        with http.open(request) as response:
            page = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ArtifactError(
            f"{pinned.source}: cannot read {url} to find the files of {pinned.project} "
            f"{pinned.version} ({describe(error)}); check `--from` ([python-repos].indexes)."
        ) from None
    found = []
    for entry in page.get("files", []):
        sha256 = (entry.get("hashes") or {}).get("sha256", "").lower()
        if sha256 in pinned.sha256s:
            found.append(
                Pin(
                    project=pinned.project,
                    version=pinned.version,
                    sha256=sha256,
                    source=pinned.source,
                    filename=entry["filename"],
                    url=urljoin(url, entry["url"]),
                )
            )
    if not found:
        raise ArtifactError(
            f"{pinned.source}: {url} lists no file of {pinned.project} {pinned.version} with "
            f"any of the {len(pinned.sha256s)} pinned sha256s; is `--from` the index it was "
            "pinned from?"
        )
    return tuple(found)


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm)
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def cached_file(destination: Path, algorithm: str, digest: str) -> Path | None:
    """`destination` when it holds the pinned bytes (a verified download kept earlier)."""
    if destination.is_file() and file_digest(destination, algorithm) == digest:
        return destination
    return None


def verified_into(
    destination: Path,
    algorithm: str,
    digest: str,
    write: Callable[[Path], None],
    mismatch: Callable[[str], ArtifactError],
) -> Path:
    """Run `write(partial)` beside `destination`, check the partial file's digest (else raise
    `mismatch(actual)`), then give it its name: the cache never holds an unverified file."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, partial_name = tempfile.mkstemp(prefix=".part-", dir=destination.parent)
    os.close(handle)
    partial = Path(partial_name)
    try:
        write(partial)
        actual = file_digest(partial, algorithm)
        if actual != digest:
            raise mismatch(actual)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination


def http_download(http: Http, url: str, filename: str, source: str) -> Callable[[Path], None]:
    """A `write` for `verified_into`: the body of `url`, or an ArtifactError naming the file."""

    def write(partial: Path) -> None:
        try:
            with http.open(urllib.request.Request(url)) as response, partial.open("wb") as out:
                shutil.copyfileobj(response, out, 1 << 20)
        except (urllib.error.URLError, OSError) as error:
            raise ArtifactError(
                f"{filename} ({source}): download from {url} failed ({describe(error)})."
            ) from None

    return write


def fetch(http: Http, pin: Pin, cache: Path) -> Path:
    """The pinned file, from `cache/<sha256>/<filename>` or downloaded there and verified."""
    assert pin.filename and pin.url
    destination = cache / pin.sha256 / pin.filename
    return cached_file(destination, "sha256", pin.sha256) or verified_into(
        destination,
        "sha256",
        pin.sha256,
        http_download(http, pin.url, pin.filename, pin.source),
        lambda actual: HashMismatch(
            f"{pin.filename}: downloaded from {pin.url}, its sha256 is {actual} but "
            f"{pin.source} pins {pin.sha256}; not uploaded. The file changed upstream or "
            "the lock was edited: restore the lock from git, or re-lock on purpose."
        ),
    )


def _multipart(
    fields: dict[str, str], filename: str, path: Path
) -> tuple[str, int, Iterator[bytes]]:
    boundary = uuid.uuid4().hex
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        yield head
        yield from file_chunks(path)
        yield tail

    length = len(head) + path.stat().st_size + len(tail)
    return f"multipart/form-data; boundary={boundary}", length, chunks()


def file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        yield from iter(lambda: stream.read(1 << 20), b"")


def send_upload(
    http: Http,
    url: str,
    method: str,
    body: tuple[str, int, Iterable[bytes]],
    token: str,
    filename: str,
) -> int | None:
    """Send one upload (`body`: content type, length, chunks) with the token as user
    `__token__`'s password; the HTTP status, or None if the index had the file already (409).

    A refused token or an unreachable index stops the mirror; another refusal fails the file.
    """
    content_type, length, chunks = body
    credentials = base64.b64encode(f"__token__:{token}".encode()).decode()
    request = urllib.request.Request(
        url,
        data=chunks,
        method=method,
        headers={
            "Content-Type": content_type,
            "Content-Length": str(length),
            "Authorization": f"Basic {credentials}",
        },
    )
    try:
        with http.open(request) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        if error.code == 409:
            return None
        if error.code in (401, 403):
            raise IndexAuthError(
                f"{url} refused the upload token (HTTP {error.code} {error.reason}); "
                "check [index-mirror].token_file or $PANTRY_INDEX_TOKEN against the index's "
                "--upload-token-file."
            ) from None
        raise ArtifactError(
            f"{filename}: the index refused it (HTTP {error.code} {error.reason})."
        ) from None
    except (urllib.error.URLError, OSError) as error:
        raise unreachable(url, error) from None


def upload(http: Http, urls: IndexUrls, pin: Pin, path: Path, token: str) -> bool:
    """Upload one verified file; True if stored, False if the index already had it (409)."""
    assert pin.filename
    content_type, length, body = _multipart(
        {
            ":action": "file_upload",
            "protocol_version": "1",
            "name": pin.project,
            "version": pin.version,
            "sha256_digest": pin.sha256,
        },
        pin.filename,
        path,
    )
    status = send_upload(
        http, urls.upload, "POST", (content_type, length, body), token, pin.filename
    )
    return status is not None


@dataclass
class Counts:
    uploaded: int = 0
    present: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.uploaded + self.present + self.failed

    def plus(self, other: "Counts") -> "Counts":
        return Counts(
            self.uploaded + other.uploaded, self.present + other.present, self.failed + other.failed
        )

    def summary(self) -> str:
        return f"{self.uploaded} uploaded, {self.present} already there, {self.failed} failed"


def progress(number: int, total: int) -> str:
    """`[ 12/206]`: the prefix of each file's line."""
    return f"[{number:>{len(str(total))}}/{total}]"


class MirroredPin(Protocol):
    """What `mirror_each` needs of a pin: the file it names and where it is pinned."""

    @property
    def filename(self) -> str | None: ...

    @property
    def source(self) -> str: ...


PinT = TypeVar("PinT", bound=MirroredPin)


def mirror_each(
    pins: Sequence[PinT],
    on_index: Callable[[PinT], bool],
    fetch_and_upload: Callable[[PinT], bool],
    log: Callable[[str], None],
) -> Counts:
    """Upload each pin the index lacks, one line each (`[ 3/44] uploaded ...`).

    `on_index` says whether the index has the pin's file already (raising ArtifactError
    when it holds another file under that name). `fetch_and_upload` fetches, verifies and
    uploads it: True if stored, False if the index got it meanwhile. An ArtifactError of
    either counts that pin as failed, and the mirror goes on.
    """
    counts = Counts()
    for number, pin in enumerate(pins, start=1):
        prefix = progress(number, len(pins))
        try:
            if on_index(pin):
                stored, line = False, f"already there {pin.filename}"
            elif fetch_and_upload(pin):
                stored, line = True, f"uploaded {pin.filename} ({pin.source})"
            else:
                stored, line = False, f"already there {pin.filename} (uploaded meanwhile)"
        except ArtifactError as error:
            counts.failed += 1
            log(f"{prefix} failed {error}")
            continue
        if stored:
            counts.uploaded += 1
        else:
            counts.present += 1
        log(f"{prefix} {line}")
    return counts


def mirror(
    http: Http,
    urls: IndexUrls,
    pins: tuple[Pin, ...],
    token: str,
    cache: Path,
    log: Callable[[str], None],
) -> Counts:
    """Upload every pin the index lacks; skip those it lists with the same sha256."""
    listings: dict[str, dict[str, str | None]] = {}

    def on_index(pin: Pin) -> bool:
        assert pin.filename  # `locate` named the file of every requirements-file pin
        if pin.project not in listings:
            listings[pin.project] = project_files(http, urls.simple, pin.project)
        listed = listings[pin.project]
        if pin.filename not in listed:
            return False
        if listed[pin.filename] not in (None, pin.sha256):
            raise ArtifactError(
                f"{pin.filename}: the index holds it with sha256 {listed[pin.filename]}, but"
                f" {pin.source} pins {pin.sha256}. Files on an index are never replaced: find"
                " out which is right before anything installs it."
            )
        return True

    return mirror_each(
        pins, on_index, lambda pin: upload(http, urls, pin, fetch(http, pin, cache), token), log
    )
