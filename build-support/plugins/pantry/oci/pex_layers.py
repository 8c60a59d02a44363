"""Split a built PEX into a third-party layer and a first-party layer (no Pants imports).

A PEX, whatever its layout, holds `.bootstrap/` (the pex runtime) and `.deps/` (the
service's slice of the lockfile) beside our own sources, `__main__.py` and `PEX-INFO`.
In the image the PEX is unpacked to a directory (a "loose" PEX that `python3.11 DIR`
runs), so `.bootstrap/` and `.deps/` form the third-party layer and the rest the
first-party layer: an edit to our code changes only the last layer.
"""

from __future__ import annotations

import os
import stat
import zipfile
from typing import Mapping

from pantry.oci.layout import Entry, normalize_path

THIRD_PARTY_PREFIXES = (".bootstrap/", ".deps/")


def is_third_party(relpath: str) -> bool:
    return relpath.startswith(THIRD_PARTY_PREFIXES)


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
    """The files of a packed or loose PEX directory."""
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


def split_pex(
    files: Mapping[str, Entry], install_dir: str
) -> tuple[dict[str, Entry], dict[str, Entry]]:
    """(third-party entries, first-party entries), each rooted at `install_dir` in the image."""
    prefix = normalize_path(install_dir)
    third_party: dict[str, Entry] = {}
    first_party: dict[str, Entry] = {}
    for relpath, entry in files.items():
        target = third_party if is_third_party(relpath) else first_party
        target[f"{prefix}/{relpath}"] = entry
    return third_party, first_party
