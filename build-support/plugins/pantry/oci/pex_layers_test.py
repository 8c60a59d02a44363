from __future__ import annotations

import zipfile
from pathlib import Path

from pantry.oci.layout import Entry
from pantry.oci.pex_layers import directory_files, pex_files, rooted

PEX = {
    "__main__.py": b"main",
    "PEX-INFO": b"{}",
    ".bootstrap/pex/pex.py": b"pex",
    ".deps/packaging-23.whl/packaging/__init__.py": b"pkg",
}


def test_zipapp_and_directory_pex_give_the_same_files(tmp_path: Path) -> None:
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
        files = rooted(pex_files(str(source)), "/app/x.pex")
        assert sorted(files) == sorted(f"app/x.pex/{name}" for name in PEX)
        assert files["app/x.pex/__main__.py"] == Entry.file(b"main", executable=True)
        assert files["app/x.pex/PEX-INFO"] == Entry.file(b"{}")


def test_sources_keep_their_package_paths(tmp_path: Path) -> None:
    (tmp_path / "index").mkdir()
    (tmp_path / "index/cli.py").write_text("cli")
    (tmp_path / "index/link.py").symlink_to("cli.py")
    files = rooted(directory_files(str(tmp_path)), "/app/index.pex")
    assert files == {
        "app/index.pex/index/cli.py": Entry.file(b"cli"),
        "app/index.pex/index/link.py": Entry.symlink("cli.py"),
    }
