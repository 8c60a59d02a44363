from __future__ import annotations

import pytest
from pantry.lockfile.lock_analysis import (
    LockDiff,
    VersionChange,
    dependency_closure,
    diff_locks,
    marker_may_hold,
    parse_requirement,
    version_key,
)
from pantry.lockfile.lock_model import LockfileParseError, parse_lock
from pantry.lockfile.lock_model_test import COVERAGE, PYTEST, TOMLI, lock_text, project


def test_diff_locks_classifies_every_change_sorted() -> None:
    old = parse_lock(
        lock_text(
            project("zipp", "3.0"),
            project("black", "24.1.0"),
            project("idna", "3.10"),
            project("click", "8.1.8", hashes=("aa",)),
            project("gone", "1.0"),
            project("alpha-gone", "1.0"),
            project("same", "1.0"),
        )
    )
    new = parse_lock(
        lock_text(
            project("zipp", "3.1"),
            project("black", "25.11.0"),
            project("idna", "3.9"),
            project("click", "8.1.8", hashes=("aa", "bb")),
            project("new", "0.1"),
            project("a-new", "2.0"),
            project("same", "1.0"),
        )
    )
    diff = diff_locks(old, new)
    assert [p.name for p in diff.added] == ["a-new", "new"]
    assert [p.name for p in diff.removed] == ["alpha-gone", "gone"]
    assert diff.upgraded == (
        VersionChange("black", "24.1.0", "25.11.0"),
        VersionChange("zipp", "3.0", "3.1"),
    )
    # 3.10 -> 3.9 is a downgrade by PEP 440, though "3.9" > "3.10" as text.
    assert diff.downgraded == (VersionChange("idna", "3.10", "3.9"),)
    assert diff.artifacts_changed == ("click",)
    assert diff.changed_names == {
        "a-new",
        "new",
        "alpha-gone",
        "gone",
        "black",
        "zipp",
        "idna",
        "click",
    }
    assert not diff.is_empty


def test_diff_of_identical_locks_is_empty() -> None:
    projects = parse_lock(lock_text(COVERAGE, TOMLI))
    assert diff_locks(projects, projects) == LockDiff()
    assert diff_locks(projects, projects).is_empty


def test_diff_ignores_equal_versions_spelled_differently() -> None:
    old = project("x", "1.0", hashes=("aa",))
    new = {**old, "version": "1.0.0"}
    assert diff_locks(parse_lock(lock_text(old)), parse_lock(lock_text(new))).is_empty


@pytest.mark.parametrize(
    "lower, higher",
    [
        ("1.9", "1.10"),
        ("2.0rc1", "2.0"),
        ("2.0.dev1", "2.0a1"),
        ("2.0a1", "2.0b1"),
        ("2.0", "2.0.post1"),
        ("2.0", "2.0+local"),
        ("1!0.1", "1!0.2"),
        ("2026.10.18", "1!0.1"),
        ("not a version", "0.0.1"),
    ],
)
def test_version_key_orders_like_pep_440(lower: str, higher: str) -> None:
    assert version_key(lower) < version_key(higher)


def test_version_key_ignores_trailing_zeros() -> None:
    assert version_key("1.0") == version_key("1.0.0") == version_key("1")


@pytest.mark.parametrize(
    "requirement, expected",
    [
        (
            "pytest",
            {"pytest", "iniconfig", "pluggy", "exceptiongroup"},
        ),
        (
            # Extras select their dependencies; other markers count as true.
            "pytest[dev]>=8",
            {"pytest", "iniconfig", "pluggy", "exceptiongroup", "pygments", "requests"},
        ),
        ("coverage", {"coverage"}),
        ("coverage[toml]", {"coverage", "tomli"}),
        ("Coverage[TOML]>=7.4 ; python_version >= '3.9'", {"coverage", "tomli"}),
        ("not-locked", set()),
    ],
)
def test_dependency_closure(requirement: str, expected: set[str]) -> None:
    projects = parse_lock(
        lock_text(
            PYTEST,
            COVERAGE,
            TOMLI,
            project("iniconfig", "2.1.0"),
            project("pluggy", "1.6.0", 'pytest; extra == "testing"'),
            project("exceptiongroup", "1.3.1", 'typing-extensions>=4.6; python_version < "3.13"'),
            project("pygments", "2.21.0", 'colorama>=0.4.6; extra == "windows-terminal"'),
            # requests is in the lock but its own dependency is not: skipped, not an error.
            project("requests", "2.32.5", "urllib3<3,>=1.21.1"),
        )
    )
    assert dependency_closure(projects, requirement) == expected


def test_dependency_closure_follows_extras_reached_later_and_cycles() -> None:
    projects = parse_lock(
        lock_text(
            project("a", "1", "b", "c"),
            project("b", "1", "d"),
            project("c", "1", "d[extra]", "a"),
            project("d", "1", 'e; extra == "extra"'),
            project("e", "1"),
        )
    )
    assert dependency_closure(projects, "a") == {"a", "b", "c", "d", "e"}
    assert dependency_closure(projects, "b") == {"b", "d"}


@pytest.mark.parametrize(
    "text, name, extras, marker",
    [
        ("black", "black", set(), ""),
        ("isort[colors]>=5.13", "isort", {"colors"}, ""),
        ("zope.interface [ A_B , c ]", "zope-interface", {"a-b", "c"}, ""),
        ('tomli>=2; python_version < "3.11"', "tomli", set(), 'python_version < "3.11"'),
        # packaging renders the marker with double quotes.
        ("pkg @ https://x/pkg.whl;a=1 ; extra == 'x'", "pkg", set(), 'extra == "x"'),
    ],
)
def test_parse_requirement(text: str, name: str, extras: set[str], marker: str) -> None:
    requirement = parse_requirement(text)
    assert (requirement.name, requirement.extras, requirement.marker) == (name, extras, marker)


def test_parse_requirement_rejects_garbage() -> None:
    with pytest.raises(LockfileParseError, match=r"Not a requirement: '>=1\.0'"):
        parse_requirement(">=1.0")


@pytest.mark.parametrize(
    "marker, extras, expected",
    [
        ('extra == "toml"', {"toml"}, True),
        ('extra == "toml"', set(), False),
        ("'toml' == extra", {"toml"}, True),
        ('extra == "Dev_Tools"', {"dev-tools"}, True),
        ('python_version < "3.11"', set(), True),
        ('python_full_version <= "3.11.0a6" and extra == "toml"', set(), False),
        ('python_full_version <= "3.11.0a6" and extra == "toml"', {"toml"}, True),
        ('(extra == "a" or extra == "b") and sys_platform == "win32"', {"b"}, True),
        ('(extra == "a" or extra == "b") and sys_platform == "win32"', {"c"}, False),
        ('extra != "a"', set(), True),
        ("this is ((( not a marker", set(), True),
    ],
)
def test_marker_may_hold(marker: str, extras: set[str], expected: bool) -> None:
    assert marker_may_hold(marker, frozenset(extras)) is expected
