"""`package` for `oci_image`: base, third-party and first-party layers, then the layout.

Each layer is one cacheable process running the stdlib-only builder (`tool.py`) on a
pyenv Python: the base layer is keyed by its pins file, the PEX layers by the built PEX.
The layout's JSON (config, manifest, index) is computed in the rule from the layers'
digests (`layout.py`) and merged with the blobs: pure digest operations.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass

from pantry.oci.layout import ImageConfig, LayerRef, image_layout
from pantry.oci.target_types import (
    OciBaseImagePackagesField,
    OciBaseImageTarget,
    OciBaseImageUidField,
    OciBaseImageUserField,
    OciImageBaseField,
    OciImageBinaryField,
    OciImageCmdField,
    OciImageEnvField,
    OciImageLabelsField,
    OciImagePortsField,
    OciImageRepositoryField,
    OciImageTagsField,
    OciImageUserField,
    OciImageWorkdirField,
)
from pants.backend.python.goals.package_pex_binary import PexBinaryFieldSet
from pants.backend.python.target_types import PexBinary
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.pex_environment import PythonExecutable
from pants.core.goals.package import (
    BuiltPackage,
    BuiltPackageArtifact,
    OutputPathField,
    PackageFieldSet,
)
from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths
from pants.engine.addresses import Address, UnparsedAddressInputs
from pants.engine.fs import (
    AddPrefix,
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
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
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel
from pants.util.resources import read_resource
from pants.util.strutil import softwrap

# The builder's modules, shipped into each process sandbox as the package `pantry.oci`.
TOOL_MODULES = ("__init__.py", "layout.py", "debian.py", "pex_layers.py", "tool.py")
# The builder is stdlib-only and supports every Python the repo's pyenv offers.
TOOL_INTERPRETER = ("CPython>=3.9,<3.14",)
IMAGE_PYTHON = "/usr/bin/python3.11"
APP_DIR = "/app"


class OciImageError(Exception):
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


@dataclass(frozen=True)
class OciBaseLayerRequest:
    address: Address


@dataclass(frozen=True)
class OciPexLayersRequest:
    address: Address  # the pex_binary


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
    return OciLayer(digest, LayerRef.from_metadata(metadata), metadata.get("architecture", ""))


def failure(what: str, result: FallibleProcessResult) -> OciImageError:
    output = (result.stderr or result.stdout).decode(errors="replace").strip()
    return OciImageError(f"{what}:\n{output}")


@rule(desc="Build an OCI base layer from pinned Debian packages")
async def build_oci_base_layer(request: OciBaseLayerRequest, tool: OciTool) -> OciLayer:
    wrapped = await Get(
        WrappedTarget,
        WrappedTargetRequest(request.address, description_of_origin="an oci_image's `base`"),
    )
    target = wrapped.target
    pins_field = target[OciBaseImagePackagesField]
    sources, apt_get = await MultiGet(
        Get(HydratedSources, HydrateSourcesRequest(pins_field)),
        Get(
            BinaryPaths, BinaryPathRequest(binary_name="apt-get", search_path=("/usr/bin", "/bin"))
        ),
    )
    if not sources.snapshot.files:
        raise OciImageError(
            f"The `packages` file {pins_field.value!r} of {request.address} does not exist. "
            "Create it with one `NAME VERSION SHA256` line per Debian package."
        )
    if apt_get.first_path is None:
        raise OciImageError(
            softwrap(
                f"""
                Building the base {request.address} needs `apt-get` (it fetches the pinned
                packages with `apt-get download NAME=VERSION`), and none is in /usr/bin or /bin.
                Build on a Debian or Ubuntu host, or use a remote cache that has the base layer.
                """
            )
        )
    (pins_path,) = sources.snapshot.files
    input_digest = await Get(Digest, MergeDigests([tool.digest, sources.snapshot.digest]))
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(
                tool.python,
                "-E",
                "-s",
                "-m",
                "pantry.oci.tool",
                "base-layer",
                "--pins",
                pins_path,
                "--pins-path",
                pins_path,
                "--apt-get",
                apt_get.first_path.path,
                "--user",
                target[OciBaseImageUserField].value,
                "--uid",
                str(target[OciBaseImageUidField].value),
                "--out",
                "base",
            ),
            input_digest=input_digest,
            env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
            output_directories=("base",),
            output_files=("base.json",),
            description=f"Fetch, verify and layer the pinned packages of {request.address}",
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        raise failure(f"Cannot build the base image {request.address}", result)
    return await Get(OciLayer, ReadLayer(result.output_digest, "base"))


@rule(desc="Split a PEX into third-party and first-party OCI layers")
async def build_oci_pex_layers(request: OciPexLayersRequest, tool: OciTool) -> OciPexLayers:
    wrapped = await Get(
        WrappedTarget,
        WrappedTargetRequest(request.address, description_of_origin="an oci_image's `binary`"),
    )
    built = await Get(BuiltPackage, PexBinaryFieldSet, PexBinaryFieldSet.create(wrapped.target))
    relpath = next(a.relpath for a in built.artifacts if a.relpath)
    install_dir = posixpath.join(APP_DIR, posixpath.basename(relpath))
    input_digest = await Get(Digest, MergeDigests([tool.digest, built.digest]))
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(
                tool.python,
                "-E",
                "-s",
                "-m",
                "pantry.oci.tool",
                "pex-layers",
                "--pex",
                relpath,
                "--install-dir",
                install_dir,
                "--comment",
                str(request.address),
            ),
            input_digest=input_digest,
            env={"LC_ALL": "C.UTF-8"},
            output_directories=("third_party", "first_party"),
            output_files=("third_party.json", "first_party.json"),
            description=f"Layer {request.address} (third-party and first-party)",
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        raise failure(f"Cannot split {request.address} into layers", result)
    third_party, first_party = await MultiGet(
        Get(OciLayer, ReadLayer(result.output_digest, "third_party")),
        Get(OciLayer, ReadLayer(result.output_digest, "first_party")),
    )
    return OciPexLayers(third_party, first_party, install_dir)


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


@rule(desc="Package an OCI image layout")
async def package_oci_image(field_set: OciImageFieldSet) -> BuiltPackage:
    address = field_set.address
    base_wrapped, binary_wrapped = await MultiGet(
        Get(WrappedTarget, ResolveField(address, field_set.base)),
        Get(WrappedTarget, ResolveField(address, field_set.binary)),
    )
    base_target, binary_target = base_wrapped.target, binary_wrapped.target
    check_kind(address, field_set.base.alias, base_target, OciBaseImageTarget)
    check_kind(address, field_set.binary.alias, binary_target, PexBinary)
    base, pex = await MultiGet(
        Get(OciLayer, OciBaseLayerRequest(base_target.address)),
        Get(OciPexLayers, OciPexLayersRequest(binary_target.address)),
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
        architecture=base.architecture or "amd64",
    )
    repository = field_set.repository.value or address.target_name
    layout = image_layout([layer.ref for layer in layers], config, field_set.image_tags.value or ())
    output_path = field_set.output_path.value_or_default(file_ending=None)
    layout_digest = await Get(
        Digest,
        CreateDigest([FileContent(path, data) for path, data in sorted(layout.files.items())]),
    )
    merged = await Get(Digest, MergeDigests([layout_digest, *(layer.digest for layer in layers)]))
    digest = await Get(Digest, AddPrefix(merged, output_path))
    log = [f"manifest {layout.manifest_digest}", f"repository {repository}"]
    log += [
        f"layer {layer.ref.digest} {layer.ref.size:>10} B  {label}"
        for layer, label in zip(layers, (f"base {base_target.address}", *pex_labels))
    ]
    return BuiltPackage(digest, (BuiltPackageArtifact(output_path, tuple(log)),))


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
