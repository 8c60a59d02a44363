"""`./pants index-mirror --to URL`: fill a Pantry index with every pinned artifact.

Thin glue: reads the locks, requirement files, Debian pins files and npm package locks and the
options, then hands everything to the engine-free modules (`pins`, `platforms`,
`index_client`, `blobs`), which do the work. Bad input (an option, a file) raises a
`PantryError` subclass with the whole message; exit code 1 only reports files that failed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from packaging.utils import canonicalize_name  # pants: no-infer-dep
from pantry.index_mirror.blobs import (
    DEBIAN,
    NPM,
    BlobPin,
    Fetcher,
    debian_pins,
    dedupe_blobs,
    mirror_blobs,
    npm_pins,
)
from pantry.index_mirror.index_client import (
    ArtifactError,
    Http,
    IndexUrls,
    MirrorError,
    locate,
    mirror,
)
from pantry.index_mirror.lock_urls import pins_on_index
from pantry.index_mirror.offline import OPTION_NAME
from pantry.index_mirror.pins import (
    Pin,
    dedupe,
    hash_pinned_requirements,
    pins_from_pex_lock,
)
from pantry.index_mirror.platforms import parse_python, select_for_pythons
from pantry.index_mirror.subsystem import TOKEN_VARIABLE, IndexMirrorSubsystem
from pants.backend.python.subsystems.repos import PythonRepos
from pants.backend.python.subsystems.setup import PythonSetup
from pants.engine.console import Console
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import DigestContents, PathGlobs
from pants.engine.goal import Goal
from pants.engine.rules import Get, MultiGet, collect_rules, goal_rule
from pants.option.global_options import GlobalOptions, GlobMatchErrorBehavior


class IndexMirrorGoal(Goal):
    subsystem_cls = IndexMirrorSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def _read_token(subsystem: IndexMirrorSubsystem, env: EnvironmentVars) -> str:
    if subsystem.token_file:
        try:
            token = Path(subsystem.token_file).expanduser().read_text().strip()
        except OSError as error:
            raise MirrorError(
                f"[index-mirror].token_file: cannot read {subsystem.token_file!r} "
                f"({error.strerror}); point it at the index's upload token file."
            ) from None
        where = f"[index-mirror].token_file ({subsystem.token_file})"
    else:
        token = (env.get(TOKEN_VARIABLE) or "").strip()
        where = f"${TOKEN_VARIABLE}"
    if not token:
        raise MirrorError(
            f"no upload token: {where} is empty. Set `--index-mirror-token-file=FILE` (the "
            f"file the index reads with --upload-token-file) or export {TOKEN_VARIABLE}."
        )
    return token


def _npm_registry(subsystem: IndexMirrorSubsystem) -> str | None:
    """`[index-mirror].npm_registry`, else the registry npm is configured with, else None."""
    if subsystem.npm_registry:
        return subsystem.npm_registry
    npm = shutil.which("npm")
    if not npm:
        return None
    try:
        answer = subprocess.run(
            [npm, "config", "get", "registry"], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    registry = answer.stdout.strip()
    return registry if answer.returncode == 0 and registry.startswith("http") else None


def _blob_pins(
    subsystem: IndexMirrorSubsystem, debian: dict[str, str], npm: dict[str, str]
) -> tuple[BlobPin, ...]:
    pins: list[BlobPin] = []
    for path, text in sorted(debian.items()):
        pins.extend(debian_pins(text, path))
    registry = _npm_registry(subsystem) if npm else None
    for path, text in sorted(npm.items()):
        pins.extend(npm_pins(text, path, registry))
    return dedupe_blobs(pins)


def _texts(contents: DigestContents) -> dict[str, str]:
    return {content.path: content.content.decode("utf-8") for content in contents}


@goal_rule(desc="Upload every pinned artifact to a Pantry index")
async def index_mirror(
    console: Console,
    subsystem: IndexMirrorSubsystem,
    python_setup: PythonSetup,
    python_repos: PythonRepos,
    global_options: GlobalOptions,
) -> IndexMirrorGoal:
    env = await Get(EnvironmentVars, EnvironmentVarsRequest([TOKEN_VARIABLE]))
    locks = list(subsystem.locks) or sorted(set(python_setup.resolves.values()))
    requirement_files = list(subsystem.requirements)
    contents, debian_contents, npm_contents = await MultiGet(
        Get(
            DigestContents,
            PathGlobs(
                [*locks, *requirement_files],
                glob_match_error_behavior=GlobMatchErrorBehavior.error,
                description_of_origin="[index-mirror].locks and [index-mirror].requirements",
            ),
        ),
        # A repository may pin no Debian package at all.
        Get(DigestContents, PathGlobs(subsystem.debian_locks)),
        Get(
            DigestContents,
            PathGlobs(
                subsystem.npm_locks,
                glob_match_error_behavior=GlobMatchErrorBehavior.error,
                description_of_origin="[index-mirror].npm_locks",
            ),
        ),
    )
    texts = _texts(contents)
    if not subsystem.to:
        raise MirrorError(
            "no index to fill: pass `--to=URL`, the Pantry index's base or /simple/ URL "
            "(e.g. `./pants index-mirror --to=http://127.0.0.1:8080`)."
        )
    urls = IndexUrls.parse(subsystem.to)
    pythons = [
        parse_python(v) for v in (subsystem.pythons or python_setup.interpreter_versions_universe)
    ]
    token = _read_token(subsystem, env)
    pins: list[Pin] = []
    for path in locks:
        pins.extend(pins_from_pex_lock(texts[path], path))
    hash_pinned = [
        entry for path in requirement_files for entry in hash_pinned_requirements(texts[path], path)
    ]
    blob_pins = _blob_pins(subsystem, _texts(debian_contents), _texts(npm_contents))

    # Offline (pants.offline.toml), locked artifacts come from the internal index too, as pex
    # takes them: one index fills another with no outside access.
    offline_index = getattr(python_setup, OPTION_NAME, None)
    if offline_index:
        pins = pins_on_index(pins, offline_index)
    only = {canonicalize_name(name) for name in subsystem.only}
    if only:
        pins = [pin for pin in pins if pin.project in only]
        hash_pinned = [entry for entry in hash_pinned if entry.project in only]
    http = Http(ca_certs=global_options.ca_certs_path)
    source_index = subsystem.from_ or (python_repos.indexes[0] if python_repos.indexes else None)
    failed_lookups = 0
    if hash_pinned and not source_index:
        raise MirrorError(
            "the hash-pinned requirement files name no URLs, and there is no index to find "
            "them on: pass `--from=URL` (a simple-API URL) or set [python-repos].indexes."
        )
    for entry in hash_pinned:
        try:
            pins.extend(locate(http, source_index or "", entry))
        except ArtifactError as error:
            failed_lookups += 1
            console.print_stderr(f"index-mirror: failed {error}")
    unique = dedupe(pins)
    selected: tuple[Pin, ...]
    left_out: tuple[Pin, ...]
    if subsystem.all_platforms:
        selected, left_out = unique, ()
        scope = "all platforms"
    else:
        selected, left_out = select_for_pythons(unique, pythons)
        scope = "CPython " + ", ".join(f"{m}.{n}" for m, n in pythons) + " on this platform"
    by_kind = {kind: [p for p in blob_pins if p.kind == kind] for kind in (DEBIAN, NPM)}
    console.print_stderr(
        f"index-mirror: {len(selected)} of {len(unique)} pinned Python files needed for {scope} "
        f"(from {len(locks) + len(requirement_files)} files), "
        + ", ".join(f"{len(found)} {kind}" for kind, found in by_kind.items())
        + f"; index {urls.base}"
    )
    cache = Path(
        subsystem.cache_dir or os.path.join(global_options.named_caches_dir, "index-mirror")
    )
    counts = mirror(http, urls, selected, token, cache, console.print_stderr)
    counts.failed += failed_lookups
    fetcher = Fetcher(http, cache, shutil.which("apt-get", path="/usr/bin:/bin"))
    per_kind = [f"{counts.total} Python files"]
    for kind, found in by_kind.items():
        kind_counts = mirror_blobs(http, urls, found, token, fetcher, console.print_stderr)
        counts = counts.plus(kind_counts)
        per_kind.append(f"{kind_counts.total} {kind}")
    console.print_stdout(
        f"index-mirror: {counts.summary()}: {', '.join(per_kind)} ({len(left_out)} "
        "other-platform files not needed)."
    )
    return IndexMirrorGoal(exit_code=1 if counts.failed else 0)


def rules():
    return collect_rules()
