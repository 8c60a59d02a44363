"""`./pants publish` for `oci_image`: push the packaged layout with skopeo, once per tag.

The pattern is Pants' docker backend's (`PublishDockerImageRequest`): a `PublishFieldSet`
appoints a `PublishRequest`, whose rule returns one `InteractiveProcess` per image reference.
What to run is decided in `skopeo.py`; this module only finds skopeo and wires it up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pantry.oci.skopeo import OciPublishError, copy_argv, image_refs
from pantry.oci.subsystem import OciSubsystem
from pantry.oci.target_types import (
    OciImageBaseField,
    OciImageRepositoryField,
    OciImageSkipPushField,
    OciImageTagsField,
)
from pants.core.goals.publish import (
    PublishFieldSet,
    PublishOutputData,
    PublishPackages,
    PublishProcesses,
    PublishRequest,
)
from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.process import InteractiveProcess
from pants.engine.rules import Get, collect_rules, rule
from pants.util.strutil import softwrap

# skopeo finds registry credentials through these (`skopeo login` writes them); nothing else
# from the environment reaches it.
CREDENTIAL_ENV = ("HOME", "XDG_RUNTIME_DIR", "REGISTRY_AUTH_FILE", "DOCKER_CONFIG")


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


def search_path(configured: list[str], env_path: str | None) -> tuple[str, ...]:
    """`[oci].skopeo_search_path` with `<PATH>` expanded, duplicates dropped."""
    paths: list[str] = []
    for entry in configured:
        expanded = (env_path or "").split(os.pathsep) if entry == "<PATH>" else [entry]
        paths += [p for p in expanded if p and p not in paths]
    return tuple(paths)


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
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(["PATH", *CREDENTIAL_ENV]))
    skopeo = await Get(
        BinaryPaths,
        BinaryPathRequest(
            binary_name="skopeo",
            search_path=search_path(list(oci.skopeo_search_path), env.get("PATH")),
        ),
    )
    if skopeo.first_path is None:
        raise OciPublishError(
            softwrap(
                f"""
                Cannot publish {address}: `skopeo` is not on `[oci].skopeo_search_path`
                ({', '.join(oci.skopeo_search_path)}). Install it (`apt-get install skopeo`)
                or point `[oci].skopeo_search_path` at it.
                """
            )
        )
    (package,) = request.packages
    layout = next(a.relpath for a in package.artifacts if a.relpath)
    process_env = {k: v for k, v in env.items() if k in CREDENTIAL_ENV}
    tags = sorted(set(field_set.image_tags.value or ()))
    return PublishProcesses(
        PublishPackages(
            names=(ref,),
            process=InteractiveProcess(
                copy_argv(skopeo.first_path.path, layout, tag, ref, oci.publish_args),
                env=process_env,
                input_digest=package.digest,
            ),
        )
        for tag, ref in zip(tags, refs)
    )


def rules():
    return [*collect_rules(), *PublishOciImageFieldSet.rules()]
