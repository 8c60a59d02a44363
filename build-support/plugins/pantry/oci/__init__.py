"""OCI images without Dockerfiles or engines: `oci_base_image` and `oci_image` targets."""
