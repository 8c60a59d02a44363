"""Render and parse PEP 691 JSON pages, and negotiate HTML vs JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from simplerepo.models import (
    CoreMetadata,
    DistributionFile,
    ProjectList,
    ProjectPage,
    SimpleApiError,
    Yanked,
)
from simplerepo.names import normalize_name

API_VERSION = "1.0"
JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
HTML_LEGACY = "text/html"
MEDIA_TYPES = (JSON_V1, HTML_V1, HTML_LEGACY)


def _meta() -> dict[str, str]:
    return {"api-version": API_VERSION}


def render_project_list(project_list: ProjectList) -> str:
    """Render the root page as PEP 691 JSON."""
    projects = [{"name": name} for name in sorted(project_list.names, key=normalize_name)]
    return json.dumps({"meta": _meta(), "projects": projects}, sort_keys=True)


def _file_json(f: DistributionFile) -> dict[str, Any]:
    data: dict[str, Any] = {
        "filename": f.filename,
        "url": f.url,
        "hashes": dict(f.hashes),
    }
    if f.requires_python is not None:
        data["requires-python"] = f.requires_python
    if f.is_yanked:
        data["yanked"] = f.yanked
    if f.core_metadata is not False:
        data["core-metadata"] = f.core_metadata
    return data


def render_project_page(page: ProjectPage) -> str:
    """Render a project page as PEP 691 JSON."""
    files = [_file_json(f) for f in page.files]
    return json.dumps({"meta": _meta(), "name": page.name, "files": files}, sort_keys=True)


def _load(text: str | bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as e:
        raise SimpleApiError(f"{what}: not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise SimpleApiError(f"{what}: expected a JSON object, got {type(data).__name__}")
    version = _get(data, "meta", dict, what).get("api-version")
    if not isinstance(version, str) or version.split(".")[0] != "1":
        raise SimpleApiError(f"{what}: unsupported meta.api-version {version!r}; expected 1.x")
    return data


_JSON_TYPE_NAMES = {bool: "boolean", str: "string", dict: "object", list: "array"}


def _get(data: dict[str, Any], key: str, kind: Any, where: str, default: Any = ...) -> Any:
    """data[key] if it has type `kind`; a missing key is an error unless defaulted."""
    if key not in data and default is not ...:
        return default
    value = data.get(key)
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        expected = " or ".join(_JSON_TYPE_NAMES.get(k, "null") for k in kinds)
        raise SimpleApiError(f"{where}: {key!r} must be {expected}, got {value!r}")
    return value


def parse_project_list(text: str | bytes) -> ProjectList:
    """Parse a PEP 691 root page; raises SimpleApiError if it is malformed."""
    data = _load(text, "project list")
    projects = _get(data, "projects", list, "project list")
    names = []
    for i, project in enumerate(projects):
        if not isinstance(project, dict):
            raise SimpleApiError(f"project list: projects[{i}] must be an object")
        names.append(_get(project, "name", str, f"project list: projects[{i}]"))
    return ProjectList(tuple(names))


def _parse_file(item: Any, where: str) -> DistributionFile:
    if not isinstance(item, dict):
        raise SimpleApiError(f"{where} must be an object, got {item!r}")
    yanked: Yanked = _get(item, "yanked", (bool, str), where, False)
    # PEP 714: prefer the new key, fall back to the pre-714 one.
    metadata_key = "core-metadata" if "core-metadata" in item else "dist-info-metadata"
    core_metadata: CoreMetadata = _get(item, metadata_key, (bool, dict), where, False)
    return DistributionFile(
        filename=_get(item, "filename", str, where),
        url=_get(item, "url", str, where),
        hashes=dict(_get(item, "hashes", dict, where)),
        requires_python=_get(item, "requires-python", (str, type(None)), where, None),
        yanked=yanked,
        core_metadata=core_metadata,
    )


def parse_project_page(text: str | bytes) -> ProjectPage:
    """Parse a PEP 691 project page; raises SimpleApiError if it is malformed."""
    data = _load(text, "project page")
    files = _get(data, "files", list, "project page")
    return ProjectPage(
        name=_get(data, "name", str, "project page"),
        files=tuple(_parse_file(item, f"project page: files[{i}]") for i, item in enumerate(files)),
    )


def _accept_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media_range, *params = (p.strip() for p in part.split(";"))
        if not media_range:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        # PEP 691: "latest" aliases the newest version this server speaks.
        media_range = media_range.lower().replace(".simple.latest+", ".simple.v1+")
        ranges.append((media_range, quality))
    return ranges


def _specificity(media_range: str, media_type: str) -> int:
    """0 = no match, 1 = */*, 2 = type/*, 3 = exact."""
    if media_range == media_type:
        return 3
    if media_range == "*/*":
        return 1
    if media_range.endswith("/*") and media_type.startswith(media_range[:-1]):
        return 2
    return 0


def negotiate(accept: str | None, offered: Sequence[str] = MEDIA_TYPES) -> str | None:
    """Pick the media type to serve for an Accept header, or None (send 406).

    The most specific matching range sets each type's quality; ties go to the
    earliest type in `offered`. No Accept header means text/html (PEP 691).
    """
    if not accept or not accept.strip():
        return HTML_LEGACY if HTML_LEGACY in offered else offered[0]
    ranges = _accept_ranges(accept)
    best_quality, chosen = 0.0, None
    for media_type in offered:
        matches = [(_specificity(r, media_type), q) for r, q in ranges]
        specificity, quality = max(matches, default=(0, 0.0))
        if specificity and quality > best_quality:
            best_quality, chosen = quality, media_type
    return chosen
