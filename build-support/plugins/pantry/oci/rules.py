"""`package` for `oci_image`: base, third-party and first-party layers, then the layout.

Each layer is one cacheable process running the stdlib-only builder (`tool.py`) on a
pyenv Python (`oci_tool_process`): the base layer is keyed by its pins file, the
third-party layer by the `pex_binary`'s PEX built without our sources (and the lockfile, for
the SBOM), the first-party layer by our stripped sources. The layout's JSON (config,
manifest with its annotations, index) is computed in the rule from the layers' digests
(`layout.py`) and merged with the blobs: pure digest operations.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
from dataclasses import dataclass

from pantry.errors import PantryError
from pantry.oci.layout import ImageConfig, LayerRef, image_layout
from pantry.oci.sbom import (
    ANNOTATION_SBOM_DIGEST,
    ANNOTATION_SBOM_FORMAT,
    ANNOTATION_SBOM_PATH,
    SBOM_FORMAT,
    SBOM_PATH,
)
from pantry.oci.subsystem import OciSubsystem
from pantry.oci.target_types import (
    OciBaseImagePackagesField,
    OciBaseImageTarget,
    OciBaseImageUidField,
    OciBaseImageUserField,
    OciImageArchiveField,
    OciImageBaseField,
    OciImageBinaryField,
    OciImageCmdField,
    OciImageEnvField,
    OciImageLabelsField,
    OciImagePortsField,
    OciImageRepositoryField,
    OciImageTagsField,
    OciImageUserField,
    OciImageVolumesField,
    OciImageWorkdirField,
)
from pants.backend.python.goals.package_pex_binary import (
    PexBinaryFieldSet,
    PexFromTargetsRequestForBuiltPackage,
)
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import PexBinary, PythonResolveField
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.pex import Pex
from pants.backend.python.util_rules.pex_environment import PythonExecutable
from pants.backend.python.util_rules.pex_from_targets import PexFromTargetsRequest
from pants.backend.python.util_rules.python_sources import (
    PythonSourceFilesRequest,
    StrippedPythonSourceFiles,
)
from pants.core.goals.package import (
    BuiltPackage,
    BuiltPackageArtifact,
    OutputPathField,
    PackageFieldSet,
)
from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths
from pants.engine.addresses import Address, UnparsedAddressInputs
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import (
    AddPrefix,
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
    GlobMatchErrorBehavior,
    MergeDigests,
    PathGlobs,
    RemovePrefix,
)
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    FieldSet,
    HydratedSources,
    HydrateSourcesRequest,
    InferDependenciesRequest,
    InferredDependencies,
    Target,
    Targets,
    TransitiveTargets,
    TransitiveTargetsRequest,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel
from pants.util.resources import read_resource
from pants.util.strutil import softwrap

# The builder's modules, shipped into each process sandbox as the package `pantry.oci`.
TOOL_MODULES = ("__init__.py", "layout.py", "debian.py", "pex_layers.py", "sbom.py", "tool.py")
# The builder is stdlib-only and supports every Python the repo's pyenv offers.
TOOL_INTERPRETER = ("CPython>=3.9,<3.14",)
IMAGE_PYTHON = "/usr/bin/python3.11"
APP_DIR = "/app"
# The source revision an image's manifest records (`org.opencontainers.image.revision`).
# A Pants process cannot see .git, so CI passes it in; two clones of one commit agree on it.
REVISION_ENV = "PANTRY_SOURCE_REVISION"
REVISION_RE = re.compile(r"^[0-9a-f]{7,64}$")


class OciImageError(PantryError):
    """An `oci_image` or `oci_base_image` that cannot be built; the message says why."""


@dataclass(frozen=True)
class OciImageFieldSet(PackageFieldSet):
    required_fields = (OciImageBaseField, OciImageBinaryField)

    base: OciImageBaseField
    binary: OciImageBinaryField
    cmd: OciImageCmdField
    env: OciImageEnvField
    user: OciImageUserField
    workdir: OciImageWorkdirField
    labels: OciImageLabelsField
    ports: OciImagePortsField
    repository: OciImageRepositoryField
    image_tags: OciImageTagsField
    volumes: OciImageVolumesField
    archive: OciImageArchiveField
    output_path: OutputPathField


@dataclass(frozen=True)
class OciTool:
    """The builder's sources plus the interpreter that runs them."""

    digest: Digest
    python: str


@dataclass(frozen=True)
class OciLayer:
    """One layer: `digest` holds its blob at `blobs/sha256/<hex>`; `ref` its descriptor data."""

    digest: Digest
    ref: LayerRef
    architecture: str = ""
    sbom_digest: str = ""


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
class ResolveField:
    """The one target an `oci_image`'s `base` or `binary` field names."""

    address: Address
    field: OciImageBaseField | OciImageBinaryField


@dataclass(frozen=True)
class OciPexLayers:
    third_party: OciLayer
    first_party: OciLayer
    install_dir: str


@rule(desc="Prepare the OCI image builder", level=LogLevel.DEBUG)
async def prepare_oci_tool() -> OciTool:
    files = [FileContent("pantry/__init__.py", b"")]
    files += [
        FileContent(f"pantry/oci/{module}", read_resource("pantry.oci", module))
        for module in TOOL_MODULES
    ]
    digest, python = await MultiGet(
        Get(Digest, CreateDigest(files)),
        Get(PythonExecutable, InterpreterConstraints(TOOL_INTERPRETER)),
    )
    return OciTool(digest, python.path)


@dataclass(frozen=True)
class ReadLayer:
    """A layer the builder wrote as `<name>/blobs/sha256/<hex>` plus `<name>.json`."""

    output: Digest
    name: str


@rule(desc="Read an OCI layer's metadata", level=LogLevel.DEBUG)
async def read_oci_layer(request: ReadLayer) -> OciLayer:
    blobs, contents = await MultiGet(
        Get(Digest, DigestSubset(request.output, PathGlobs([f"{request.name}/blobs/**"]))),
        Get(DigestContents, DigestSubset(request.output, PathGlobs([f"{request.name}.json"]))),
    )
    metadata = json.loads(contents[0].content)
    digest = await Get(Digest, RemovePrefix(blobs, request.name))
    return OciLayer(
        digest,
        LayerRef.from_metadata(metadata),
        metadata.get("architecture", ""),
        metadata.get("sbom_digest", ""),
    )


def failure(what: str, result: FallibleProcessResult) -> OciImageError:
    output = (result.stderr or result.stdout).decode(errors="replace").strip()
    return OciImageError(f"{what}:\n{output}")


def oci_tool_process(
    tool: OciTool,
    command: tuple[str, ...],
    input_digest: Digest,
    description: str,
    *,
    output_directories: tuple[str, ...] = (),
    output_files: tuple[str, ...] = (),
    path: str | None = None,
) -> Process:
    """One cacheable run of the stdlib-only builder: `python -m pantry.oci.tool COMMAND...`.

    `-E -s` and a fixed environment: nothing from the host reaches the build.
    """
    env = {"LC_ALL": "C.UTF-8", **({"PATH": path} if path else {})}
    return Process(
        argv=(tool.python, "-E", "-s", "-m", "pantry.oci.tool", *command),
        input_digest=input_digest,
        env=env,
        output_directories=output_directories,
        output_files=output_files,
        description=description,
        level=LogLevel.DEBUG,
    )


async def run_oci_tool(
    tool: OciTool,
    command: tuple[str, ...],
    input_digest: Digest,
    description: str,
    *,
    on_failure: str,
    output_directories: tuple[str, ...] = (),
    output_files: tuple[str, ...] = (),
    path: str | None = None,
) -> Digest:
    """Run the builder (`oci_tool_process`); its outputs, or `on_failure` and what it printed."""
    result = await Get(
        FallibleProcessResult,
        Process,
        oci_tool_process(
            tool,
            command,
            input_digest,
            description,
            output_directories=output_directories,
            output_files=output_files,
            path=path,
        ),
    )
    if result.exit_code != 0:
        raise failure(on_failure, result)
    return result.output_digest


async def run_oci_layer_tool(
    tool: OciTool,
    command: tuple[str, ...],
    input_digest: Digest,
    description: str,
    *,
    layer: str,
    on_failure: str,
    path: str | None = None,
) -> OciLayer:
    """Run a builder command that writes the layer `layer` (see `ReadLayer`), and read it."""
    output_digest = await run_oci_tool(
        tool,
        command,
        input_digest,
        description,
        on_failure=on_failure,
        output_directories=(layer,),
        output_files=(f"{layer}.json",),
        path=path,
    )
    return await Get(OciLayer, ReadLayer(output_digest, layer))


async def debian_fetch_args(what: str, oci: OciSubsystem) -> tuple[str, ...]:
    """How `tool.py` fetches pinned .debs: from `[oci].index_url`'s blobs (offline builds), or
    with the host's `apt-get` (/usr/bin or /bin; never the PATH)."""
    if oci.index_url:
        return ("--index-url", oci.index_url)
    apt_get = await Get(
        BinaryPaths, BinaryPathRequest(binary_name="apt-get", search_path=("/usr/bin", "/bin"))
    )
    if apt_get.first_path is None:
        raise OciImageError(
            softwrap(
                f"""
                {what} needs `apt-get` (it fetches the pinned packages with
                `apt-get download NAME=VERSION`), and none is in /usr/bin or /bin. Build on a
                Debian or Ubuntu host, set `[oci].index_url` to a Pantry index filled by
                `./pants index-mirror`, or use a remote cache that has the result.
                """
            )
        )
    return ("--apt-get", apt_get.first_path.path)


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


def check_kind(address: Address, alias: str, target: Target, expected: type[Target]) -> None:
    if not isinstance(target, expected):
        raise OciImageError(
            softwrap(
                f"""
                The `{alias}` field of {address} is {target.address.spec!r}, a
                `{target.alias}` target, but it must be the address of a `{expected.alias}`
                target.
                """
            )
        )


def manifest_annotations(
    address: Address, sbom_digest: str, revision: str | None, source_url: str | None
) -> tuple[tuple[str, str], ...]:
    """The manifest's annotations: where the SBOM is, and which source built the image."""
    annotations = {}
    if sbom_digest:
        annotations[ANNOTATION_SBOM_PATH] = SBOM_PATH
        annotations[ANNOTATION_SBOM_DIGEST] = sbom_digest
        annotations[ANNOTATION_SBOM_FORMAT] = SBOM_FORMAT
    if revision:
        if not REVISION_RE.match(revision):
            raise OciImageError(
                f"Cannot build {address}: the environment variable {REVISION_ENV} is "
                f"{revision!r}, but it must be a git "
                f"commit id (7-64 lowercase hex digits), e.g. `{REVISION_ENV}=$(git rev-parse "
                "HEAD)`; unset it to leave the revision out of the image."
            )
        annotations["org.opencontainers.image.revision"] = revision
    if source_url:
        annotations["org.opencontainers.image.source"] = source_url
    return tuple(sorted(annotations.items()))


@dataclass(frozen=True)
class OciArchiveRequest:
    layout: Digest  # the layout directory's files, at the root
    path: str  # where the tarball goes
    repository: str  # its tags are named REPOSITORY:TAG inside


@rule(desc="Write an oci-archive tarball")
async def build_oci_archive(request: OciArchiveRequest, tool: OciTool) -> Digest:
    input_digest = await Get(
        Digest, MergeDigests([tool.digest, await Get(Digest, AddPrefix(request.layout, "layout"))])
    )
    output_digest = await run_oci_tool(
        tool,
        (
            "archive",
            "--layout",
            "layout",
            "--out",
            request.path,
            "--repository",
            request.repository,
        ),
        input_digest,
        f"Write the oci-archive {request.path}",
        output_files=(request.path,),
        on_failure=f"Cannot write the oci-archive {request.path}",
    )
    return output_digest


@rule(desc="Package an OCI image layout")
async def package_oci_image(field_set: OciImageFieldSet, oci: OciSubsystem) -> BuiltPackage:
    address = field_set.address
    base_wrapped, binary_wrapped, env_vars = await MultiGet(
        Get(WrappedTarget, ResolveField(address, field_set.base)),
        Get(WrappedTarget, ResolveField(address, field_set.binary)),
        Get(EnvironmentVars, EnvironmentVarsRequest([REVISION_ENV])),
    )
    base_target, binary_target = base_wrapped.target, binary_wrapped.target
    check_kind(address, field_set.base.alias, base_target, OciBaseImageTarget)
    check_kind(address, field_set.binary.alias, binary_target, PexBinary)
    volumes = tuple(sorted(set(field_set.volumes.value or ())))
    owner = base_target[OciBaseImageUidField].value
    base, pex = await MultiGet(
        Get(OciLayer, OciBaseLayerRequest(base_target.address)),
        Get(OciPexLayers, OciPexLayersRequest(binary_target.address, volumes, owner)),
    )
    layers = (base, pex.third_party, pex.first_party)
    pex_labels = (f"third-party {binary_target.address}", f"first-party {binary_target.address}")
    env = {"PEX_ROOT": "/tmp/.pex", **dict(field_set.env.value or {})}
    config = ImageConfig(
        entrypoint=(IMAGE_PYTHON, pex.install_dir),
        cmd=tuple(field_set.cmd.value or ()),
        env=tuple(sorted(env.items())),
        user=field_set.user.value,
        workdir=field_set.workdir.value,
        labels=tuple(sorted((field_set.labels.value or {}).items())),
        ports=tuple(field_set.ports.value or ()),
        volumes=volumes,
        architecture=base.architecture or "amd64",
        annotations=manifest_annotations(
            address, pex.third_party.sbom_digest, env_vars.get(REVISION_ENV) or None, oci.source_url
        ),
    )
    repository = field_set.repository.value
    layout = image_layout([layer.ref for layer in layers], config, field_set.image_tags.value or ())
    output_path = field_set.output_path.value_or_default(file_ending=None)
    layout_digest = await Get(
        Digest,
        CreateDigest([FileContent(path, data) for path, data in sorted(layout.files.items())]),
    )
    merged = await Get(Digest, MergeDigests([layout_digest, *(layer.digest for layer in layers)]))
    log = [f"manifest {layout.manifest_digest}", f"repository {repository}"]
    log += [
        f"layer {layer.ref.digest} {layer.ref.size:>10} B  {label}"
        for layer, label in zip(layers, (f"base {base_target.address}", *pex_labels))
    ]
    if pex.third_party.sbom_digest:
        log.append(f"sbom {pex.third_party.sbom_digest} at {SBOM_PATH}")
    artifacts = [BuiltPackageArtifact(output_path, tuple(log))]
    digests = [await Get(Digest, AddPrefix(merged, output_path))]
    if field_set.archive.value:
        archive_path = f"{output_path}.tar"
        digests.append(await Get(Digest, OciArchiveRequest(merged, archive_path, repository)))
        artifacts.append(BuiltPackageArtifact(archive_path, (f"oci-archive of {address}",)))
    digest = await Get(Digest, MergeDigests(digests))
    return BuiltPackage(digest, tuple(artifacts))


@rule(desc="Resolve an oci_image's `base` or `binary`", level=LogLevel.DEBUG)
async def resolve_oci_image_field(request: ResolveField) -> WrappedTarget:
    targets = await Get(
        Targets,
        UnparsedAddressInputs(
            [request.field.value],
            owning_address=request.address,
            description_of_origin=f"the `{request.field.alias}` field of {request.address}",
        ),
    )
    return WrappedTarget(targets[0])


@dataclass(frozen=True)
class OciImageDependenciesFieldSet(FieldSet):
    required_fields = (OciImageBaseField, OciImageBinaryField)

    base: OciImageBaseField
    binary: OciImageBinaryField


class InferOciImageDependencies(InferDependenciesRequest):
    infer_from = OciImageDependenciesFieldSet


@rule(desc="Infer an oci_image's dependencies on its base and binary", level=LogLevel.DEBUG)
async def infer_oci_image_dependencies(request: InferOciImageDependencies) -> InferredDependencies:
    field_set = request.field_set
    base, binary = await MultiGet(
        Get(WrappedTarget, ResolveField(field_set.address, field_set.base)),
        Get(WrappedTarget, ResolveField(field_set.address, field_set.binary)),
    )
    return InferredDependencies([base.target.address, binary.target.address])


def rules():
    return [
        *collect_rules(),
        UnionRule(PackageFieldSet, OciImageFieldSet),
        UnionRule(InferDependenciesRequest, InferOciImageDependencies),
    ]
