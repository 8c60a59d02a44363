"""Render a lock as a pip-tools `--generate-hashes` style file, for consumers outside Pants.

Every locked project becomes `name==version` followed by one `--hash=` line per artifact
(wheels and sdist alike), so pip's hash-checking mode accepts whichever file it picks for
its platform:

    black==25.11.0 \\
        --hash=sha256:0c0f... \\
        --hash=sha256:1032...

The lock is universal (every platform and Python in the resolve), so the file lists a
superset of what any one machine installs, without environment markers. Use it as
`pip install --require-hashes --no-deps -r constraints.txt` for an exact copy of the locked
set, or `pip install -c constraints.txt ...` to pin whatever a project requires.
"""

from __future__ import annotations

from typing import Mapping

from pantry.errors import PantryError
from pantry.lockfile.lock_model import LockedProject

# The hash algorithms pip's `--hash` accepts (`pip._internal.utils.hashes.STRONG_HASHES`).
PIP_HASH_ALGORITHMS = ("sha256", "sha384", "sha512")


class UnsupportedHashError(PantryError, ValueError):
    """An artifact in the lock pinned with a hash algorithm pip cannot check."""


def render_constraints(
    projects: Mapping[str, LockedProject], *, lock_path: str, resolve: str, command: str
) -> str:
    """The whole file: a header saying where it comes from, then one entry per project."""
    lines = [
        "#",
        f"# This file is generated from {lock_path} (resolve `{resolve}`) in pip-tools'",
        "# --generate-hashes format. Do not edit it by hand; to regenerate it, run:",
        "#",
        f"#    {command}",
        "#",
    ]
    for name in sorted(projects):
        lines.extend(_entry(projects[name], lock_path))
    return "\n".join(lines) + "\n"


def _entry(project: LockedProject, lock_path: str) -> list[str]:
    hashes = []
    for artifact in project.artifacts:
        if artifact.algorithm not in PIP_HASH_ALGORITHMS:
            raise UnsupportedHashError(
                f"{lock_path}: {project.name} {project.version} pins {artifact.filename} with "
                f"{artifact.algorithm!r}, which pip cannot check (it accepts "
                f"{', '.join(PIP_HASH_ALGORITHMS)}). Regenerate the lock with "
                "`./pants generate-lockfiles`."
            )
        hashes.append(f"--hash={artifact.algorithm}:{artifact.hash}")
    pin = f"{project.name}=={project.version}"
    if not hashes:
        return [pin]
    hash_lines = sorted(set(hashes))
    return [
        f"{pin} \\",
        *(f"    {line} \\" for line in hash_lines[:-1]),
        f"    {hash_lines[-1]}",
    ]
