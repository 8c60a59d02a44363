"""Fixture repositories that run the real, pinned Pants through the real ./pants launcher.

An integration test runs in a sandbox that holds the build root's files at their paths; it
copies what it needs into a temporary repository and runs ./pants there. These are the parts
every such test needs: the launcher, the [pex-cli] pin, and an environment for the child.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Mapping

# What the nested launcher and Pants read from the environment, passed on when set: the
# launcher's and Pants' caches (so a nested run is warm), pyenv's interpreters, index proxy.
PASSED_ENV = (
    "PANTRY_CACHE_DIR",
    "XDG_CACHE_HOME",
    "PANTRY_INDEX_URL",
    "PANTRY_PANTS_PYTHON",
    "PANTRY_BUILDGRID_PYTHON",
)


def pants_toml_section(text: str, name: str) -> str:
    """The body of the `[name]` table of a pants.toml text, without its header line."""
    header = f"[{name}]\n"
    if header not in text:
        raise ValueError(f"pants.toml has no [{name}] table")
    return text.split(header, 1)[1].split("\n[", 1)[0].strip()


def copy_into(repo: Path, source: str | Path, destination: str | None = None) -> None:
    """Copy a build-root file to the same path (or `destination`) in `repo`, mode included."""
    target = repo / (destination or str(source))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    shutil.copymode(source, target)


def install_launcher(repo: Path, build_root: Path = Path(".")) -> None:
    """The ./pants launcher and its pins, so `repo` starts the same pinned Pants."""
    copy_into(repo, build_root / "pants", "pants")
    for source in sorted((build_root / "build-support" / "launcher").glob("*.*")):
        copy_into(repo, source, str(source.relative_to(build_root)))


def launcher_env(environ: Mapping[str, str] = os.environ, **extra: str) -> dict[str, str]:
    """Only what ./pants needs (no PANTS_* or PIP_* of the outer run), plus `extra`."""
    home = environ.get("HOME") or os.path.expanduser("~")
    env = {
        "PATH": environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "PYENV_ROOT": environ.get("PYENV_ROOT") or os.path.join(home, ".pyenv"),
    }
    env.update({name: environ[name] for name in PASSED_ENV if environ.get(name)})
    return {**env, **extra}
