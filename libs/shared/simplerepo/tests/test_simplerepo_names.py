from __future__ import annotations

import pytest
from simplerepo import is_valid_name, normalize_name


@pytest.mark.parametrize(
    "name, expected",
    [
        ("requests", "requests"),
        ("Django", "django"),
        ("zope.interface", "zope-interface"),
        ("Foo_Bar", "foo-bar"),
        ("foo--bar", "foo-bar"),
        ("Foo.-_Bar", "foo-bar"),
        ("ruamel.yaml.clib", "ruamel-yaml-clib"),
        ("a", "a"),
    ],
)
def test_normalize_name(name: str, expected: str) -> None:
    assert normalize_name(name) == expected


@pytest.mark.parametrize("name", ["a", "A1", "foo-bar", "zope.interface", "x_y.z-1"])
def test_valid_names(name: str) -> None:
    assert is_valid_name(name)


@pytest.mark.parametrize("name", ["", "-foo", "foo-", ".foo", "foo bar", "foo/bar", "föö"])
def test_invalid_names(name: str) -> None:
    assert not is_valid_name(name)
