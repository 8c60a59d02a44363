from __future__ import annotations

import base64
import hashlib
import json

import pytest
from pantry_testing.npm_lock import offline_npm_lock

TGZ = b"\x1f\x8b fake npm tarball"
SHA512 = hashlib.sha512(TGZ).hexdigest()
INTEGRITY = "sha512-" + base64.b64encode(hashlib.sha512(TGZ).digest()).decode()
LOCK = json.dumps(
    {
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "root", "dependencies": {"pyright": "1.0.0"}},
            "node_modules/pyright": {"version": "1.0.0", "integrity": INTEGRITY},
            "node_modules/linked": {"link": True, "resolved": "../linked"},
        },
    }
)


@pytest.mark.parametrize(
    "index_url",
    ["http://127.0.0.1:8080/simple/", "http://127.0.0.1:8080", "http://127.0.0.1:8080/"],
)
def test_the_offline_lock_names_the_index_blobs_and_keeps_integrity(index_url: str) -> None:
    offline = json.loads(offline_npm_lock(LOCK, index_url))
    entry = offline["packages"]["node_modules/pyright"]
    assert entry["resolved"] == f"http://127.0.0.1:8080/blobs/sha512/{SHA512}"
    assert entry["integrity"] == INTEGRITY
    assert offline["packages"]["node_modules/linked"]["resolved"] == "../linked"
    assert "resolved" not in offline["packages"][""]
