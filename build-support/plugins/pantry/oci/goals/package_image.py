"""`package` for `oci_image`: base, third-party and first-party layers, then the layout.

Each layer is one cacheable process running the stdlib-only builder (`tool.py`) on a
pyenv Python (`util_rules/oci_tool.py`): the base layer is keyed by its pins file, the
third-party layer by the `pex_binary`'s PEX built without our sources (and the lockfile, for
the SBOM), the first-party layer by our stripped sources (`util_rules/layers.py`). The
layout's JSON (config, manifest with its annotations, index) is computed in the rule from the
layers' digests (`layout.py`) and merged with the blobs: pure digest operations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pantry.oci.layout import ImageConfig, image_layout
from pantry.oci.sbom import (
    ANNOTATION_SBOM_DIGEST,
    ANNOTATION_SBOM_FORMAT,
    ANNOTATION_SBOM_PATH,
    SBOM_FORMAT,
    SBOM_PATH,
)
from pantry.oci.subsystem import OciSubsystem
from pantry.oci.target_types import (
    OciBaseImageTarget,
    OciBaseImageUidField,
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
from pantry.oci.util_rules.archive import OciArchiveRequest
from pantry.oci.util_rules.dependencies import ResolveField
from pantry.oci.util_rules.layers import OciBaseLayerRequest, OciPexLayers, OciPexLayersRequest
from pantry.oci.util_rules.oci_tool import OciImageError, OciLayer
from pants.backend.python.target_types import PexBinary
from pants.core.goals.package import (
    BuiltPackage,
    BuiltPackageArtifact,
    OutputPathField,
    PackageFieldSet,
)
from pants.engine.addresses import Address
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import AddPrefix, CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Target, WrappedTarget
from pants.engine.unions import UnionRule
from pants.util.strutil import softwrap

IMAGE_PYTHON = "/usr/bin/python3.11"
# The source revision an image's manifest records (`org.opencontainers.image.revision`).
# A Pants process cannot see .git, so CI passes it in; two clones of one commit agree on it.
REVISION_ENV = "PANTRY_SOURCE_REVISION"
REVISION_RE = re.compile(r"^[0-9a-f]{7,64}$")


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


def rules():
    return [*collect_rules(), UnionRule(PackageFieldSet, OciImageFieldSet)]
