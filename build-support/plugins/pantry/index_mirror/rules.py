"""`./pants index-mirror --to URL`: fill a Pantry index with every pinned artifact.

Thin glue: reads the locks and requirement files and the options, then hands everything to
the engine-free modules (`pins`, `platforms`, `index_client`), which do the work.
"""

from __future__ import annotations

import os
from pathlib import Path

from packaging.utils import canonicalize_name  # pants: no-infer-dep
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
    PinsError,
    dedupe,
    hash_pinned_requirements,
    pins_from_pex_lock,
)
from pantry.index_mirror.platforms import PlatformError, parse_python, select_for_pythons
from pantry.index_mirror.subsystem import TOKEN_VARIABLE, IndexMirrorSubsystem
from pants.backend.python.subsystems.repos import PythonRepos
from pants.backend.python.subsystems.setup import PythonSetup
from pants.engine.console import Console
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import DigestContents, PathGlobs
from pants.engine.goal import Goal
from pants.engine.rules import Get, collect_rules, goal_rule
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
    contents = await Get(
        DigestContents,
        PathGlobs(
            [*locks, *requirement_files],
            glob_match_error_behavior=GlobMatchErrorBehavior.error,
            description_of_origin="[index-mirror].locks and [index-mirror].requirements",
        ),
    )
    texts = {content.path: content.content.decode("utf-8") for content in contents}

    def fail(message: str) -> IndexMirrorGoal:
        console.print_stderr(f"index-mirror: error: {message}")
        return IndexMirrorGoal(exit_code=1)

    if not subsystem.to:
        return fail(
            "no index to fill: pass `--to=URL`, the Pantry index's base or /simple/ URL "
            "(e.g. `./pants index-mirror --to=http://127.0.0.1:8080`)."
        )
    try:
        urls = IndexUrls.parse(subsystem.to)
        pythons = [
            parse_python(v)
            for v in (subsystem.pythons or python_setup.interpreter_versions_universe)
        ]
        token = _read_token(subsystem, env)
        pins: list[Pin] = []
        for path in locks:
            pins.extend(pins_from_pex_lock(texts[path], path))
        hash_pinned = [
            entry
            for path in requirement_files
            for entry in hash_pinned_requirements(texts[path], path)
        ]
    except (MirrorError, PinsError, PlatformError) as error:
        return fail(str(error))

    # Offline (pants.offline.toml), locked artifacts come from the internal index too, as pex
    # takes them: one index fills another with no outside access.
    offline_index = getattr(python_setup, OPTION_NAME, None)
    if offline_index:
        try:
            pins = pins_on_index(pins, offline_index)
        except MirrorError as error:
            return fail(str(error))
    only = {canonicalize_name(name) for name in subsystem.only}
    if only:
        pins = [pin for pin in pins if pin.project in only]
        hash_pinned = [entry for entry in hash_pinned if entry.project in only]
    http = Http(ca_certs=global_options.ca_certs_path)
    source_index = subsystem.from_ or (python_repos.indexes[0] if python_repos.indexes else None)
    failed_lookups = 0
    if hash_pinned and not source_index:
        return fail(
            "the hash-pinned requirement files name no URLs, and there is no index to find "
            "them on: pass `--from=URL` (a simple-API URL) or set [python-repos].indexes."
        )
    for entry in hash_pinned:
        try:
            pins.extend(locate(http, source_index or "", entry))
        except ArtifactError as error:
            failed_lookups += 1
            console.print_stderr(f"index-mirror: failed {error}")
    try:
        unique = dedupe(pins)
    except PinsError as error:
        return fail(str(error))
    selected: tuple[Pin, ...]
    left_out: tuple[Pin, ...]
    if subsystem.all_platforms:
        selected, left_out = unique, ()
        scope = "all platforms"
    else:
        selected, left_out = select_for_pythons(unique, pythons)
        scope = "CPython " + ", ".join(f"{m}.{n}" for m, n in pythons) + " on this platform"
    console.print_stderr(
        f"index-mirror: {len(selected)} of {len(unique)} pinned files needed for {scope} "
        f"(from {len(locks) + len(requirement_files)} files); index {urls.base}"
    )
    cache = Path(
        subsystem.cache_dir or os.path.join(global_options.named_caches_dir, "index-mirror")
    )
    try:
        counts = mirror(http, urls, selected, token, cache, console.print_stderr)
    except MirrorError as error:
        return fail(str(error))
    counts.failed += failed_lookups
    console.print_stdout(
        f"index-mirror: {counts.summary()} ({len(left_out)} other-platform files not needed)."
    )
    return IndexMirrorGoal(exit_code=1 if counts.failed else 0)


def rules():
    return collect_rules()
