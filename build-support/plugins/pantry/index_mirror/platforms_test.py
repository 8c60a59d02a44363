from __future__ import annotations

import pytest
from pantry.index_mirror.pins import Pin
from pantry.index_mirror.platforms import PlatformError, parse_python, select_for_pythons

LINUX = ["manylinux_2_17_x86_64", "manylinux2014_x86_64", "linux_x86_64"]
PYTHONS = [(3, 9), (3, 13)]


def pin(project: str, filename: str) -> Pin:
    return Pin(project, "1.0", filename[:8].ljust(64, "0"), "x.lock", filename, "u")


def names(pins: tuple[Pin, ...]) -> list[str]:
    return sorted(p.filename or "" for p in pins)


def test_keeps_fitting_wheels_and_drops_other_platforms() -> None:
    pins = [
        pin("fast", "fast-1.0-cp39-cp39-manylinux_2_17_x86_64.whl"),
        pin("fast", "fast-1.0-cp313-cp313-manylinux_2_17_x86_64.whl"),
        pin("fast", "fast-1.0-cp39-cp39-win_amd64.whl"),
        pin("fast", "fast-1.0-cp311-cp311-macosx_11_0_arm64.whl"),
        pin("fast", "fast-1.0.tar.gz"),
        pin("pure", "pure-1.0-py3-none-any.whl"),
        pin("pure", "pure-1.0.tar.gz"),
    ]
    selected, left_out = select_for_pythons(pins, PYTHONS, LINUX)
    assert names(selected) == [
        "fast-1.0-cp313-cp313-manylinux_2_17_x86_64.whl",
        "fast-1.0-cp39-cp39-manylinux_2_17_x86_64.whl",
        "pure-1.0-py3-none-any.whl",
    ]
    assert len(left_out) == 4


def test_sdist_kept_when_no_wheel_fits_one_python() -> None:
    pins = [
        pin("old", "old-1.0-cp39-cp39-manylinux_2_17_x86_64.whl"),
        pin("old", "old-1.0.tar.gz"),
        pin("abi", "abi-1.0-cp39-abi3-manylinux2014_x86_64.whl"),
        pin("abi", "abi-1.0.tar.gz"),
    ]
    selected, _ = select_for_pythons(pins, PYTHONS, LINUX)
    # 3.13 has no `old` wheel: pip builds the sdist; the abi3 wheel serves 3.9 and 3.13.
    assert names(selected) == [
        "abi-1.0-cp39-abi3-manylinux2014_x86_64.whl",
        "old-1.0-cp39-cp39-manylinux_2_17_x86_64.whl",
        "old-1.0.tar.gz",
    ]


@pytest.mark.parametrize("value", ["3", "2.7", "3.x", "3.11.2"])
def test_parse_python_errors(value: str) -> None:
    with pytest.raises(PlatformError, match=r"\[index-mirror\].pythons: .* like '3.11'"):
        parse_python(value)


def test_parse_python() -> None:
    assert parse_python("3.13") == (3, 13)
