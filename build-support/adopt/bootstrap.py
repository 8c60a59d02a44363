"""Put `packaging` on the path of `build-support/bin/adopt`, hermetically.

adopt runs on a bare CPython >= 3.11 before any venv exists, and reads requirements with
`packaging` (the reference implementation of the standards it parses). The wheel is the one
3rdparty/python/default.lock pins (URL and sha256 from the lock): fetched once into
`$PANTRY_CACHE_DIR/adopt/` (the launcher's cache), checked against its hash on every use, and
imported from the wheel file itself (it is pure Python). Whatever packaging the host Python
has is never used. Standard library only: the lock is read by Pantry's one lock reader,
`pantry.lockfile.lock_model` (build-support/plugins; standard library only too), which the
entry script puts on the path with this package.

With PANTRY_INDEX_URL set (an index the launcher bootstraps from; offline, the internal
index filled by `./pants index-mirror`), the wheel comes from that index instead: its PEP 691
JSON page for the project names the file's URL there. The sha256 check is the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import urllib.request
from pathlib import Path
from typing import Mapping
from urllib.parse import urljoin

from pantry.lockfile.lock_model import normalize_name, parse_lock

LOCK = "3rdparty/python/default.lock"
INDEX_URL_VARIABLE = "PANTRY_INDEX_URL"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


class BootstrapError(Exception):
    """packaging cannot be provided; the message says why and what to do."""


def cache_dir() -> Path:
    base = os.environ.get("PANTRY_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "pantry",
    )
    return Path(base)


def locked_wheel(lock_text: str, project: str = "packaging") -> tuple[str, str]:
    """(url, sha256) of the locked project's pure-Python wheel."""
    locked = parse_lock(lock_text, LOCK).get(normalize_name(project))
    for artifact in locked.artifacts if locked else ():
        if artifact.filename.endswith("-py3-none-any.whl") and artifact.algorithm == "sha256":
            return artifact.url, artifact.hash
    raise BootstrapError(f"{LOCK} pins no pure-Python wheel of {project}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def index_file_url(index_url: str, project: str, filename: str) -> str:
    """Where the index at `index_url` (a simple URL) serves `filename`, from its PEP 691 page."""
    page = urljoin(index_url.rstrip("/") + "/", f"{project}/")
    request = urllib.request.Request(page, headers={"Accept": SIMPLE_JSON})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            files = json.load(response)["files"]
        url = next((f["url"] for f in files if f.get("filename") == filename), None)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BootstrapError(
            f"cannot read {page} ({error}); {INDEX_URL_VARIABLE}={index_url} must be a simple "
            "index that answers in PEP 691 JSON (the internal index does), or unset it"
        ) from None
    if url is None:
        raise BootstrapError(
            f"{page} has no {filename} (pinned in {LOCK}); fill the index with "
            f"`./pants index-mirror --to=...`, or unset {INDEX_URL_VARIABLE}"
        )
    return urljoin(page, url)


def fetch_wheel(repo: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """The locked packaging wheel in the cache, fetched once (from $PANTRY_INDEX_URL when set,
    else from the lock's URL) and verified against the lock's sha256 on every call."""
    lock = repo / LOCK
    try:
        url, sha256 = locked_wheel(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BootstrapError(f"cannot read {LOCK}: {error}") from None
    wheel = cache_dir() / "adopt" / url.rsplit("/", 1)[-1]
    if not wheel.is_file() or _sha256(wheel) != sha256:
        index_url = environ.get(INDEX_URL_VARIABLE)
        if index_url:
            url = index_file_url(index_url, "packaging", wheel.name)
        wheel.parent.mkdir(parents=True, exist_ok=True)
        partial = wheel.with_suffix(".partial")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                partial.write_bytes(response.read())
        except OSError as error:
            raise BootstrapError(
                f"cannot download {wheel.name} (pinned in {LOCK}) from {url}: {error}; check "
                f"the network or put the wheel at {wheel}"
            ) from None
        if _sha256(partial) != sha256:
            partial.unlink()
            raise BootstrapError(
                f"{wheel.name} from {url} does not have the sha256 {LOCK} pins; refusing"
            )
        partial.replace(wheel)
    return wheel


def use_packaging(repo: Path) -> Path:
    """Fetch (once) and verify the locked packaging wheel; put it first on sys.path."""
    wheel = fetch_wheel(repo)
    sys.path.insert(0, str(wheel))
    for name in [m for m in sys.modules if m == "packaging" or m.startswith("packaging.")]:
        del sys.modules[name]
    return wheel
