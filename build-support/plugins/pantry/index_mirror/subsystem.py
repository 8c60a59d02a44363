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


class IndexMirrorSubsystem(GoalSubsystem):
    name = "index-mirror"
    help = softwrap(
        """
        Upload every artifact the repository pins (each Pants resolve's lockfile, and the
        hash-pinned requirement files of `[index-mirror].requirements`: the launcher's Pants
        and pex, ...) to a Pantry index (services/index), each verified against its pinned
        sha256 first. Files the index already lists are skipped, so it is safe to repeat.
        Builds then need nothing else: see pants.offline.toml.
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
        help="Mirror only these projects (names as in the locks). Default: every project.",
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
