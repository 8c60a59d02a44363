"""An `oci_image`'s `base` and `binary`: the targets they name, and the dependencies on them."""

from __future__ import annotations

from dataclasses import dataclass

from pantry.oci.target_types import OciImageBaseField, OciImageBinaryField
from pants.engine.addresses import Address, UnparsedAddressInputs
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    FieldSet,
    InferDependenciesRequest,
    InferredDependencies,
    Targets,
    WrappedTarget,
)
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel


@dataclass(frozen=True)
class ResolveField:
    """The one target an `oci_image`'s `base` or `binary` field names."""

    address: Address
    field: OciImageBaseField | OciImageBinaryField


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
    return [*collect_rules(), UnionRule(InferDependenciesRequest, InferOciImageDependencies)]
