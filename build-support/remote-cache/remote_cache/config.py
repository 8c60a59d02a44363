"""BuildGrid configuration for Pantry's remote cache: one CAS, one action cache, two instances.

The trust model is enforced by the server, not by the client's `remote_cache_write` flag:

- instance `""` (READ_INSTANCE) is anonymous and read-only. Its action cache is a view with
  `allow-updates: false` over the shared cache, and the ACL admits only read requests, so an
  `UpdateActionResult` (or a CAS upload) from anyone on it is refused.
- instance `"ci"` (WRITE_INSTANCE) needs a bearer JWT signed with the server's key whose
  subject is WRITER_SUBJECT; only then may it store action results and blobs.

Both instances share the same storage, so what CI writes is what contributors read. The
rendering is pure (no I/O) so it is unit-tested directly; `server.py` writes the files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

MAXIMUM_CONCURRENT_RPCS = 1024
READ_INSTANCE = ""
WRITE_INSTANCE = "ci"
WRITER_SUBJECT = "pantry-ci"
AUDIENCE = "pantry-remote-cache"

# The REAPI/ByteStream calls a cache reader makes. Everything else (UpdateActionResult,
# BatchUpdateBlobs, Write, Execute...) is denied on the read-only instance.
READ_REQUESTS = (
    "GetCapabilities",
    "GetActionResult",
    "FindMissingBlobs",
    "BatchReadBlobs",
    "GetTree",
    "Read",
)


@dataclass(frozen=True)
class ServerLayout:
    """Where one server keeps its state, all under the --storage directory."""

    storage: Path

    @property
    def cas(self) -> Path:
        return self.storage / "cas"

    @property
    def signing_key(self) -> Path:
        return self.storage / "auth" / "jwt-hs256.key"

    @property
    def acl(self) -> Path:
        return self.storage / "auth" / "acl.yml"

    @property
    def config(self) -> Path:
        return self.storage / "buildgrid.yml"


def _q(value: object) -> str:
    """A YAML scalar: JSON strings are valid YAML double-quoted strings."""
    return json.dumps(str(value))


def render_acl() -> str:
    reads = ", ".join(READ_REQUESTS)
    return (
        "# Written by build-support/remote-cache/serve; see config.py for the trust model.\n"
        f"{_q(READ_INSTANCE)}:\n"
        "  allow:\n"
        f"    - requests: [{reads}]\n"
        f"{_q(WRITE_INSTANCE)}:\n"
        "  allow:\n"
        f"    - subject: {_q('^' + WRITER_SUBJECT + '$')}\n"
    )


def render_server_config(layout: ServerLayout, port: int, max_cached_refs: int) -> str:
    return f"""\
# Written by build-support/remote-cache/serve on every start; edits are overwritten.
description: Pantry remote cache (local, loopback only)
server:
  - !channel
    address: {_q(f"127.0.0.1:{port}")}
    insecure-mode: true
authorization:
  method: jwt
  algorithm: hs256
  secret: {_q(layout.signing_key)}
  audience: {_q(AUDIENCE)}
  acl-config: {_q(layout.acl)}
  allow-unauthenticated-instances: [{_q(READ_INSTANCE)}]
  allow-localhost-requests: false
# Pants opens up to 128 cache and 128 CAS RPCs at once ([GLOBAL].remote_*_rpc_concurrency);
# beyond maximum-concurrent-rpcs BuildGrid answers RESOURCE_EXHAUSTED, which Pants treats as
# a miss. Calls beyond the thread pool queue (safe: this server runs no Execution service).
thread-pool-size: 32
maximum-concurrent-rpcs: {MAXIMUM_CONCURRENT_RPCS}
storages:
  - !disk-storage &cas
    path: {_q(layout.cas)}
caches:
  - !lru-action-cache &shared-results
    storage: *cas
    max-cached-refs: {max_cached_refs}
    allow-updates: true
    cache-failed-actions: false
  # The same results, through a view that refuses every update.
  - !with-cache-action-cache &read-only-results
    cache: *shared-results
    fallback: *shared-results
    allow-updates: false
    cache-failed-actions: false
instances:
  - name: {_q(READ_INSTANCE)}
    description: anonymous, read-only
    services:
      - !action-cache
        cache: *read-only-results
      - !cas
        storage: *cas
      - !bytestream
        storage: *cas
  - name: {_q(WRITE_INSTANCE)}
    description: CI, read-write, bearer JWT with subject {WRITER_SUBJECT}
    services:
      - !action-cache
        cache: *shared-results
      - !cas
        storage: *cas
      - !bytestream
        storage: *cas
"""
