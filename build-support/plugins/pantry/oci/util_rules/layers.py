"""The image's layers, each one cacheable builder process (`oci_tool`): the base layer from
an `oci_base_image`'s pins, the third-party layer from a `pex_binary`'s PEX built without our
sources (with the lockfile, for the SBOM), and the first-party layer from our stripped sources.
"""

from __future__ import annotations

import dataclasses
import posixpath
from dataclasses import dataclass

from pantry.oci.subsystem import OciSubsystem
from pantry.oci.target_types import (
    OciBaseImagePackagesField,
    OciBaseImageUidField,
    OciBaseImageUserField,
)
from pantry.oci.util_rules.oci_tool import (
    OciImageError,
    OciLayer,
    OciTool,
    debian_fetch_args,
    run_oci_layer_tool,
)
from pants.backend.python.goals.package_pex_binary import (
    PexBinaryFieldSet,
    PexFromTargetsRequestForBuiltPackage,
)
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import PythonResolveField
from pants.backend.python.util_rules.pex import Pex
from pants.backend.python.util_rules.pex_from_targets import PexFromTargetsRequest
from pants.backend.python.util_rules.python_sources import (
    PythonSourceFilesRequest,
    StrippedPythonSourceFiles,
)
from pants.engine.addresses import Address
from pants.engine.fs import AddPrefix, Digest, GlobMatchErrorBehavior, MergeDigests, PathGlobs
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    HydratedSources,
    HydrateSourcesRequest,
    TransitiveTargets,
    TransitiveTargetsRequest,
    WrappedTarget,
    WrappedTargetRequest,
)

APP_DIR = "/app"


@dataclass(frozen=True)
class OciBaseLayerRequest:
    address: Address


@dataclass(frozen=True)
class OciPexLayersRequest:
    address: Address  # the pex_binary
    volumes: tuple[str, ...] = ()  # directories of the first-party layer, owned by `owner`
    owner: int = 65532


@dataclass(frozen=True)
class OciThirdPartyLayerRequest:
    address: Address  # the pex_binary


@dataclass(frozen=True)
class OciThirdPartyLayer:
    layer: OciLayer
    install_dir: str  # where the PEX is unpacked in the image, e.g. /app/index.pex
    include_sources: bool  # the pex_binary's `include_sources`: False leaves our code out


@dataclass(frozen=True)
class OciFirstPartyLayerRequest:
    address: Address  # the pex_binary
    install_dir: str
    volumes: tuple[str, ...]
    owner: int
    include_sources: bool = True


@dataclass(frozen=True)
class OciPexLayers:
    third_party: OciLayer
    first_party: OciLayer
    install_dir: str


@rule(desc="Build an OCI base layer from pinned Debian packages")
async def build_oci_base_layer(
    request: OciBaseLayerRequest, tool: OciTool, oci: OciSubsystem
) -> OciLayer:
    wrapped = await Get(
        WrappedTarget,
        WrappedTargetRequest(request.address, description_of_origin="an oci_image's `base`"),
    )
    target = wrapped.target
    pins_field = target[OciBaseImagePackagesField]
    sources = await Get(HydratedSources, HydrateSourcesRequest(pins_field))
    if not sources.snapshot.files:
        raise OciImageError(
            f"The `packages` file {pins_field.value!r} of {request.address} does not exist. "
            "Create it with one `NAME VERSION SHA256` line per Debian package."
        )
    fetch = await debian_fetch_args(f"Building the base {request.address}", oci)
    (pins_path,) = sources.snapshot.files
    input_digest = await Get(Digest, MergeDigests([tool.digest, sources.snapshot.digest]))
    return await run_oci_layer_tool(
        tool,
        (
            "base-layer",
            "--pins",
            pins_path,
            "--pins-path",
            pins_path,
            *fetch,
            "--user",
            target[OciBaseImageUserField].value,
            "--uid",
            str(target[OciBaseImageUidField].value),
            "--out",
            "base",
        ),
        input_digest,
        f"Fetch, verify and layer the pinned packages of {request.address}",
        layer="base",
        path="/usr/bin:/bin",
        on_failure=f"Cannot build the base image {request.address}",
    )


@rule(desc="Build the third-party OCI layer of a pex_binary")
async def build_oci_third_party_layer(
    request: OciThirdPartyLayerRequest, tool: OciTool, python_setup: PythonSetup
) -> OciThirdPartyLayer:
    """The `pex_binary`'s own PEX request (entry point, layout, args) minus our sources.

    Our sources go to the first-party layer instead, so an edit to them rebuilds neither the
    PEX nor this layer.
    """
    wrapped = await Get(
        WrappedTarget,
        WrappedTargetRequest(request.address, description_of_origin="an oci_image's `binary`"),
    )
    resolve = wrapped.target[PythonResolveField].normalized_value(python_setup)
    lock_path = python_setup.resolves.get(resolve, "")
    for_package = await Get(
        PexFromTargetsRequestForBuiltPackage,
        PexBinaryFieldSet,
        PexBinaryFieldSet.create(wrapped.target),
    )
    pex_request = dataclasses.replace(for_package.request, include_source_files=False)
    pex, lock = await MultiGet(
        Get(Pex, PexFromTargetsRequest, pex_request),
        Get(
            Digest,
            PathGlobs(
                [lock_path] if lock_path else [],
                glob_match_error_behavior=GlobMatchErrorBehavior.error,
                description_of_origin=f"the lockfile of resolve {resolve!r} (SBOM)",
            ),
        ),
    )
    install_dir = posixpath.join(APP_DIR, posixpath.basename(pex.name))
    input_digest = await Get(Digest, MergeDigests([tool.digest, pex.digest, lock]))
    command = ["pex-layer", "--pex", pex.name, "--install-dir", install_dir]
    command += ["--comment", str(request.address)]
    if lock_path:
        command += ["--lock", lock_path, "--lock-path", lock_path]
    layer = await run_oci_layer_tool(
        tool,
        tuple(command),
        input_digest,
        f"Layer the third-party code of {request.address}, with its SBOM",
        layer="third_party",
        on_failure=f"Cannot build the third-party layer of {request.address}",
    )
    return OciThirdPartyLayer(layer, install_dir, for_package.request.include_source_files)


@rule(desc="Build the first-party OCI layer of a pex_binary")
async def build_oci_first_party_layer(
    request: OciFirstPartyLayerRequest, tool: OciTool
) -> OciLayer:
    """Our sources, stripped of their source roots as in the PEX, and the volume directories."""
    transitive = await Get(TransitiveTargets, TransitiveTargetsRequest([request.address]))
    targets = transitive.closure if request.include_sources else ()
    sources = await Get(StrippedPythonSourceFiles, PythonSourceFilesRequest(targets))
    prefixed = await Get(Digest, AddPrefix(sources.stripped_source_files.snapshot.digest, "src"))
    input_digest = await Get(Digest, MergeDigests([tool.digest, prefixed]))
    command = ["source-layer", "--sources", "src", "--install-dir", request.install_dir]
    command += ["--comment", str(request.address), "--owner", str(request.owner)]
    for volume in request.volumes:
        command += ["--volume", volume]
    return await run_oci_layer_tool(
        tool,
        tuple(command),
        input_digest,
        f"Layer the first-party code of {request.address}",
        layer="first_party",
        on_failure=f"Cannot build the first-party layer of {request.address}",
    )


@rule(desc="Build the third-party and first-party OCI layers of a pex_binary")
async def build_oci_pex_layers(request: OciPexLayersRequest) -> OciPexLayers:
    third_party = await Get(OciThirdPartyLayer, OciThirdPartyLayerRequest(request.address))
    first_party = await Get(
        OciLayer,
        OciFirstPartyLayerRequest(
            request.address,
            third_party.install_dir,
            request.volumes,
            request.owner,
            third_party.include_sources,
        ),
    )
    return OciPexLayers(third_party.layer, first_party, third_party.install_dir)


def rules():
    return collect_rules()
