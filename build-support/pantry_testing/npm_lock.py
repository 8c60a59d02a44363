"""npm package locks for offline tests: every tarball from a Pantry index's blobs.

`./pants index-mirror` stores each tarball of an npm package lock on the index by the sha512 of
its `integrity` (`<index>/blobs/sha512/<hex>`), so the lock alone says where each one is.
Standard library only: a fixture repository's copy must type-check without the plugins.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import urlparse


def index_base(index_url: str) -> str:
    """`http://h:8080` from a Pantry index's base, /simple/ or /legacy/ URL (as
    `pantry.oci.tool.index_base`; a fixture repository's copy of this module has no plugins)."""
    parts = urlparse(index_url.strip())
    path = parts.path.rstrip("/")
    for suffix in ("/simple", "/legacy"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    return f"{parts.scheme}://{parts.netloc}{path}"


def offline_npm_lock(text: str, index_url: str) -> str:
    """The package lock with every tarball's `resolved` URL on the index's blobs.

    npm still checks each tarball against its `integrity`; only where it comes from changes,
    so `npm ci` with it contacts no registry.
    """
    lock = json.loads(text)
    base = index_base(index_url)
    for key, entry in lock["packages"].items():
        integrity = entry.get("integrity", "")
        if key and integrity.startswith("sha512-"):
            digest = base64.b64decode(integrity[len("sha512-") :]).hex()
            entry["resolved"] = f"{base}/blobs/sha512/{digest}"
    return json.dumps(lock, indent=2) + "\n"
