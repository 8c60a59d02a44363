"""A Pants pex lockfile as data: the one reader of `3rdparty/python/default.lock` and its kin.

Standard library only, on purpose: besides the backends that run inside Pants (`lockfile`,
`affected`, `index_mirror`), the OCI image builder imports it in its sandbox (the SBOM's
hashes, `pantry.oci.sbom`), where no third-party package exists. What needs `packaging`
(versions, requirements, markers: diffs and closures) is in `lock_analysis`.

Stable API:

- `parse_lock(text, source=...) -> dict[str, LockedProject]`, keyed by normalized name.
- `split_header(text) -> (header, body)`: Pants' `//` metadata header and the pex JSON.
- `iter_artifacts(projects)`: every (project, artifact) pair.
- `normalize_name(name)`: PEP 503 (the same as `packaging.utils.canonicalize_name`, which
  cannot be imported here; a test pins the two together).

Bad input raises `LockfileParseError`, whose message names the file, what is wrong and how
to fix it.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import unquote, urlparse

from pantry.errors import PantryError

HEADER_PREFIX = "//"
_TOP = "the top level"


class LockfileParseError(PantryError, ValueError):
    """A lockfile that is not a pex lock Pants wrote (or that was edited by hand)."""


@dataclass(frozen=True, order=True)
class Artifact:
    """One downloadable file of a locked project, as the lock pins it."""

    url: str
    algorithm: str
    hash: str

    @property
    def filename(self) -> str:
        """The file's name, unquoted (`foo-1.0%2Bx-py3-none-any.whl` is `foo-1.0+x-...`)."""
        return unquote(posixpath.basename(urlparse(self.url).path))


@dataclass(frozen=True)
class LockedProject:
    """One project pinned by the lock. `name` is normalized (PEP 503)."""

    name: str
    version: str
    artifacts: tuple[Artifact, ...]
    requires_dists: tuple[str, ...]


def normalize_name(name: str) -> str:
    """PEP 503 normalization: `Jaraco.Classes` and `jaraco_classes` are `jaraco-classes`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def split_header(text: str) -> tuple[str, str]:
    """Split a lockfile into Pants' leading `//` comment header and the pex JSON body.

    The header is returned verbatim (with its trailing newlines) so a rewritten lock can keep
    it. The body keeps its own text unchanged.
    """
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines) and (
        lines[index].lstrip().startswith(HEADER_PREFIX) or not lines[index].strip()
    ):
        index += 1
    return "".join(lines[:index]), "".join(lines[index:])


def parse_lock(text: str, source: str = "<lockfile>") -> dict[str, LockedProject]:
    """Parse a Pants pex lockfile into `{normalized name: LockedProject}`, sorted by name.

    A lock with several locked resolves (pex's `strict`/`sources` styles, one per platform)
    merges them: artifacts are united, and the same project at two versions is an error,
    since then "the pinned version" has no single answer.
    """
    header, body = split_header(text)
    # Blank lines instead of the header, so JSON error line numbers are the file's.
    padded = "\n" * header.count("\n") + body
    try:
        data = json.loads(padded)
    except json.JSONDecodeError as e:
        raise LockfileParseError(
            f"{source}:{e.lineno}: not a pex lockfile: {e.msg} (column {e.colno}). "
            "Restore it from version control or regenerate it with "
            "`./pants generate-lockfiles`."
        ) from None
    resolves = _field(data, "locked_resolves", list, source, _TOP)
    projects: dict[str, LockedProject] = {}
    for resolve_index, resolve in enumerate(resolves):
        where = f"locked_resolves[{resolve_index}]"
        if not isinstance(resolve, dict):
            raise _shape_error(source, where, "an object", resolve)
        for req_index, raw in enumerate(
            _field(resolve, "locked_requirements", list, source, where)
        ):
            project = _parse_project(raw, source, f"{where}.locked_requirements[{req_index}]")
            previous = projects.get(project.name)
            if previous is not None:
                project = _merge(previous, project, source)
            projects[project.name] = project
    return dict(sorted(projects.items()))


# --- parsing helpers -------------------------------------------------------------------------


def _field(data: Any, key: str, kind: type, source: str, where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise LockfileParseError(
            f"{source}: not a pex lockfile: {where} has no {key!r}. Restore it from version "
            "control or regenerate it with `./pants generate-lockfiles`."
        )
    value = data[key]
    if not isinstance(value, kind):
        path = f"{where}.{key}" if where != _TOP else key
        raise _shape_error(source, path, f"a JSON {_JSON_KIND[kind]}", value)
    return value


_JSON_KIND: dict[type, str] = {list: "array", dict: "object", str: "string"}


def _shape_error(source: str, where: str, expected: str, value: object) -> LockfileParseError:
    return LockfileParseError(
        f"{source}: not a pex lockfile: {where} should be {expected}, not {value!r}. Restore it "
        "from version control or regenerate it with `./pants generate-lockfiles`."
    )


def _parse_project(raw: Any, source: str, where: str) -> LockedProject:
    if not isinstance(raw, dict):
        raise _shape_error(source, where, "an object", raw)
    name = _field(raw, "project_name", str, source, where)
    version = _field(raw, "version", str, source, where)
    where = f"{where} ({name} {version})"
    artifacts = []
    for index, artifact in enumerate(_field(raw, "artifacts", list, source, where)):
        at = f"{where}.artifacts[{index}]"
        artifacts.append(
            Artifact(
                url=_field(artifact, "url", str, source, at),
                algorithm=_field(artifact, "algorithm", str, source, at),
                hash=_field(artifact, "hash", str, source, at),
            )
        )
    requires = raw.get("requires_dists", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise _shape_error(source, f"{where}.requires_dists", "an array of strings", requires)
    return LockedProject(
        name=normalize_name(name),
        version=version,
        artifacts=tuple(sorted(artifacts)),
        requires_dists=tuple(requires),
    )


def _merge(first: LockedProject, second: LockedProject, source: str) -> LockedProject:
    if first.version != second.version:
        raise LockfileParseError(
            f"{source}: {first.name} is locked at both {first.version} and {second.version} "
            "(in different locked resolves). Pantry expects one version per project: generate "
            'the lock with `lock_style = "universal"` (the Pants default).'
        )
    return LockedProject(
        name=first.name,
        version=first.version,
        artifacts=tuple(sorted(set(first.artifacts) | set(second.artifacts))),
        requires_dists=tuple(dict.fromkeys(first.requires_dists + second.requires_dists)),
    )


def iter_artifacts(projects: Iterable[LockedProject]) -> Iterable[tuple[LockedProject, Artifact]]:
    """Every (project, artifact) pair, in name then artifact order."""
    for project in sorted(projects, key=lambda p: p.name):
        for artifact in project.artifacts:
            yield project, artifact
