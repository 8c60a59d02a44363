from __future__ import annotations

from pantry.lockfile.freshness import (
    DeclaredRequirement,
    Staleness,
    duplicate_declarations,
    regenerate_command,
    render_duplicates,
    render_staleness,
)

LOCK = "3rdparty/python/default.lock"


def test_fresh_lock_is_not_stale() -> None:
    assert not Staleness("python-default", LOCK).is_stale


def test_render_pairs_changes_by_project_and_sorts() -> None:
    staleness = Staleness(
        resolve="python-default",
        lock_path=LOCK,
        undeclared_in_lock=(
            DeclaredRequirement("requests>=2.30", "3rdparty/python:runtime#requests"),
            DeclaredRequirement("Pytest>=9", "3rdparty/python:test#pytest"),
        ),
        no_longer_declared=("twine>=5", "pytest<9,>=8"),
        interpreter_constraints=("CPython<3.15,>=3.9", "CPython<3.14,>=3.9"),
    )
    assert staleness.is_stale
    assert render_staleness(staleness) == (
        "3rdparty/python/default.lock is stale: the resolve `python-default` was locked from "
        "different inputs than are declared now.\n"
        "  - changed: `Pytest>=9` (3rdparty/python:test#pytest); the lock has `pytest<9,>=8`\n"
        "  - added: `requests>=2.30` (3rdparty/python:runtime#requests); not in the lock\n"
        "  - removed: `twine>=5` is in the lock but declared nowhere\n"
        "  - interpreter constraints: `CPython<3.15,>=3.9` now; the lock was made for "
        "`CPython<3.14,>=3.9`\n"
        "Regenerate the lock (this resolves against the package index): "
        "./pants generate-lockfiles --resolve=python-default\n"
        "then review the result with `./pants lock-diff`."
    )


def test_render_for_consumed_requirements_without_origin() -> None:
    staleness = Staleness(
        resolve="python-default",
        lock_path=LOCK,
        undeclared_in_lock=(DeclaredRequirement("pytest>=9"),),
        no_longer_declared=("pytest<9,>=8",),
    )
    message = render_staleness(staleness, bin_name="pants", consumed=True)
    assert "than are consumed here now.\n" in message
    assert "  - changed: `pytest>=9`; the lock has `pytest<9,>=8`\n" in message
    assert message.endswith(
        "pants generate-lockfiles --resolve=python-default\n"
        "then review the result with `pants lock-diff`."
    )


def test_regenerate_command() -> None:
    assert regenerate_command("r") == "./pants generate-lockfiles --resolve=r"


def test_duplicate_declarations_across_inputs() -> None:
    duplicates = duplicate_declarations(
        [
            DeclaredRequirement("pytest<8", "3rdparty/python:tools#pytest"),
            DeclaredRequirement("idna>=3", "3rdparty/python:runtime#idna"),
            DeclaredRequirement("pytest>=8,<9", "3rdparty/python:test#pytest"),
            DeclaredRequirement("Coverage[toml]", "3rdparty/python:test#coverage"),
            DeclaredRequirement("coverage", "3rdparty/python:tools#coverage"),
        ]
    )
    assert [d.name for d in duplicates] == ["coverage", "pytest"]
    assert render_duplicates("python-default", duplicates) == (
        "The resolve `python-default` declares a project in more than one place:\n"
        "  - coverage: `Coverage[toml]` (3rdparty/python:test#coverage), `coverage` "
        "(3rdparty/python:tools#coverage)\n"
        "  - pytest: `pytest<8` (3rdparty/python:tools#pytest), `pytest>=8,<9` "
        "(3rdparty/python:test#pytest)\n"
        "Declare each project once, in the requirements file for its purpose (runtime, test or "
        "tools), then regenerate the lock."
    )


def test_no_duplicates() -> None:
    assert duplicate_declarations([DeclaredRequirement("a"), DeclaredRequirement("b")]) == ()
