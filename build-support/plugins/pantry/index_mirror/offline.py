"""Offline builds: install every locked artifact from the internal index, not the lock's URLs.

Pants 2.17 hands pex the lock as committed, and pex downloads each artifact from the URL
recorded in it (the public file host), whatever `[python-repos].indexes` says; only
resolving (`generate-lockfiles`, `lock-upgrade`) reads the indexes. So this backend adds one
option, `[python].pantry_index_url` (pants.offline.toml sets it from $PANTRY_INDEX_URL),
and wraps Pants' `load_lockfile` rule: when the option is set, the lock pex receives names
`<index>/files/<filename>` for every artifact (`lock_urls.rewrite_lock_urls`); the sha256s
are untouched, so pex still verifies every byte against the committed lock.

Why a wrapper and not a rule of our own: nothing in Pants 2.17's plugin API lets a backend
change the lock another backend's rule loads. The option lives on `PythonSetup` because
that subsystem is an input of `load_lockfile`: toggling it invalidates the memoized lock
under pantsd. The wrapper awaits only Gets the wrapped rule already declares
(`Get(DigestContents, Digest)`, `Get(Digest, CreateDigest)`). Remove it when pex can
install a lock from a mirror by itself.
"""

from __future__ import annotations

import dataclasses
import functools

from pantry.index_mirror.lock_urls import rewrite_lock_urls
from pantry.pants_patch import require_pants_version
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.util_rules import pex_requirements
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.rules import Get
from pants.option.option_types import StrOption
from pants.util.strutil import softwrap

OPTION_NAME = "pantry_index_url"


def _add_option() -> None:
    if OPTION_NAME in PythonSetup.__dict__:
        return
    option = StrOption(
        default=None,
        advanced=True,
        help=softwrap(
            """
            Added by Pantry (build-support/plugins/pantry/index_mirror): the simple-API URL of
            a Pantry index (services/index) that holds every locked artifact (`./pants
            index-mirror`). When set, pex installs each locked artifact from that index's
            `/files/<filename>` instead of the URL in the lock, still checking the lock's
            sha256. pants.offline.toml sets it from $PANTRY_INDEX_URL.
            """
        ),
    )
    option.__set_name__(PythonSetup, OPTION_NAME)
    setattr(PythonSetup, OPTION_NAME, option)


def _wrap_load_lockfile() -> None:
    task_rule = pex_requirements.load_lockfile.rule  # type: ignore[attr-defined]
    original = task_rule.func
    if getattr(original, "_pantry_offline", False):
        return

    @functools.wraps(original)
    async def load_lockfile(request, python_setup):
        loaded = await original(request, python_setup)
        index_url = getattr(python_setup, OPTION_NAME, None)
        if not index_url or not loaded.is_pex_native:
            return loaded
        contents = await Get(DigestContents, Digest, loaded.lockfile_digest)
        rewritten = rewrite_lock_urls(contents[0].content, index_url)
        digest = await Get(Digest, CreateDigest([FileContent(loaded.lockfile_path, rewritten)]))
        return dataclasses.replace(loaded, lockfile_digest=digest)

    load_lockfile._pantry_offline = True  # type: ignore[attr-defined]
    object.__setattr__(task_rule, "func", load_lockfile)


def install() -> None:
    """Add the option and wrap the rule; idempotent. Called when the backend loads.

    Both patch Pants internals, so both are refused (before either is made) on any Pants but
    the one they were written for (pantry/pants_patch.py).
    """
    require_pants_version(
        "pantry.index_mirror (wraps pex_requirements.load_lockfile)",
        "the `load_lockfile` rule's signature, the Gets it declares and LoadedLockfile's "
        "fields, and PythonSetup as an input of that rule",
    )
    _add_option()
    _wrap_load_lockfile()
