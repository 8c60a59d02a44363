"""What `./pants publish` runs for an `oci_image`: one `skopeo copy` per tag (no Pants imports).

skopeo reads the packaged OCI image layout (`oci:DIR:TAG`) and pushes it to a registry
(`docker://HOST[:PORT]/REPOSITORY:TAG`), blobs first, so a pushed image has the very
manifest digest the layout has.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from pantry.errors import PantryError

# A registry host: a DNS name or IPv4 address, optionally with a port (distribution spec).
REGISTRY_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$")


class OciPublishError(PantryError):
    """An `oci_image` that cannot be published as configured; the message says how to fix it."""


def registry_of(repository: str) -> str | None:
    """The registry host in `repository`, if its first component is one (has '.' or ':')."""
    first, sep, _ = repository.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first
    return None


def image_refs(
    address: str, repository: str, tags: Iterable[str], default_registry: str | None
) -> tuple[str, ...]:
    """`HOST[:PORT]/REPOSITORY:TAG` for each tag, sorted; raises OciPublishError."""
    tags = sorted(set(tags))
    if not tags:
        raise OciPublishError(
            f"Cannot publish {address}: its `image_tags` field is empty, and a registry "
            'stores an image under a tag. Add one, e.g. `image_tags=["latest"]`.'
        )
    if registry_of(repository) is None:
        if not default_registry:
            raise OciPublishError(
                f"Cannot publish {address}: its `repository` field is {repository!r}, which "
                "names no registry host. Name one in the field, e.g. "
                f"'127.0.0.1:5000/{repository}', or set `[oci].registry` (e.g. "
                "`--oci-registry=127.0.0.1:5000`) for repositories that name none."
            )
        if not REGISTRY_RE.match(default_registry):
            raise OciPublishError(
                f"Cannot publish {address}: `[oci].registry` is {default_registry!r}, but it "
                "must be a registry host with an optional port, e.g. '127.0.0.1:5000'."
            )
        repository = f"{default_registry}/{repository}"
    return tuple(f"{repository}:{tag}" for tag in tags)


def copy_argv(
    skopeo: str, layout: str, tag: str, ref: str, extra_args: Sequence[str] = ()
) -> tuple[str, ...]:
    """`skopeo copy` of one tag of the layout directory `layout` to `docker://ref`."""
    return (skopeo, "copy", "--quiet", *extra_args, f"oci:{layout}:{tag}", f"docker://{ref}")
