from __future__ import annotations

import pytest
from adopt.requirements import (
    RequirementError,
    Version,
    canonical_name,
    parse_requirement,
    requirement_lines,
    satisfiable_together,
)


@pytest.mark.parametrize(
    "text, name, extras, specifier, marker",
    [
        ("requests", "requests", (), "", ""),
        ("requests>=2.30,<3", "requests", (), ">=2.30,<3", ""),
        ("coverage[toml] >= 7.4", "coverage", ("toml",), ">=7.4", ""),
        ("tomli>=2; python_version < '3.11'", "tomli", (), ">=2", "python_version < '3.11'"),
        ("Foo_Bar (==1.0)", "Foo_Bar", (), "==1.0", ""),
        ("zope.interface~=5.4", "zope.interface", (), "~=5.4", ""),
    ],
)
def test_parse_requirement(text, name, extras, specifier, marker) -> None:
    requirement = parse_requirement(text)
    assert (requirement.name, requirement.extras, requirement.specifier, requirement.marker) == (
        name,
        extras,
        specifier,
        marker,
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("pkg @ https://example.invalid/pkg.whl", "direct URL requirements are not supported"),
        ("pkg>=1.0 !!bad", "bad version specifier"),
        ("pkg>=one", "not a PEP 440 version: 'one'"),
        ("!!", "not a PEP 508 requirement"),
    ],
)
def test_parse_requirement_refuses(text, message) -> None:
    with pytest.raises(RequirementError, match=message):
        parse_requirement(text)


def test_canonical_name() -> None:
    assert canonical_name("Foo_Bar.baz") == canonical_name("foo-bar-baz") == "foo-bar-baz"


@pytest.mark.parametrize(
    "lower, higher",
    [
        ("1.0", "1.0.1"),
        ("1.0.dev0", "1.0a1"),
        ("1.0a1", "1.0b1"),
        ("1.0rc1", "1.0"),
        ("1.0", "1.0.post1"),
        ("1.9", "1.10"),
        ("2!0.1", "2!1.0"),
        ("1!0", "2!0"),
    ],
)
def test_version_order(lower, higher) -> None:
    assert Version.parse(lower) < Version.parse(higher)


def test_trailing_zeros_are_equal() -> None:
    assert Version.parse("2.0").key == Version.parse("2.0.0").key


@pytest.mark.parametrize(
    "spec, version, expected",
    [
        ("pkg>=2,<3", "2.5", True),
        ("pkg>=2,<3", "3.0", False),
        ("pkg==2.*", "2.9.1", True),
        ("pkg==2.*", "3.0", False),
        ("pkg!=2.1.*", "2.1.4", False),
        ("pkg~=2.2", "2.9", True),
        ("pkg~=2.2", "3.0", False),
        ("pkg~=2.2.1", "2.3", False),
        ("pkg==1.0", "1.0.0", True),
        ("pkg", "0.1", True),
    ],
)
def test_contains(spec, version, expected) -> None:
    assert parse_requirement(spec).contains(Version.parse(version)) is expected


@pytest.mark.parametrize(
    "ours, theirs, overlap",
    [
        ("requests>=2.30", "requests==2.0", False),
        ("requests>=2.30", "requests>=2", True),
        ("pkg<2", "pkg>=2", False),
        ("pkg<=2", "pkg>=2", True),
        ("pkg>1.0", "pkg<1.0.1", True),  # 1.0.0.0.0.1 and friends
        ("pkg==1.*", "pkg==2.*", False),
        ("pkg~=1.4", "pkg>=1.9", True),
        ("pkg~=1.4", "pkg>=2", False),
        ("pkg!=1.0", "pkg==1.0", False),
        ("pkg>=8,<9", "pkg>=6", True),
        ("pkg", "pkg===1.0", True),
        ("pkg>=2", "pkg===1.0", False),
    ],
)
def test_satisfiable_together(ours, theirs, overlap) -> None:
    found = satisfiable_together(parse_requirement(ours), parse_requirement(theirs))
    assert (found is not None) is overlap


def test_requirement_lines_skip_comments_and_options() -> None:
    text = "# header\n\npytest>=8  # why\n-r other.txt\n--hash=sha256:00\nidna\n"
    assert list(requirement_lines(text)) == [(3, "pytest>=8"), (6, "idna")]
