"""OCI images without Dockerfiles: `oci_base_image`, `oci_image`; `package` writes a layout,
`publish` pushes it with skopeo; `debian_tools` provides skopeo and the other OCI tools."""

from pantry.oci import debian_tools as oci_debian_tools
from pantry.oci import publish as oci_publish
from pantry.oci import rules as oci_rules
from pantry.oci import target_types as oci_target_types


def target_types():
    return oci_target_types.target_types()


def rules():
    return [*oci_rules.rules(), *oci_publish.rules(), *oci_debian_tools.rules()]
