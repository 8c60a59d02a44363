"""`[index-mirror]`: the options of `./pants index-mirror`."""

from __future__ import annotations

from pants.engine.goal import GoalSubsystem
from pants.option.option_types import BoolOption, StrListOption, StrOption
from pants.util.strutil import softwrap

TOKEN_VARIABLE = "PANTRY_INDEX_TOKEN"

# Hash-pinned pip requirement files outside Pants' resolves: what the launcher installs
# (Pants and its dependencies, the pex wheel), the pip that pex bootstraps for
# `[python].pip_version`, and the remote cache server.
DEFAULT_REQUIREMENTS = (
    "build-support/launcher/pants-requirements.txt",
    "build-support/launcher/pex-requirements.txt",
    "build-support/launcher/pex-pip-requirements.txt",
    "build-support/remote-cache/buildgrid-requirements.txt",
)
# pyright for the editor test (build-support/plugins/pantry/ide), pinned by sha512 integrity.
DEFAULT_NPM_LOCKS = ("build-support/plugins/pantry/ide/pyright/package-lock.json",)


class IndexMirrorSubsystem(GoalSubsystem):
    name = "index-mirror"
    help = softwrap(
        """
        Upload every artifact the repository pins (each Pants resolve's lockfile, and the
        hash-pinned requirement files of `[index-mirror].requirements`: the launcher's Pants
        and pex, ...; the Debian packages of every `packages.lock`; the npm tarballs of
        `[index-mirror].npm_locks`) to a Pantry index (services/index), each verified against
        its pinned sha256 (sha512 for npm) first. Files the index already has are skipped,
        so it is safe to repeat. Builds then need nothing else: see pants.offline.toml.
        """
    )

    to = StrOption(
        default=None,
        help="The Pantry index to fill: its base URL (`http://127.0.0.1:8080`) or /simple/ URL.",
    )
    from_ = StrOption(
        flag_name="--from",
        default=None,
        help=softwrap(
            """
            The simple-API URL to find the files of hash-pinned requirement files on (they
            name only hashes, not URLs). Default: the first of `[python-repos].indexes`.
            Lock artifacts are fetched from the URLs in the lock.
            """
        ),
    )
    token_file = StrOption(
        default=None,
        help=softwrap(
            f"""
            A file holding the index's upload token (the file the index reads with
            `--upload-token-file`). Default: the `${TOKEN_VARIABLE}` environment variable.
            The token is never printed.
            """
        ),
    )
    locks = StrListOption(
        default=None,
        help="pex lockfiles to mirror. Default: every lockfile of `[python.resolves]`.",
    )
    requirements = StrListOption(
        default=list(DEFAULT_REQUIREMENTS),
        help="Hash-pinned pip requirement files (`name==version --hash=sha256:...`) to mirror.",
    )
    debian_locks = StrListOption(
        default=["**/packages.lock"],
        help=softwrap(
            """
            Globs of Debian pins files (`NAME VERSION SHA256` of each .deb: image bases and
            `debian_tools` targets). Their packages are fetched with the host's `apt-get
            download` (as the OCI builder does) and stored as the index's blobs by sha256.
            """
        ),
    )
    npm_locks = StrListOption(
        default=list(DEFAULT_NPM_LOCKS),
        help=softwrap(
            """
            npm package locks whose tarballs to mirror (each checked against its sha512
            `integrity`), stored as the index's blobs by sha512.
            """
        ),
    )
    npm_registry = StrOption(
        default=None,
        help=softwrap(
            """
            The npm registry to download tarballs from when a package lock names no `resolved`
            URL. Default: the registry npm is configured with (`npm config get registry`).
            """
        ),
    )
    pythons = StrListOption(
        default=None,
        help=softwrap(
            """
            CPython versions whose wheels to mirror (with this machine's OS and architecture).
            Default: `[python].interpreter_versions_universe`.
            """
        ),
    )
    all_platforms = BoolOption(
        default=False,
        help=softwrap(
            """
            Mirror every pinned artifact, every platform's wheels included. By default only
            the wheels some CPython of `[index-mirror].pythons` on this OS and architecture
            can install are mirrored, plus a project's sdist when no wheel fits one of them.
            """
        ),
    )
    only = StrListOption(
        default=[],
        help=softwrap(
            """
            Mirror only these Python projects (names as in the locks). Default: every project.
            Debian packages and npm tarballs are not filtered.
            """
        ),
    )
    cache_dir = StrOption(
        default=None,
        help=softwrap(
            """
            Where verified downloads are kept (by sha256), so a second mirror downloads
            nothing. Default: `index-mirror/` in Pants' named caches directory.
            """
        ),
    )
