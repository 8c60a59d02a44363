"""A CycloneDX 1.5 SBOM of an image's third-party projects, from the lockfile (no Pants imports).

The projects are the wheels a PEX carries in `.deps/` (the service's slice of the lockfile);
each one's hashes come from the Pants/pex lockfile (`3rdparty/python/default.lock`, read by
`pantry.lockfile.lock_model`, which ships into the builder's sandbox with this module): the
sha256 of the very artifact installed (matched by file name), else of every sha256 artifact
locked for that version. The document has no timestamp and no random serial number, so the same
inputs give the same bytes.

Spec: https://cyclonedx.org/docs/1.5/json/ ; purl: https://github.com/package-url/purl-spec
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from pantry.lockfile.lock_model import LockedProject, normalize_name

# Where the SBOM lives in every image (in the third-party layer) and the manifest annotations
# that point at it.
SBOM_PATH = "/usr/share/doc/pantry/sbom.cdx.json"
ANNOTATION_SBOM_PATH = "dev.pantry.sbom.path"
ANNOTATION_SBOM_DIGEST = "dev.pantry.sbom.digest"
ANNOTATION_SBOM_FORMAT = "dev.pantry.sbom.format"
SBOM_FORMAT = "CycloneDX 1.5 JSON"

_WHEEL_RE = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")


class SbomError(Exception):
    """A project in the PEX is not in the lockfile (a bad lock: `LockfileParseError`)."""


def wheel_project(filename: str) -> tuple[str, str]:
    """`packaging-26.3-py3-none-any.whl` -> ("packaging", "26.3")."""
    match = _WHEEL_RE.match(filename)
    if not match:
        raise SbomError(f"{filename!r} in the PEX's .deps/ is not a wheel file name")
    return normalize_name(match["name"]), match["version"].replace("_", "-")


def component(filename: str, lock: Mapping[str, LockedProject], path: str) -> dict:
    """One library component; `lock` is `lock_model.parse_lock`'s result."""
    name, version = wheel_project(filename)
    project = lock.get(name)
    if project is None or project.version != version:
        raise SbomError(
            f"{filename} is in the PEX but {name}=={version} is not in {path}; the PEX was "
            "not built from this lockfile (regenerate it with `./pants generate-lockfiles`)"
        )
    sha256s = [(a.filename, a.hash) for a in project.artifacts if a.algorithm == "sha256"]
    exact = [h for artifact, h in sha256s if artifact == filename]
    hashes = exact or sorted({h for _, h in sha256s})
    return {
        "type": "library",
        "bom-ref": f"pkg:pypi/{name}@{version}",
        "name": name,
        "version": version,
        "purl": f"pkg:pypi/{name}@{version}",
        "hashes": [{"alg": "SHA-256", "content": h} for h in hashes],
    }


def cyclonedx(
    wheels: Iterable[str], lock: Mapping[str, LockedProject], lock_path: str, image: str
) -> dict:
    """The SBOM of an image whose PEX holds `wheels` (the `.deps/` entry names)."""
    components = sorted(
        (component(w, lock, lock_path) for w in set(wheels)), key=lambda c: c["bom-ref"]
    )
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "component": {"type": "application", "bom-ref": image, "name": image},
            "tools": {"components": [{"type": "application", "name": "pantry.oci"}]},
        },
        "components": components,
        "dependencies": [
            {"ref": image, "dependsOn": [c["bom-ref"] for c in components]},
        ],
    }


def deps_wheels(relpaths: Iterable[str]) -> list[str]:
    """The wheel directory names under a PEX's `.deps/`."""
    return sorted(
        {p.split("/")[1] for p in relpaths if p.startswith(".deps/") and p.count("/") >= 2}
    )
