"""A CycloneDX 1.5 SBOM of an image's third-party projects, from the lockfile (no Pants imports).

The projects are the wheels a PEX carries in `.deps/` (the service's slice of the lockfile);
each one's hashes come from the Pants/pex lockfile (`3rdparty/python/default.lock`): the
sha256 of the very artifact installed (matched by file name), else of every artifact locked
for that version. The document has no timestamp and no random serial number, so the same
inputs give the same bytes.

Spec: https://cyclonedx.org/docs/1.5/json/ ; purl: https://github.com/package-url/purl-spec
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

# Where the SBOM lives in every image (in the third-party layer) and the manifest annotations
# that point at it.
SBOM_PATH = "/usr/share/doc/pantry/sbom.cdx.json"
ANNOTATION_SBOM_PATH = "dev.pantry.sbom.path"
ANNOTATION_SBOM_DIGEST = "dev.pantry.sbom.digest"
ANNOTATION_SBOM_FORMAT = "dev.pantry.sbom.format"
SBOM_FORMAT = "CycloneDX 1.5 JSON"

_WHEEL_RE = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")


class SbomError(Exception):
    """The lockfile cannot be read, or a project in the PEX is not in it."""


def canonical_name(name: str) -> str:
    """PEP 503: `Foo.Bar_baz` and `foo-bar-baz` name the same project."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class LockedProject:
    name: str
    version: str
    hashes: tuple[tuple[str, str], ...]  # (artifact file name, sha256), sorted


def parse_lock(text: str, path: str) -> dict[tuple[str, str], LockedProject]:
    """The locked projects of a Pants lockfile (a `//` header, then pex's lock JSON)."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("//"))
    try:
        data = json.loads(body)
        requirements = [
            r for resolve in data["locked_resolves"] for r in resolve["locked_requirements"]
        ]
    except (ValueError, KeyError, TypeError) as e:
        raise SbomError(f"{path}: not a Pants lockfile ({e})") from None
    projects: dict[tuple[str, str], LockedProject] = {}
    for requirement in requirements:
        name = canonical_name(requirement["project_name"])
        version = requirement["version"]
        hashes = {
            (posixpath.basename(a["url"]), a["hash"])
            for a in requirement.get("artifacts", ())
            if a.get("algorithm") == "sha256"
        }
        key = (name, version)
        previous = projects.get(key)
        if previous:
            hashes |= set(previous.hashes)
        projects[key] = LockedProject(name, version, tuple(sorted(hashes)))
    return projects


def wheel_project(filename: str) -> tuple[str, str]:
    """`packaging-26.3-py3-none-any.whl` -> ("packaging", "26.3")."""
    match = _WHEEL_RE.match(filename)
    if not match:
        raise SbomError(f"{filename!r} in the PEX's .deps/ is not a wheel file name")
    return canonical_name(match["name"]), match["version"].replace("_", "-")


def component(filename: str, lock: Mapping[tuple[str, str], LockedProject], path: str) -> dict:
    name, version = wheel_project(filename)
    project = lock.get((name, version))
    if project is None:
        raise SbomError(
            f"{filename} is in the PEX but {name}=={version} is not in {path}; the PEX was "
            "not built from this lockfile (regenerate it with `./pants generate-lockfiles`)"
        )
    exact = [h for artifact, h in project.hashes if artifact == filename]
    hashes = exact or sorted({h for _, h in project.hashes})
    return {
        "type": "library",
        "bom-ref": f"pkg:pypi/{name}@{version}",
        "name": name,
        "version": version,
        "purl": f"pkg:pypi/{name}@{version}",
        "hashes": [{"alg": "SHA-256", "content": h} for h in hashes],
    }


def cyclonedx(
    wheels: Iterable[str], lock: Mapping[tuple[str, str], LockedProject], lock_path: str, image: str
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
