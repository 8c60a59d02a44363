"""Point a pex lock's artifact URLs at a Pantry index, by filename. Engine-free.

pex installs a locked artifact from the URL the lock records (the public file host), not
from `--index`. Offline, each URL becomes `<index>/files/<filename>` (services/index serves
every stored file there); the sha256 stays, so pex still refuses anything but the pinned
bytes. Nothing else in the lock changes.
"""

from __future__ import annotations

import json
import posixpath
from urllib.parse import quote, unquote, urljoin, urlparse

from pantry.index_mirror.index_client import IndexUrls


def files_url(index_url: str) -> str:
    """`http://h:8080/simple/` (or the base URL) -> `http://h:8080/files/`."""
    return urljoin(IndexUrls.parse(index_url, option="[python].pantry_index_url").base, "files/")


def rewrite_lock_urls(lock_bytes: bytes, index_url: str) -> bytes:
    """The pex JSON lock (header comments already stripped) with every URL on the index."""
    base = files_url(index_url)
    lock = json.loads(lock_bytes)
    for resolve in lock.get("locked_resolves", []):
        for locked in resolve.get("locked_requirements", []):
            for artifact in locked.get("artifacts", []):
                url = artifact.get("url", "")
                if urlparse(url).scheme not in ("http", "https"):
                    continue  # a local file or VCS artifact: nothing to mirror
                filename = unquote(posixpath.basename(urlparse(url).path))
                artifact["url"] = base + quote(filename)
    return (json.dumps(lock, indent=2, sort_keys=True) + "\n").encode()
