"""Point a pex lock's artifact URLs at a Pantry index, by filename. Engine-free.

pex installs a locked artifact from the URL the lock records (the public file host), not
from `--index`. Offline, each URL becomes `<index>/files/<filename>` (services/index serves
every stored file there); the sha256 stays, so pex still refuses anything but the pinned
bytes. Nothing else in the lock changes.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
from typing import Iterable
from urllib.parse import quote, unquote, urljoin, urlparse

from pantry.index_mirror.index_client import IndexUrls
from pantry.index_mirror.pins import Pin


def files_url(index_url: str) -> str:
    """`http://h:8080/simple/` (or the base URL) -> `http://h:8080/files/`."""
    return urljoin(IndexUrls.parse(index_url, option="[python].pantry_index_url").base, "files/")


def on_index(url: str, files: str) -> str:
    """An artifact's URL moved to `files` (a `files_url`), by filename; local files and VCS
    URLs stay (nothing to mirror)."""
    if urlparse(url).scheme not in ("http", "https"):
        return url
    return files + quote(_filename(url))


def rewrite_lock_urls(lock_bytes: bytes, index_url: str) -> bytes:
    """The pex JSON lock (header comments already stripped) with every URL on the index."""
    base = files_url(index_url)
    lock = json.loads(lock_bytes)
    for artifact in _artifacts(lock):
        artifact["url"] = on_index(artifact.get("url", ""), base)
    return (json.dumps(lock, indent=2, sort_keys=True) + "\n").encode()


def pins_on_index(pins: Iterable[Pin], index_url: str) -> list[Pin]:
    """Locked pins fetched from the index at `index_url` instead of their lock URLs (what pex
    does offline), so `index-mirror` can fill one index from another with no outside access."""
    base = files_url(index_url)
    return [
        dataclasses.replace(pin, url=on_index(pin.url, base)) if pin.url else pin for pin in pins
    ]


def restore_lock_urls(updated: bytes, original: bytes) -> tuple[bytes, int]:
    """A lock updated offline (its URLs on the index) with every artifact the `original` lock
    already had (same filename and sha256) back at the original's URL, so a lock written
    offline stays the same for online users. Also returns how many artifacts are new to the
    lock: those keep the URL they were resolved from (the index's)."""
    known = {
        (_filename(artifact["url"]), artifact.get("hash")): artifact["url"]
        for artifact in _artifacts(json.loads(original))
        if artifact.get("url")
    }
    lock = json.loads(updated)
    new = 0
    for artifact in _artifacts(lock):
        url = artifact.get("url", "")
        if urlparse(url).scheme not in ("http", "https"):
            continue
        previous = known.get((_filename(url), artifact.get("hash")))
        if previous is None:
            new += 1
        else:
            artifact["url"] = previous
    text = json.dumps(lock, indent=2, sort_keys=True) + ("\n" if updated.endswith(b"\n") else "")
    return text.encode(), new


def _filename(url: str) -> str:
    return unquote(posixpath.basename(urlparse(url).path))


def _artifacts(lock: dict) -> Iterable[dict]:
    for resolve in lock.get("locked_resolves", []):
        for locked in resolve.get("locked_requirements", []):
            yield from locked.get("artifacts", [])
