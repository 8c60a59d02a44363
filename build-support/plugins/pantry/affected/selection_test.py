from __future__ import annotations

from pantry.affected.global_inputs import global_input_for
from pantry.affected.selection import Seed, render, select

# lib <- svc <- svc_test ; lib <- other_test ; unrelated stands alone.
DEPENDENTS = {
    "libs/lib/a.py": ["services/svc/b.py", "libs/lib/test_a.py"],
    "services/svc/b.py": ["services/svc/test_b.py"],
}


def test_select_walks_transitive_dependents_with_shortest_chains() -> None:
    chains = select([Seed("libs/lib/a.py", "libs/lib/a.py changed")], DEPENDENTS)
    assert chains == {
        "libs/lib/a.py": ("libs/lib/a.py changed", "libs/lib/a.py"),
        "libs/lib/test_a.py": ("libs/lib/a.py changed", "libs/lib/a.py", "libs/lib/test_a.py"),
        "services/svc/b.py": ("libs/lib/a.py changed", "libs/lib/a.py", "services/svc/b.py"),
        "services/svc/test_b.py": (
            "libs/lib/a.py changed",
            "libs/lib/a.py",
            "services/svc/b.py",
            "services/svc/test_b.py",
        ),
    }


def test_a_leaf_change_selects_only_the_leaf() -> None:
    chains = select([Seed("services/svc/test_b.py", "edited")], DEPENDENTS)
    assert list(chains) == ["services/svc/test_b.py"]


def test_nothing_changed_selects_nothing() -> None:
    assert select([], DEPENDENTS) == {}


def test_the_nearest_seed_explains_a_target() -> None:
    chains = select(
        [Seed("libs/lib/a.py", "a changed"), Seed("services/svc/b.py", "b changed")], DEPENDENTS
    )
    assert chains["services/svc/test_b.py"] == (
        "b changed",
        "services/svc/b.py",
        "services/svc/test_b.py",
    )


def test_render_sorted_and_with_why() -> None:
    chains = select([Seed("services/svc/b.py", "b.py changed")], DEPENDENTS)
    assert render(chains, why=False) == ["services/svc/b.py", "services/svc/test_b.py"]
    assert render(chains, why=True) == [
        "services/svc/b.py: b.py changed → services/svc/b.py",
        "services/svc/test_b.py: b.py changed → services/svc/b.py → services/svc/test_b.py",
    ]


def test_global_inputs() -> None:
    assert global_input_for("pants.toml") is not None
    assert global_input_for("build-support/plugins/pantry/affected/rules.py") is not None
    assert global_input_for(".ci/run") is not None
    offline = global_input_for("pants.offline.toml")
    assert offline is not None and offline.reason == "the offline builds' Pants configuration"
    assert global_input_for("services/index/src/index/pants.toml") is None
    assert global_input_for("build-support/pluginsX/a.py") is None
    assert global_input_for("libs/shared/simplerepo/conftest.py") is None
