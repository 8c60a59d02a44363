"""`./pants publish` for `oci_image`: push the packaged layout with skopeo, once per tag.

The pattern is Pants' docker backend's (`PublishDockerImageRequest`): a `PublishFieldSet`
appoints a `PublishRequest`, whose rule returns one `InteractiveProcess` per image reference.
What to run is decided in `skopeo.py`; this module only wires it up. skopeo is the pinned one
of the `debian_tools` target `[oci].tools` (built, or read from Pants' cache, like any
package), placed beside the layout in the process's sandbox; never the host's.
"""

from __future__ import annotations

from dataclasses import dataclass

from pantry.oci.skopeo import OciPublishError, copy_argv, image_refs
from pantry.oci.subsystem import OciSubsystem
from pantry.oci.target_types import (
    OciImageBaseField,
    OciImageRepositoryField,
    OciImageSkipPushField,
    OciImageTagsField,
)
from pantry.oci.util_rules.debian_tools import DebianTools, DebianToolsRequest
from pants.core.goals.publish import (
    PublishFieldSet,
    PublishOutputData,
    PublishPackages,
    PublishProcesses,
    PublishRequest,
)
from pants.engine.addresses import Addresses, UnparsedAddressInputs
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import Digest
from pants.engine.process import InteractiveProcess
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.strutil import softwrap

# skopeo finds registry credentials through these (`skopeo login` writes them); nothing else
# from the environment reaches it.
CREDENTIAL_ENV = ("HOME", "XDG_RUNTIME_DIR", "REGISTRY_AUTH_FILE", "DOCKER_CONFIG")
# Where the tools' tree sits in the publish process's sandbox (`{chroot}` is the sandbox).
TOOLS_DIR = "__pantry_oci_tools"
TOOLS_OPTION = "`[oci].tools`"


class PublishOciImageRequest(PublishRequest):
    pass


@dataclass(frozen=True)
class PublishOciImageFieldSet(PublishFieldSet):
    publish_request_type = PublishOciImageRequest
    required_fields = (OciImageBaseField, OciImageRepositoryField)

    repository: OciImageRepositoryField
    image_tags: OciImageTagsField
    skip_push: OciImageSkipPushField

    def get_output_data(self) -> PublishOutputData:
        return PublishOutputData({"publisher": "skopeo", **super().get_output_data()})


@dataclass(frozen=True)
class Skopeo:
    """The pinned skopeo: `argv0` runs it when `digest` is mounted at `TOOLS_DIR`."""

    argv0: str
    digest: Digest


@dataclass(frozen=True)
class SkopeoRequest:
    """Asks for the skopeo of `[oci].tools` (one for every image published)."""


@rule(desc="Find the pinned skopeo")
async def find_skopeo(_: SkopeoRequest, oci: OciSubsystem) -> Skopeo:
    (address,) = await Get(
        Addresses,
        UnparsedAddressInputs(
            [oci.tools], owning_address=None, description_of_origin=f"the option {TOOLS_OPTION}"
        ),
    )
    tools = await Get(
        DebianTools, DebianToolsRequest(address, f"the option {TOOLS_OPTION} ({oci.tools!r})")
    )
    if "skopeo" not in tools.names:
        raise OciPublishError(
            softwrap(
                f"""
                Cannot publish: {TOOLS_OPTION} is {oci.tools!r}, whose `binaries` are
                {', '.join(tools.names)}, but publishing runs `skopeo`. Add `skopeo` to its
                `binaries` (and pin its package), or point {TOOLS_OPTION} at a `debian_tools`
                target that has it, e.g. `//external/tools/oci`.
                """
            )
        )
    return Skopeo(tools.program(f"{{chroot}}/{TOOLS_DIR}", "skopeo"), tools.digest)


@rule(desc="Push an OCI image with skopeo")
async def push_oci_image(request: PublishOciImageRequest, oci: OciSubsystem) -> PublishProcesses:
    field_set = request.field_set
    address = field_set.address
    if field_set.skip_push.value:
        return PublishProcesses(
            [
                PublishPackages(
                    names=(str(address),),
                    description=f"(by `{field_set.skip_push.alias}` on {address})",
                )
            ]
        )
    repository = field_set.repository.value
    refs = image_refs(str(address), repository, field_set.image_tags.value or (), oci.registry)
    env, skopeo = await MultiGet(
        Get(EnvironmentVars, EnvironmentVarsRequest(CREDENTIAL_ENV)), Get(Skopeo, SkopeoRequest())
    )
    (package,) = request.packages
    layout = next(a.relpath for a in package.artifacts if a.relpath)
    process_env = {k: v for k, v in env.items() if k in CREDENTIAL_ENV}
    tags = sorted(set(field_set.image_tags.value or ()))
    return PublishProcesses(
        PublishPackages(
            names=(ref,),
            process=InteractiveProcess(
                copy_argv(skopeo.argv0, layout, tag, ref, oci.publish_args),
                env=process_env,
                input_digest=package.digest,
                immutable_input_digests={TOOLS_DIR: skopeo.digest},
            ),
        )
        for tag, ref in zip(tags, refs)
    )


def rules():
    return [*collect_rules(), *PublishOciImageFieldSet.rules()]
