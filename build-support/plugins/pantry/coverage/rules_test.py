"""The hook: `./pants test --use-coverage` must build Pantry's collection, not Pants' own."""

from __future__ import annotations

from pathlib import Path

from pantry.coverage import register
from pantry.coverage.rules import PantryCoverageDataCollection
from pants.backend.python.goals import coverage_py, pytest_runner
from pants.core.goals.test import CoverageDataCollection
from pants.engine.unions import UnionMembership


def collection_the_test_goal_picks(rules) -> type:
    # As pants.core.goals.test.run_tests maps coverage data types to collections: the last
    # registered member for an element type wins.
    membership = UnionMembership.from_rules(r for r in rules if hasattr(r, "union_base"))
    picks: dict[type, type] = {}
    for collection in membership.get(CoverageDataCollection):
        # element_type is a ClassVar of Pants' generic collection, which mypy cannot resolve.
        picks[collection.element_type] = collection  # type: ignore[misc]
    return picks[coverage_py.PytestCoverageData]


def test_pantry_collection_wins_when_registered_after_the_python_backend() -> None:
    rules = [*pytest_runner.rules(), *coverage_py.rules(), *register.rules()]
    assert collection_the_test_goal_picks(rules) is PantryCoverageDataCollection
    # The check is real: in the other order Pants' merged report would be used.
    reversed_order = [*register.rules(), *pytest_runner.rules(), *coverage_py.rules()]
    assert (
        collection_the_test_goal_picks(reversed_order) is coverage_py.PytestCoverageDataCollection
    )


def test_pants_toml_loads_the_backend_after_pants_python() -> None:
    text = Path("pants.toml").read_text()
    assert text.index('"pants.backend.python",') < text.index('"pantry.coverage",')
