from __future__ import annotations

from pantry.lockfile.diff_table import render_diff, render_table
from pantry.lockfile.lock_analysis import LockDiff, VersionChange
from pantry.lockfile.lock_model import LockedProject


def locked(name: str, version: str) -> LockedProject:
    return LockedProject(name=name, version=version, artifacts=(), requires_dists=())


def test_render_diff_table_and_count() -> None:
    diff = LockDiff(
        added=(locked("requests", "2.32.5"),),
        removed=(locked("py", "1.11.0"),),
        upgraded=(VersionChange("black", "24.1.0", "25.11.0"), VersionChange("zipp", "3.0", "3.1")),
        downgraded=(VersionChange("idna", "3.10", "3.9"),),
        artifacts_changed=("cffi",),
    )
    assert render_diff(diff, resolve="python-default", old_label="abc1234", new_label="HEAD") == (
        "Lockfile changes in resolve `python-default`: abc1234 -> HEAD\n"
        "\n"
        "| change            | project  | from   | to      |\n"
        "|-------------------|----------|--------|---------|\n"
        "| upgraded          | black    | 24.1.0 | 25.11.0 |\n"
        "| upgraded          | zipp     | 3.0    | 3.1     |\n"
        "| downgraded        | idna     | 3.10   | 3.9     |\n"
        "| added             | requests |        | 2.32.5  |\n"
        "| removed           | py       | 1.11.0 |         |\n"
        "| artifacts changed | cffi     |        |         |\n"
        "\n"
        "6 projects changed: 2 upgraded, 1 downgraded, 1 added, 1 removed, "
        "1 with changed artifacts.\n"
    )


def test_render_diff_single_change_is_singular() -> None:
    diff = LockDiff(upgraded=(VersionChange("idna", "3.9", "3.10"),))
    assert render_diff(diff, resolve="r", old_label="a", new_label="b").endswith(
        "\n1 project changed: 1 upgraded.\n"
    )


def test_render_empty_diff() -> None:
    assert render_diff(LockDiff(), resolve="r", old_label="main", new_label="working tree") == (
        "Lockfile changes in resolve `r`: main -> working tree\n\nNo locked project changed.\n"
    )


def test_render_table_without_rows() -> None:
    assert render_table(("a", "bb"), []) == "| a | bb |\n|---|----|\n"
