from __future__ import annotations

from pathlib import Path

import pytest
from pantry.oci.repin import RepinError, repin

OLD, NEW = "a" * 64, "b" * 64


def fake_apt_cache(stanzas: dict):
    return lambda name: stanzas.get(name, "")


def test_repin_rewrites_versions_and_keeps_header(tmp_path: Path) -> None:
    pins = tmp_path / "packages.lock"
    pins.write_text(f"# keep me\nlibc6 2.36-1 {OLD}\nzlib1g 1:1.2 {OLD}\n")
    show = fake_apt_cache(
        {
            "libc6": f"Package: libc6\nVersion: 2.36-2\nSHA256: {NEW}\nDescription: x\n more\n\n"
            f"Package: libc6\nVersion: 2.36-1\nSHA256: {OLD}\n",
            "zlib1g": f"Package: zlib1g\nVersion: 1:1.2\nSHA256: {OLD}\n",
        }
    )
    assert repin(str(pins), show) == ["libc6: 2.36-1 -> 2.36-2"]
    assert pins.read_text() == f"# keep me\nlibc6 2.36-2 {NEW}\nzlib1g 1:1.2 {OLD}\n"


def test_repin_unknown_package(tmp_path: Path) -> None:
    pins = tmp_path / "packages.lock"
    pins.write_text(f"nosuchpkg 1 {OLD}\n")
    with pytest.raises(RepinError, match="apt-cache knows no downloadable version of 'nosuchpkg'"):
        repin(str(pins), fake_apt_cache({}))
    assert pins.read_text() == f"nosuchpkg 1 {OLD}\n"  # untouched on error
