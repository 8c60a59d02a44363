"""`debian_tools`: outside programs (skopeo, umoci, ...) from pinned Debian packages.

One cacheable process of the stdlib-only builder (`tool.py tools-tree`) fetches the pinned
`.deb`s with `apt-get download NAME=VERSION` (or from `[oci].index_url`'s blobs), checks their
sha256 and unpacks them, as the `oci_base_image` layer does; `DebianToolsRequest` gives other
rules the tree's digest (`goals/package_debian_tools.py` puts it in dist/, `goals/publish.py`
runs its skopeo).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pantry.oci.debian import TOOLS_BIN
from pantry.oci.subsystem import OciSubsystem
from pantry.oci.target_types import (
    DebianToolsBinariesField,
    DebianToolsPackagesField,
    DebianToolsTarget,
)
from pantry.oci.util_rules.oci_tool import (
    OciImageError,
    OciTool,
    debian_fetch_args,
    run_oci_tool,
)
from pants.engine.addresses import Address
from pants.engine.fs import Digest, MergeDigests, RemovePrefix
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import (
    HydratedSources,
    HydrateSourcesRequest,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.util.frozendict import FrozenDict

TREE = "tools"


@dataclass(frozen=True)
class DebianToolsRequest:
    address: Address
    description_of_origin: str


@dataclass(frozen=True)
class DebianTools:
    """The unpacked tree: `root/` (the packages) and `bin/<name>` for each of `names`."""

    address: Address
    digest: Digest
    names: tuple[str, ...]

    def program(self, prefix: str, name: str) -> str:
        """The path of `name`'s wrapper when the tree is placed at `prefix`."""
        return f"{prefix}/{TOOLS_BIN}/{name}"


@dataclass(frozen=True)
class DebianToolsTreeRequest:
    """Fetch the packages pinned in `pins_path` (in `pins`) and write the wrappers."""

    address: Address
    pins: Digest
    pins_path: str
    binaries: FrozenDict[str, tuple[str, ...]]


@dataclass(frozen=True)
class DebianToolsTree:
    digest: Digest


@rule(desc="Fetch and unpack pinned Debian packages")
async def fetch_debian_tools_tree(
    request: DebianToolsTreeRequest, tool: OciTool, oci: OciSubsystem
) -> DebianToolsTree:
    fetch = await debian_fetch_args(f"Fetching the tools of {request.address}", oci)
    input_digest = await Get(Digest, MergeDigests([tool.digest, request.pins]))
    argv = {name: list(program) for name, program in sorted(request.binaries.items())}
    output = await run_oci_tool(
        tool,
        (
            "tools-tree",
            "--pins",
            request.pins_path,
            "--pins-path",
            request.pins_path,
            *fetch,
            "--binaries",
            json.dumps(argv, sort_keys=True),
            "--out",
            TREE,
        ),
        input_digest,
        f"Fetch, verify and unpack the pinned packages of {request.address}",
        output_directories=(TREE,),
        path="/usr/bin:/bin",
        on_failure=f"Cannot build the tools {request.address}",
    )
    return DebianToolsTree(await Get(Digest, RemovePrefix(output, TREE)))


@rule(desc="Build a debian_tools target")
async def build_debian_tools(request: DebianToolsRequest) -> DebianTools:
    wrapped = await Get(
        WrappedTarget,
        WrappedTargetRequest(request.address, description_of_origin=request.description_of_origin),
    )
    target = wrapped.target
    if not isinstance(target, DebianToolsTarget):
        raise OciImageError(
            f"{request.description_of_origin} is {request.address.spec!r}, a `{target.alias}` "
            f"target, but it must be the address of a `{DebianToolsTarget.alias}` target."
        )
    pins_field = target[DebianToolsPackagesField]
    binaries = target[DebianToolsBinariesField].value or FrozenDict()
    sources = await Get(HydratedSources, HydrateSourcesRequest(pins_field))
    if not sources.snapshot.files:
        raise OciImageError(
            f"The `packages` file {pins_field.value!r} of {request.address} does not exist. "
            "Create it with one `NAME VERSION SHA256` line per Debian package."
        )
    (pins_path,) = sources.snapshot.files
    tree = await Get(
        DebianToolsTree,
        DebianToolsTreeRequest(request.address, sources.snapshot.digest, pins_path, binaries),
    )
    return DebianTools(request.address, tree.digest, tuple(sorted(binaries)))


def rules():
    return collect_rules()
