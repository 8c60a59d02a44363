from __future__ import annotations

import pytest
from simplerepo import (
    InvalidDistributionFilename,
    is_distribution_filename,
    parse_distribution_filename,
)


@pytest.mark.parametrize(
    "filename, expected",
    [
        ("requests-2.31.0-py3-none-any.whl", ("requests", "2.31.0")),
        ("Foo_Bar-1.0-py2.py3-none-any.whl", ("foo-bar", "1.0")),
        (
            "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            ("numpy", "1.26.4"),
        ),
        ("pkg-1.0-1-py3-none-any.whl", ("pkg", "1.0")),  # build tag
        ("zope.interface-6.1.tar.gz", ("zope-interface", "6.1")),
        ("foo-bar-2.0rc1.zip", ("foo-bar", "2.0rc1")),
        ("pkg-01.0.tar.gz", ("pkg", "1.0")),  # versions come back normalized
    ],
)
def test_parse_distribution_filename(filename: str, expected: tuple[str, str]) -> None:
    assert parse_distribution_filename(filename) == expected


@pytest.mark.parametrize(
    "filename, reason",
    [
        ("README.md", "the suffix is not .whl, .tar.gz or .zip"),
        ("pkg-1.0.tar.bz2", "the suffix is not .whl, .tar.gz or .zip"),
        ("-1.0.tar.gz", ""),
        ("pkg.tar.gz", "Invalid sdist filename"),
        ("pkg-notaversion.tar.gz", ""),
        ("pkg-1.0.whl", "Invalid wheel filename"),
        ("pkg-notaversion-py3-none-any.whl", ""),
        ("../pkg-1.0.tar.gz", "it contains a path separator"),
    ],
)
def test_invalid_filenames(filename: str, reason: str) -> None:
    with pytest.raises(InvalidDistributionFilename) as exc_info:
        parse_distribution_filename(filename)
    err = exc_info.value
    assert err.filename == filename
    assert reason in err.reason
    assert str(err).startswith(f"{filename!r} is not a distribution filename: ")
    assert "'example_pkg-1.0-py3-none-any.whl'" in str(err)


def test_empty_sdist_name_from_an_older_packaging(monkeypatch: pytest.MonkeyPatch) -> None:
    # The published wheel may meet packaging < 26.3, which parses "-1.0.tar.gz" as name "".
    from packaging.version import Version
    from simplerepo import filenames

    monkeypatch.setattr(filenames, "parse_sdist_filename", lambda _: ("", Version("1.0")))
    with pytest.raises(InvalidDistributionFilename) as exc_info:
        parse_distribution_filename("-1.0.tar.gz")
    assert exc_info.value.reason == "the project name is empty"


def test_is_distribution_filename() -> None:
    assert is_distribution_filename("a-1.whl")
    assert is_distribution_filename("a-1.tar.gz")
    assert not is_distribution_filename("a-1.whl.metadata")
