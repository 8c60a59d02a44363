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
    return files + quote(unquote(posixpath.basename(urlparse(url).path)))


def rewrite_lock_urls(lock_bytes: bytes, index_url: str) -> bytes:
    """The pex JSON lock (header comments already stripped) with every URL on the index."""
    base = files_url(index_url)
    lock = json.loads(lock_bytes)
    for resolve in lock.get("locked_resolves", []):
        for locked in resolve.get("locked_requirements", []):
            for artifact in locked.get("artifacts", []):
                artifact["url"] = on_index(artifact.get("url", ""), base)
    return (json.dumps(lock, indent=2, sort_keys=True) + "\n").encode()


def pins_on_index(pins: Iterable[Pin], index_url: str) -> list[Pin]:
    """Locked pins fetched from the index at `index_url` instead of their lock URLs (what pex
    does offline), so `index-mirror` can fill one index from another with no outside access."""
    base = files_url(index_url)
    return [
        dataclasses.replace(pin, url=on_index(pin.url, base)) if pin.url else pin for pin in pins
    ]
