"""What the repository pins: every artifact of its pex locks and hash-pinned requirement files.

Engine-free. A pex lock (`3rdparty/python/default.lock`, the plugins' lock) names each
artifact's URL and sha256. A pip requirements file with `--hash` options (the launcher's
`pants-requirements.txt`, `pex-requirements.txt`, ...) names only `name==version` and the
allowed sha256s: the artifact is whichever file of that version on the source index has one
of those hashes (`Pin.url` is None until `index_client` finds it).
"""

from __future__ import annotations

import json
import posixpath
import re
import warnings
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import unquote, urlparse

from packaging.utils import canonicalize_name  # pants: no-infer-dep
from pantry.errors import PantryError

with warnings.catch_warnings():
    # Pants' own packaging (21.3) calls pyparsing APIs that its pinned pyparsing deprecates:
    # a page of warnings on every ./pants run, about code that is not ours.
    warnings.simplefilter("ignore", DeprecationWarning)
    from packaging.requirements import InvalidRequirement, Requirement  # pants: no-infer-dep


class PinsError(PantryError):
    """A lock or requirements file that cannot be read; the message says where and how to fix."""


@dataclass(frozen=True)
class Pin:
    """One artifact (a wheel or an sdist) pinned by a file of the repository."""

    project: str  # canonical name
    version: str
    sha256: str
    source: str  # the file that pins it, with a line number for requirements files
    filename: str | None = None  # None: a requirements-file pin not yet found on the index
    url: str | None = None


@dataclass(frozen=True)
class HashPinned:
    """`name==version` with its allowed sha256s, from a requirements file."""

    project: str
    version: str
    sha256s: tuple[str, ...]
    source: str


def pins_from_pex_lock(text: str, source: str) -> tuple[Pin, ...]:
    """Every artifact of every locked requirement of a pex (Pants) JSON lock."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    try:
        lock = json.loads(body)
    except ValueError as error:
        raise PinsError(
            f"{source}: not a pex JSON lock ({error}); regenerate it with "
            "`./pants generate-lockfiles`."
        ) from None
    pins = []
    for resolve in lock.get("locked_resolves", []):
        for locked in resolve.get("locked_requirements", []):
            project = canonicalize_name(locked["project_name"])
            for artifact in locked.get("artifacts", []):
                if artifact.get("algorithm", "sha256") != "sha256":
                    raise PinsError(
                        f"{source}: {project} {locked['version']}: artifact hash algorithm "
                        f"{artifact.get('algorithm')!r} is not sha256; regenerate the lock."
                    )
                url = artifact["url"]
                pins.append(
                    Pin(
                        project=project,
                        version=locked["version"],
                        sha256=artifact["hash"],
                        source=source,
                        filename=unquote(posixpath.basename(urlparse(url).path)),
                        url=url,
                    )
                )
    return tuple(pins)


_HASH = re.compile(r"--hash[=\s]+sha256:([0-9a-fA-F]{64})")


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """(first line number, line) with backslash continuations joined and comments dropped."""
    start = 0
    parts: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0] if not raw.lstrip().startswith("#") else ""
        if not parts:
            start = number
        if line.rstrip().endswith("\\"):
            parts.append(line.rstrip()[:-1])
            continue
        parts.append(line)
        joined = " ".join(part.strip() for part in parts).strip()
        parts = []
        if joined:
            yield start, joined


def hash_pinned_requirements(text: str, source: str) -> tuple[HashPinned, ...]:
    """The `name==version --hash=sha256:...` entries of a pip requirements file.

    Every entry must be pinned exactly and carry at least one sha256 (pip's
    `--require-hashes` mode), or the file cannot say which artifact to mirror.
    """
    entries = []
    for line_number, line in _logical_lines(text):
        where = f"{source}:{line_number}"
        if line.startswith("-"):
            raise PinsError(
                f"{where}: option line {line.split()[0]!r} is not supported in a hash-pinned "
                "requirements file; list `name==version --hash=sha256:...` entries only."
            )
        requirement_text = _HASH.sub("", line).strip()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                requirement = Requirement(requirement_text)
        except InvalidRequirement as error:
            raise PinsError(f"{where}: invalid requirement {requirement_text!r}: {error}") from None
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==" or "*" in specifiers[0].version:
            raise PinsError(
                f"{where}: {requirement_text!r} is not pinned to one version; write "
                f"`{requirement.name}==VERSION --hash=sha256:...`."
            )
        hashes = tuple(h.lower() for h in _HASH.findall(line))
        if not hashes:
            raise PinsError(
                f"{where}: {requirement_text!r} has no --hash=sha256:...; add the hash of each "
                "artifact (`pip hash FILE`)."
            )
        entries.append(
            HashPinned(
                project=canonicalize_name(requirement.name),
                version=specifiers[0].version,
                sha256s=hashes,
                source=where,
            )
        )
    return tuple(entries)


def dedupe(pins: Iterable[Pin]) -> tuple[Pin, ...]:
    """One pin per file (the first source that names it), sorted by project and filename.

    Two pins of one filename with different sha256s are a contradiction in the repository.
    """
    by_name: dict[str, Pin] = {}
    for pin in pins:
        key = (pin.filename or f"{pin.project}=={pin.version}#{pin.sha256}").lower()
        seen = by_name.get(key)
        if seen is None:
            by_name[key] = pin
        elif pin.filename and seen.sha256 != pin.sha256:
            raise PinsError(
                f"{pin.filename} is pinned with two different sha256s: {seen.sha256} by "
                f"{seen.source} and {pin.sha256} by {pin.source}; make the files agree."
            )
    return tuple(sorted(by_name.values(), key=lambda p: (p.project, p.filename or "", p.sha256)))
