"""`package` for `debian_tools`: the unpacked tree of pinned packages in dist/ (and, via
`runtime_package_dependencies`, in a test's sandbox); `util_rules/debian_tools.py` builds it."""

from __future__ import annotations

from dataclasses import dataclass

from pantry.oci.target_types import DebianToolsBinariesField
from pantry.oci.util_rules.debian_tools import DebianTools, DebianToolsRequest
from pants.core.goals.package import (
    BuiltPackage,
    BuiltPackageArtifact,
    OutputPathField,
    PackageFieldSet,
)
from pants.engine.fs import AddPrefix, Digest
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.unions import UnionRule


@dataclass(frozen=True)
class DebianToolsFieldSet(PackageFieldSet):
    required_fields = (DebianToolsBinariesField,)

    binaries: DebianToolsBinariesField
    output_path: OutputPathField


@rule(desc="Package pinned Debian tools")
async def package_debian_tools(field_set: DebianToolsFieldSet) -> BuiltPackage:
    tools = await Get(
        DebianTools, DebianToolsRequest(field_set.address, f"the target {field_set.address}")
    )
    output_path = field_set.output_path.value_or_default(file_ending=None)
    digest = await Get(Digest, AddPrefix(tools.digest, output_path))
    programs = tuple(tools.program(output_path, name) for name in tools.names)
    return BuiltPackage(digest, (BuiltPackageArtifact(output_path, programs),))


def rules():
    return [*collect_rules(), UnionRule(PackageFieldSet, DebianToolsFieldSet)]
