"""A version from the git history, as setuptools_scm and hatch-vcs compute it.

Projects whose version is `dynamic` (setuptools_scm, hatch-vcs) have none in their files: it
is the nearest release tag. At a tag the version is the tag's (`v1.4.0` -> `1.4.0`); N
commits past it, setuptools_scm's default "guess-next-dev" scheme bumps the last release
segment and adds `.devN` (`1.4.1.dev3`); the local `+g<hash>` part is left out (a wheel we
publish cannot carry it). Tags that are not PEP 440 versions are skipped.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from adopt.requirements import RequirementError, parse_version

_DESCRIBE = re.compile(r"^(?P<tag>.+)-(?P<distance>\d+)-g(?P<hash>[0-9a-f]+)$")


def version_from_describe(describe: str) -> tuple[str, str]:
    """(version, how) from `git describe --tags --long` output; ("", why not) if unusable."""
    match = _DESCRIBE.match(describe.strip())
    if not match:
        return "", f"git describe said {describe.strip()!r}"
    tag, distance = match["tag"], int(match["distance"])
    try:
        version = parse_version(re.sub(r"^[A-Za-z_-]*(?=\d)", "", tag))
    except RequirementError:
        return "", f"the nearest tag {tag!r} is not a PEP 440 version"
    if distance == 0:
        return str(version), f"tag {tag}"
    release = list(version.release)
    release[-1] += 1
    bumped = ".".join(map(str, release))
    return f"{bumped}.dev{distance}", f"{distance} commits after tag {tag}, as setuptools_scm"


def scm_version(git_dir: Path) -> tuple[str, str]:
    result = subprocess.run(
        ["git", "-C", str(git_dir), "describe", "--tags", "--long", "--abbrev=12"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        return "", "no tag in the git history"
    return version_from_describe(result.stdout)
