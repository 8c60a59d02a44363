from __future__ import annotations

import json

import pytest
from adopt.merge import (
    MAPPING_COMMENT,
    Declared,
    ModuleMappingError,
    add_module_mapping,
    locked_versions,
    narrow_inputs,
    pin_differences,
    plan_merge,
    read_inputs,
    render_additions,
)
from adopt.requirements import parse_requirement
from pantry.lockfile.lock_model import LockfileParseError

INPUTS = {
    "runtime.txt": "# runtime\npackaging>=23\nrequests>=2.30\n",
    "test.txt": "pytest>=8,<9\n",
    "tools.txt": "coverage[toml]>=7.4\n",
}
LOCKED = {
    "packaging": "26.3",
    "requests": "2.32.5",
    "pytest": "8.4.2",
    "idna": "3.20",
    "coverage": "7.10.7",
}


def declared(text: str, kind: str = "runtime") -> Declared:
    return Declared(parse_requirement(text), "pyproject.toml", kind)


def plan(*items: Declared, self_name: str = ""):
    return plan_merge(items, read_inputs(INPUTS, "3rdparty/python"), LOCKED, self_name=self_name)


def test_new_requirements_go_to_their_file() -> None:
    result = plan(declared("attrs>=22"), declared("hypothesis", "test"))
    assert [str(d.requirement) for d in result.added["runtime.txt"]] == ["attrs>=22"]
    assert [str(d.requirement) for d in result.added["test.txt"]] == ["hypothesis"]
    assert result.conflicts == [] and result.changes_inputs


def test_compatible_requirement_of_ours_is_satisfied_not_added() -> None:
    result = plan(declared("packaging>=20"), declared("pytest>=6", "test"))
    assert not result.changes_inputs
    assert [(str(d.requirement), o.where) for d, o in result.satisfied] == [
        ("packaging>=20", "3rdparty/python/runtime.txt:2"),
        ("pytest>=6", "3rdparty/python/test.txt:1"),
    ]


def test_exact_pin_that_disagrees_is_a_conflict_with_both_sides() -> None:
    result = plan(declared("requests==2.0"))
    (conflict,) = result.conflicts
    assert conflict.render() == (
        "requests: adoptee wants requests==2.0 (pyproject.toml); we have requests>=2.30 "
        "(3rdparty/python/runtime.txt:3), locked 2.32.5 — the specifiers are disjoint"
    )
    assert conflict.fix.startswith("fix: widen ours in 3rdparty/python/runtime.txt:3 if")
    assert not result.changes_inputs


def test_overlapping_specifier_that_excludes_the_locked_version_narrows_ours() -> None:
    result = plan(declared("packaging>=23,<24"))
    assert result.conflicts == [] and result.changes_inputs
    ((ours, narrowed, _),) = result.narrowed
    assert (ours.where, str(narrowed)) == ("3rdparty/python/runtime.txt:2", "packaging<24,>=23")


def test_a_project_we_lock_transitively_is_added_and_may_move() -> None:
    # idna 3.20 is locked (a dependency of requests): their idna<3 is added, the relock moves it.
    result = plan(declared("idna<3"))
    assert result.conflicts == []
    assert [str(d.requirement) for d in result.added["runtime.txt"]] == ["idna<3"]


def test_missing_extras_are_a_conflict() -> None:
    (conflict,) = plan(declared("requests[socks]>=2")).conflicts
    assert conflict.reason == "it needs extras ['socks'] ours lacks"
    assert plan(declared("coverage[toml]")).conflicts == []


def test_runtime_wins_over_test_and_self_is_skipped() -> None:
    result = plan(
        declared("attrs", "test"), declared("attrs>=1"), declared("Me", "test"), self_name="me"
    )
    assert [str(d.requirement) for d in result.added["runtime.txt"]] == ["attrs>=1"]
    assert result.added["test.txt"] == []


def test_locked_versions_reads_a_pants_lock() -> None:
    body = {
        "locked_resolves": [
            {
                "locked_requirements": [
                    {"project_name": "Foo_Bar", "version": "1.2", "artifacts": []}
                ]
            }
        ]
    }
    lock = "// header\n//   more\n" + json.dumps(body)
    assert locked_versions(lock) == {"foo-bar": "1.2"}
    assert locked_versions("// only a header\n") == {}
    with pytest.raises(LockfileParseError, match=r"^3rdparty/python/default.lock: not a pex lock"):
        locked_versions("// header\n{}")


def test_render_additions_appends_under_a_comment() -> None:
    text = render_additions("packaging>=23", [declared("attrs>=22")], "libs/shared/x")
    assert (
        text
        == "packaging>=23\n# Adopted with libs/shared/x (build-support/bin/adopt).\nattrs>=22\n"
    )
    assert render_additions("a\n", [], "x") == "a\n"


def test_narrow_inputs_replaces_the_line_and_says_why() -> None:
    text = narrow_inputs("# c\npackaging>=23\n", 2, parse_requirement("packaging<24,>=23"), "x/y")
    assert text.splitlines()[1:] == [
        "# Narrowed for x/y (build-support/bin/adopt): the locked version was outside its "
        "requirement.",
        "packaging<24,>=23",
    ]


def test_pin_differences_lists_upstream_pins_our_lock_does_not_have() -> None:
    preferences = {"idna": ("3.7", "requirements.txt"), "pytest": ("8.4.2", "requirements.txt")}
    assert pin_differences(preferences, LOCKED) == ["idna 3.7 (requirements.txt) -> 3.20"]


REQUIREMENTS_BUILD = """\
# Requirement inputs.
python_requirements(name="runtime", source="runtime.txt")
python_requirements(name="test", source="test.txt")
"""


def test_module_mapping_is_added_to_the_target_of_the_input_file() -> None:
    once = add_module_mapping(
        REQUIREMENTS_BUILD, "runtime.txt", {"google-api-core": ["google.api_core"]}
    )
    twice = add_module_mapping(
        once,
        "runtime.txt",
        {"zope-interface": ["zope.interface"], "google-api-core": ["google.api_core"]},
    )
    assert twice == (
        "# Requirement inputs.\n" + MAPPING_COMMENT + "python_requirements(\n"
        '    name="runtime",\n'
        '    source="runtime.txt",\n'
        "    module_mapping={\n"
        '        "google-api-core": ["google.api_core"],\n'
        '        "zope-interface": ["zope.interface"],\n'
        "    },\n"
        ")\n"
        'python_requirements(name="test", source="test.txt")\n'
    )
    assert add_module_mapping(REQUIREMENTS_BUILD, "test.txt", {}) == REQUIREMENTS_BUILD


def test_module_mapping_needs_the_target() -> None:
    with pytest.raises(
        ModuleMappingError, match="no python_requirements target with source='x.txt'"
    ):
        add_module_mapping(REQUIREMENTS_BUILD, "x.txt", {"a-b": ["a.b"]})
