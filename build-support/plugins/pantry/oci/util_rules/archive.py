"""An `oci_image`'s `archive=True`: its layout as an oci-archive tarball, by the builder."""

from __future__ import annotations

from dataclasses import dataclass

from pantry.oci.util_rules.oci_tool import OciTool, run_oci_tool
from pants.engine.fs import AddPrefix, Digest, MergeDigests
from pants.engine.rules import Get, collect_rules, rule


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


def rules():
    return collect_rules()
