"""The stdlib-only builder (`tool.py`) as a Pants process: its sources and interpreter
(`OciTool`), one cacheable run of it (`oci_tool_process`, `run_oci_tool`), the layer it writes
(`OciLayer`, `ReadLayer`), and the host's `apt-get` that fetches pinned packages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pantry.errors import PantryError
from pantry.oci.layout import LayerRef
from pantry.oci.shipping import tool_files
from pantry.oci.subsystem import OciSubsystem
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.pex_environment import PythonExecutable
from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
    PathGlobs,
    RemovePrefix,
)
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

# The builder is stdlib-only and supports every Python the repo's pyenv offers.
TOOL_INTERPRETER = ("CPython>=3.9,<3.14",)


class OciImageError(PantryError):
    """An `oci_image` or `oci_base_image` that cannot be built; the message says why."""


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


@rule(desc="Prepare the OCI image builder", level=LogLevel.DEBUG)
async def prepare_oci_tool() -> OciTool:
    # The builder's modules, derived from its imports (`shipping.py`), under their own names.
    files = [FileContent(path, content) for path, content in tool_files()]
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


def rules():
    return collect_rules()
