"""OCI images without Dockerfiles: `oci_base_image`, `oci_image`; `package` writes a layout,
`publish` pushes it with skopeo; `debian_tools` provides skopeo and the other OCI tools."""

from pantry.oci import target_types as oci_target_types
from pantry.oci.goals import package_debian_tools, package_image, publish
from pantry.oci.util_rules import archive, debian_tools, dependencies, layers, oci_tool


def target_types():
    return oci_target_types.target_types()


def rules():
    return [
        *package_image.rules(),
        *package_debian_tools.rules(),
        *publish.rules(),
        *archive.rules(),
        *debian_tools.rules(),
        *dependencies.rules(),
        *layers.rules(),
        *oci_tool.rules(),
    ]
