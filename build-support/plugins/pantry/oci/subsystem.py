"""`[oci]`: where `./pants publish` pushes images, and what image annotations say."""

from __future__ import annotations

from pants.option.option_types import StrListOption, StrOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap


class OciSubsystem(Subsystem):
    options_scope = "oci"
    help = "OCI images built by `pantry.oci`: publishing with skopeo, and image annotations."

    registry = StrOption(
        default=None,
        help=softwrap(
            """
            The registry (`HOST[:PORT]`) that `./pants publish` pushes an `oci_image` to when
            its `repository` field names no registry host, e.g. `127.0.0.1:5000`.
            """
        ),
    )
    publish_args = StrListOption(
        help=softwrap(
            """
            Extra arguments to `skopeo copy` when publishing, e.g. `--dest-tls-verify=false`
            for a registry on 127.0.0.1 without TLS, or `--dest-creds=USER:PASSWORD`.
            """
        ),
    )
    tools = StrOption(
        default="//external/tools/oci",
        help=softwrap(
            """
            The address of the `debian_tools` target whose `skopeo` `./pants publish` runs:
            pinned Debian packages, fetched into Pants' cache (never the host's PATH). Its
            `binaries` must name `skopeo`.
            """
        ),
    )
    index_url = StrOption(
        default=None,
        help=softwrap(
            """
            A Pantry index (services/index; its base or /simple/ URL) holding every pinned
            Debian package (`./pants index-mirror` puts them there). When set, each `.deb` of
            an `oci_base_image` or `debian_tools` target is fetched from its
            `/blobs/sha256/<sha256>` instead of with `apt-get download`, still checked
            against the pin. pants.offline.toml sets it from $PANTRY_INDEX_URL.
            """
        ),
    )
    source_url = StrOption(
        default=None,
        help=softwrap(
            """
            The URL of the source repository, written to each image manifest as the
            `org.opencontainers.image.source` annotation. The source revision comes from the
            `PANTRY_SOURCE_REVISION` environment variable (e.g. `$(git rev-parse HEAD)`), as
            `org.opencontainers.image.revision`; unset, the annotation is left out.
            """
        ),
    )
