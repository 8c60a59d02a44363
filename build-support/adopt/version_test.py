from __future__ import annotations

import pytest
from adopt.version import version_from_describe


@pytest.mark.parametrize(
    "describe, version",
    [
        ("v1.4.0-0-gabcdef012345", "1.4.0"),
        ("2024.10.21-0-gabcdef012345", "2024.10.21"),
        ("v1.4.0-3-gabcdef012345", "1.4.1.dev3"),
        ("release-2.0-1-gabc", "2.1.dev1"),
        ("nightly-0-gabc", ""),
        ("garbage", ""),
    ],
)
def test_version_from_describe(describe: str, version: str) -> None:
    assert version_from_describe(describe)[0] == version
