from __future__ import annotations

import zipfile
from pathlib import Path

from pantry.oci.layout import Entry
from pantry.oci.pex_layers import pex_files, split_pex

PEX = {
    "__main__.py": b"main",
    "PEX-INFO": b"{}",
    ".bootstrap/pex/pex.py": b"pex",
    ".deps/packaging-23.whl/packaging/__init__.py": b"pkg",
    "index/cli.py": b"cli",
}


def test_zipapp_and_directory_pex_split_the_same(tmp_path: Path) -> None:
    zipapp = tmp_path / "x.pex"
    with open(zipapp, "wb") as f:
        f.write(b"#!/usr/bin/env python3\n")  # a PEX zipapp starts with a shebang
    with zipfile.ZipFile(zipapp, "a") as archive:
        for name, data in PEX.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o755 if name == "__main__.py" else 0o644) << 16
            archive.writestr(info, data)
    directory = tmp_path / "packed.pex"
    for name, data in PEX.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(data)
    (directory / "__main__.py").chmod(0o755)

    for source in (zipapp, directory):
        third, first = split_pex(pex_files(str(source)), "/app/x.pex")
        assert sorted(third) == [
            "app/x.pex/.bootstrap/pex/pex.py",
            "app/x.pex/.deps/packaging-23.whl/packaging/__init__.py",
        ]
        assert sorted(first) == [
            "app/x.pex/PEX-INFO",
            "app/x.pex/__main__.py",
            "app/x.pex/index/cli.py",
        ]
        assert first["app/x.pex/__main__.py"] == Entry.file(b"main", executable=True)
        assert first["app/x.pex/index/cli.py"] == Entry.file(b"cli")
