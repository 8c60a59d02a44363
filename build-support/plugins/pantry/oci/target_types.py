"""`oci_base_image` (a distroless root file system from pinned Debian packages),
`oci_image` (a service's PEX on a base, as an OCI image layout, without a Dockerfile) and
`debian_tools` (outside programs from pinned Debian packages, for tests and goals)."""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from pants.core.goals.package import OutputPathField
from pants.engine.addresses import Address
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    BoolField,
    Dependencies,
    DictStringToStringField,
    DictStringToStringSequenceField,
    IntField,
    InvalidFieldException,
    SequenceField,
    SingleSourceField,
    StringField,
    StringSequenceField,
    Target,
)
from pants.util.frozendict import FrozenDict
from pants.util.strutil import help_text

USER_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$")
POSIX_USER_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
# The repository part of an image reference (distribution spec), optionally with a registry host.
REPOSITORY_RE = re.compile(
    r"^([A-Za-z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$"
)
TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def invalid(alias: str, address: Address, value: Any, why: str) -> InvalidFieldException:
    return InvalidFieldException(f"The `{alias}` field of {address} is {value!r}, but {why}.")


# --- oci_base_image ------------------------------------------------------------------------


class OciBaseImagePackagesField(SingleSourceField):
    alias = "packages"
    default = "packages.lock"
    required = False
    help = help_text(
        """
        The pins file: one `NAME VERSION SHA256` line per Debian package (the sha256 of the
        `.deb`), `#` comments allowed. Packages are fetched with `apt-get download NAME=VERSION`
        and checked against their sha256 before use. Re-pin every package to the versions the
        host's apt sources offer now with
        `./pants run build-support/plugins/pantry/oci:repin -- PATH/TO/packages.lock`.
        """
    )


class OciBaseImageUserField(StringField):
    alias = "user"
    default = "nonroot"
    value: str
    help = "The non-root user the base's /etc/passwd and /etc/group define (with `uid`)."

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> str:
        value = super().compute_value(raw_value, address)
        assert value is not None
        if not POSIX_USER_RE.match(value) or value == "root":
            raise invalid(
                cls.alias,
                address,
                value,
                "it must be a POSIX user name other than root, e.g. "
                "'nonroot' (lowercase letters, digits, '_' and '-')",
            )
        return value


class OciBaseImageUidField(IntField):
    alias = "uid"
    default = 65532
    value: int
    help = "The uid and gid of `user` (65532 is distroless' `nonroot`)."

    @classmethod
    def compute_value(cls, raw_value: Optional[int], address: Address) -> int:
        value = super().compute_value(raw_value, address)
        assert value is not None
        if not 0 < value < 2**31:
            raise invalid(cls.alias, address, value, "it must be between 1 and 2147483647")
        return value


class OciBaseImageTarget(Target):
    alias = "oci_base_image"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        OciBaseImagePackagesField,
        OciBaseImageUserField,
        OciBaseImageUidField,
    )
    help = help_text(
        """
        A distroless base image: the root file system of pinned Debian packages (no shell, no
        package manager), a CA bundle, /etc/passwd with one non-root user, and /tmp.
        Used as the `base` of `oci_image` targets.
        """
    )


# --- oci_image ------------------------------------------------------------------------------


class OciImageBaseField(StringField):
    alias = "base"
    required = True
    value: str
    help = help_text(
        "The address of the `oci_base_image` this image is built on, e.g. "
        "`//external/oci/python3.11`."
    )


class OciImageBinaryField(StringField):
    alias = "binary"
    required = True
    value: str
    help = help_text(
        """
        The address of the service's `pex_binary`. It is unpacked to `/app/<name>.pex` in the
        image, and the image's entrypoint runs it with the base's `python3.11`; its
        dependencies (`.deps/`, `.bootstrap/`) form the third-party layer, our code the
        first-party layer.
        """
    )


class OciImageCmdField(StringSequenceField):
    alias = "cmd"
    default = ()
    help = "Default arguments to the entrypoint (the image config's `Cmd`)."


class OciImageEnvField(DictStringToStringField):
    alias = "env"
    help = 'Environment variables of the image, e.g. `{"PORT": "8080"}`.'

    @classmethod
    def compute_value(
        cls, raw_value: Optional[dict[str, str]], address: Address
    ) -> Optional[FrozenDict[str, str]]:
        value = super().compute_value(raw_value, address)
        for key in value or {}:
            if not key or "=" in key:
                raise invalid(
                    cls.alias,
                    address,
                    key,
                    "an environment variable name may not be empty or contain '='",
                )
        return value


class OciImageUserField(StringField):
    alias = "user"
    default = "65532:65532"
    value: str
    help = help_text(
        """
        The user the image runs as: `USER`, `UID`, `USER:GROUP` or `UID:GID`. Non-root by
        default (65532 is the base's `nonroot`); running as root must be asked for by name.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> str:
        value = super().compute_value(raw_value, address)
        assert value is not None
        if not USER_RE.match(value):
            raise invalid(
                cls.alias,
                address,
                value,
                "it must be `USER`, `UID`, `USER:GROUP` or `UID:GID`, e.g. '65532:65532'",
            )
        return value


class OciImageWorkdirField(StringField):
    alias = "workdir"
    default = "/app"
    value: str
    help = "The working directory of the image's process (absolute)."

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> str:
        value = super().compute_value(raw_value, address)
        assert value is not None
        if not value.startswith("/"):
            raise invalid(cls.alias, address, value, "it must be an absolute path, e.g. '/app'")
        return value


class OciImageLabelsField(DictStringToStringField):
    alias = "labels"
    help = 'Labels of the image config, e.g. `{"org.opencontainers.image.title": "index"}`.'


class OciImagePortsField(SequenceField[int]):
    alias = "ports"
    default = ()
    expected_element_type = int
    expected_type_description = "a list of port numbers (e.g. [8080])"
    help = "TCP ports the service listens on (the image config's `ExposedPorts`)."

    @classmethod
    def compute_value(
        cls, raw_value: Optional[Iterable[int]], address: Address
    ) -> Optional[tuple[int, ...]]:
        value = super().compute_value(raw_value, address)
        for port in value or ():
            if not 1 <= port <= 65535:
                raise invalid(cls.alias, address, port, "a port must be between 1 and 65535")
        return value


class OciImageRepositoryField(StringField):
    alias = "repository"
    help = help_text(
        """
        Where `./pants publish` pushes the image (once per tag): `HOST[:PORT]/PATH`, e.g.
        `127.0.0.1:5000/pantry/index`, or a bare `PATH` pushed to `[oci].registry`. Defaults
        to the target's name.
        """
    )

    value: str

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> str:
        value = super().compute_value(raw_value, address)
        if value is not None and not REPOSITORY_RE.match(value):
            raise invalid(
                cls.alias,
                address,
                value,
                "it must be an image repository: lowercase path components separated by '/', "
                "optionally after a registry host, e.g. 'localhost:5000/pantry/index'",
            )
        # Packaging (the archive's tag names) and publishing must agree on this default.
        return value if value is not None else address.target_name


class OciImageTagsField(StringSequenceField):
    alias = "image_tags"
    default = ("latest",)
    help = "Tags of the image; each names the manifest in the layout's index.json."

    @classmethod
    def compute_value(
        cls, raw_value: Optional[Iterable[str]], address: Address
    ) -> Optional[tuple[str, ...]]:
        value = super().compute_value(raw_value, address)
        for tag in value or ():
            if not TAG_RE.match(tag):
                raise invalid(
                    cls.alias,
                    address,
                    tag,
                    "a tag is 1-128 of letters, digits, '_', '.' and '-', "
                    "not starting with '.' or '-'",
                )
        return value


class OciImageVolumesField(StringSequenceField):
    alias = "volumes"
    default = ()
    help = help_text(
        """
        Directories the service writes to, e.g. `["/data"]`: created in the image (first-party
        layer) owned by the base's non-root user, and listed as the config's `Volumes`, so
        `podman run -v NAME:/data` mounts over them.
        """
    )

    @classmethod
    def compute_value(
        cls, raw_value: Optional[Iterable[str]], address: Address
    ) -> Optional[tuple[str, ...]]:
        value = super().compute_value(raw_value, address)
        for path in value or ():
            parts = path.split("/")
            if not path.startswith("/") or path == "/" or ".." in parts:
                raise invalid(
                    cls.alias,
                    address,
                    path,
                    "a volume must be an absolute directory path other than '/', without "
                    "'..', e.g. '/data'",
                )
        return value


class OciImageArchiveField(BoolField):
    alias = "archive"
    default = False
    help = help_text(
        """
        Also write the image as an `oci-archive` tarball (`<output_path>.tar`, byte-reproducible)
        beside the layout directory, e.g. for `skopeo copy oci-archive:FILE.tar:latest ...`.
        """
    )


class OciImageSkipPushField(BoolField):
    alias = "skip_push"
    default = False
    help = "If true, `./pants publish` skips this image."


class OciImageDependenciesField(Dependencies):
    help = "Other dependencies; `base` and `binary` are added automatically."


class OciImageTarget(Target):
    alias = "oci_image"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        OciImageDependenciesField,
        OciImageBaseField,
        OciImageBinaryField,
        OciImageCmdField,
        OciImageEnvField,
        OciImageUserField,
        OciImageWorkdirField,
        OciImageLabelsField,
        OciImagePortsField,
        OciImageRepositoryField,
        OciImageTagsField,
        OciImageVolumesField,
        OciImageArchiveField,
        OciImageSkipPushField,
        OutputPathField,
    )
    help = help_text(
        """
        An OCI image built without a Dockerfile or a container engine: `./pants package` writes
        an OCI image layout directory (layers: base, third-party with a CycloneDX SBOM,
        first-party), byte-identical for the same inputs in any clone; `./pants publish`
        pushes it with skopeo to `repository`, once per tag.
        """
    )


# --- debian_tools ---------------------------------------------------------------------------

TOOL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


class DebianToolsPackagesField(SingleSourceField):
    alias = "packages"
    default = "packages.lock"
    required = False
    help = help_text(
        """
        The pins file: one `NAME VERSION SHA256` line per Debian package (the sha256 of the
        `.deb`): the programs' packages and the shared libraries they load that a minimal
        Debian host lacks. Fetched with `apt-get download NAME=VERSION`, checked against their
        sha256, unpacked with the standard library. Re-pin with
        `./pants run build-support/plugins/pantry/oci:repin -- PATH/TO/packages.lock`.
        """
    )


class DebianToolsBinariesField(DictStringToStringSequenceField):
    alias = "binaries"
    required = True
    help = help_text(
        """
        The programs to provide: a name, and the program's path in the packages followed by
        fixed arguments (`{root}` is the unpacked tree), e.g.
        `{"skopeo": ["usr/bin/skopeo", "--policy", "{root}/etc/containers/policy.json"]}`.
        Each becomes `bin/<name>` in the package, a script that runs the program with the
        tree's shared libraries (`LD_LIBRARY_PATH`).
        """
    )

    @classmethod
    def compute_value(
        cls, raw_value: Optional[dict[str, Iterable[str]]], address: Address
    ) -> Optional[FrozenDict[str, tuple[str, ...]]]:
        value = super().compute_value(raw_value, address)
        if not value:
            raise invalid(cls.alias, address, value, "it must name at least one program")
        for name, argv in value.items():
            if not TOOL_NAME_RE.match(name):
                raise invalid(
                    cls.alias, address, name, "a program name is a file name, e.g. 'skopeo'"
                )
            parts = argv[0].split("/") if argv else []
            if not argv or argv[0].startswith("/") or ".." in parts:
                raise invalid(
                    cls.alias,
                    address,
                    dict(value),
                    f"the program of {name!r} must be a relative path inside the packages "
                    "(then its fixed arguments), e.g. ['usr/bin/skopeo']",
                )
        return value


class DebianToolsTarget(Target):
    alias = "debian_tools"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        DebianToolsPackagesField,
        DebianToolsBinariesField,
        OutputPathField,
    )
    help = help_text(
        """
        Outside programs from pinned Debian packages, for tests and goals: `./pants package`
        writes `<output_path>/root/` (the packages, unpacked without dpkg) and
        `<output_path>/bin/<name>` per program. Tests get it through
        `runtime_package_dependencies`; `[oci].tools` names the one `./pants publish` runs
        skopeo from. Nothing is taken from the host's PATH.
        """
    )


def target_types():
    return [OciBaseImageTarget, OciImageTarget, DebianToolsTarget]
