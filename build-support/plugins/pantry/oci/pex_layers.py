"""Files of a service's two PEX layers (no Pants imports).

The third-party layer is a PEX built from the service's `pex_binary` without its sources:
`.bootstrap/` (the pex runtime), `.deps/` (the service's slice of the lockfile), `__pex__/`,
`__main__.py` and `PEX-INFO`. The first-party layer is our own sources, stripped of their
source roots. In the image both land in one directory (a "loose" PEX that `python3.11 DIR`
runs, with its root on `sys.path`), so an edit to our code rebuilds only the small last
layer, and not even the PEX.
"""

from __future__ import annotations

import os
import stat
import zipfile
from typing import Mapping

from pantry.oci.layout import Entry, normalize_path


def zipapp_files(path: str) -> dict[str, Entry]:
    """The files of a zipapp PEX (a zip with a shebang line in front)."""
    files: dict[str, Entry] = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            mode = (info.external_attr >> 16) & 0o777
            files[normalize_path(info.filename)] = Entry.file(
                archive.read(info), executable=bool(mode & 0o111)
            )
    return files


def directory_files(root: str) -> dict[str, Entry]:
    """The files of a directory: a packed or loose PEX, or a tree of sources."""
    files: dict[str, Entry] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in filenames:
            full = os.path.join(dirpath, filename)
            relpath = normalize_path(os.path.relpath(full, root))
            if os.path.islink(full):
                files[relpath] = Entry.symlink(os.readlink(full))
                continue
            with open(full, "rb") as f:
                data = f.read()
            files[relpath] = Entry.file(data, executable=bool(os.stat(full).st_mode & stat.S_IXUSR))
    return files


def pex_files(path: str) -> dict[str, Entry]:
    return directory_files(path) if os.path.isdir(path) else zipapp_files(path)


def rooted(files: Mapping[str, Entry], install_dir: str) -> dict[str, Entry]:
    """`files` placed under `install_dir` in the image."""
    prefix = normalize_path(install_dir)
    return {f"{prefix}/{relpath}": entry for relpath, entry in files.items()}
