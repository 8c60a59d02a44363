"""`pex3 lock update` of a resolve's lock body, for `lock-upgrade` and `lock-sync`.

Both goals hand pex the lock without Pants' header, a selection (`--project=...`,
`--replace-project=...`, `--delete-project=...`) and the resolve's index settings, and either
get the updated body back or pex's own explanation of why it could not update.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pantry.index_mirror.lock_urls import restore_lock_urls, rewrite_lock_urls
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.util_rules.pex_cli import PexCliProcess
from pants.backend.python.util_rules.pex_requirements import (
    ResolvePexConfig,
    ResolvePexConfigRequest,
)
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.process import FallibleProcessResult, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule

LOCK_IN_SANDBOX = "lock.json"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PexLockUpdateRequest:
    resolve: str
    body: str  # the lock without Pants' header
    selection: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class PexLockUpdate:
    body: str | None  # None when pex could not update the lock; `stderr` says why
    stderr: str


@rule(desc="Update a lock with pex")
async def pex_lock_update(
    request: PexLockUpdateRequest, python_setup: PythonSetup
) -> PexLockUpdate:
    body = request.body.encode("utf-8")
    # Offline (pants.offline.toml, pantry.index_mirror): pex resolves from the internal index and
    # refuses a lock whose undisturbed pins name other URLs, so they name the index's too.
    index_url = getattr(python_setup, "pantry_index_url", None)
    if index_url:
        body = rewrite_lock_urls(body, index_url)
    input_digest, resolve_config = await MultiGet(
        Get(Digest, CreateDigest([FileContent(LOCK_IN_SANDBOX, body)])),
        Get(ResolvePexConfig, ResolvePexConfigRequest(request.resolve)),
    )
    result = await Get(
        FallibleProcessResult,
        PexCliProcess(
            subcommand=("lock", "update"),
            extra_args=(
                *request.selection,
                "--indent=2",
                *resolve_config.pex_args(),
                LOCK_IN_SANDBOX,
            ),
            additional_input_digest=input_digest,
            output_files=(LOCK_IN_SANDBOX,),
            description=request.description,
            # Like generate-lockfiles: always ask the index, never a cached answer.
            cache_scope=ProcessCacheScope.PER_SESSION,
        ),
    )
    stderr = result.stderr.decode("utf-8", "replace")
    if result.exit_code != 0:
        return PexLockUpdate(body=None, stderr=stderr)
    updated = (await Get(DigestContents, Digest, result.output_digest))[0].content
    if index_url:
        # Artifacts the lock already had keep its URLs (the lock stays the same for online
        # users); only artifacts new to it name the index they were resolved from.
        updated, new = restore_lock_urls(updated, request.body.encode("utf-8"))
        if new:
            logger.warning(
                f"{request.resolve}: {new} artifacts new to the lock name the internal index "
                f"({index_url}), the only index an offline resolve sees; re-run the goal online "
                "before committing the lock for online users."
            )
    return PexLockUpdate(body=updated.decode("utf-8"), stderr=stderr)


def rules():
    return collect_rules()
