from __future__ import annotations

import random

import pytest
from pantry.import_rules.cycles import (
    ProjectCycle,
    ProjectEdge,
    find_cycles,
    strongly_connected_groups,
)
from pantry.import_rules.violations import EdgeKind


def _edge(source: str, target: str, line: int = 1, path: str = "") -> ProjectEdge:
    return ProjectEdge(
        path=path or f"{source}/src/m.py",
        line=line,
        importer=f"{source}.m",
        kind=EdgeKind.PYTHON_IMPORT,
        imported=f"{target}.m",
        source=source,
        target=target,
    )


def test_no_cycle_in_a_layered_graph() -> None:
    edges = [_edge("svc", "lib"), _edge("lib", "base"), _edge("svc", "base"), _edge("a", "a")]
    assert find_cycles(edges) == ()


def test_two_projects_importing_each_other() -> None:
    a_to_b = _edge("libs/a", "libs/b", line=3)
    b_to_a = _edge("libs/b", "libs/a", line=5)
    (cycle,) = find_cycles([b_to_a, a_to_b])
    assert cycle == ProjectCycle(edges=(a_to_b, b_to_a), group=("libs/a", "libs/b"))
    assert cycle.projects == ("libs/a", "libs/b", "libs/a")
    assert cycle.baseline_entry == "project cycle: libs/a, libs/b"
    assert cycle.render() == (
        "libs/a/src/m.py:3: libs/a.m imports libs/b.m (libs/b) — project cycle: "
        "libs/a -> libs/b -> libs/a, back via libs/b/src/m.py:5: libs/b.m imports libs/a.m "
        "(libs/a)"
    )


def test_each_step_shows_its_first_edge_by_file_and_line() -> None:
    edges = [
        _edge("a", "b", line=9),
        _edge("a", "b", line=2, path="a/src/z.py"),
        _edge("a", "b", line=4),
        _edge("b", "a", line=7),
    ]
    (cycle,) = find_cycles(edges)
    assert [(e.path, e.line) for e in cycle.edges] == [("a/src/m.py", 4), ("b/src/m.py", 7)]


def test_a_longer_cycle_names_every_step() -> None:
    edges = [_edge("a", "b"), _edge("b", "c"), _edge("c", "a"), _edge("c", "d")]
    (cycle,) = find_cycles(edges)
    assert cycle.projects == ("a", "b", "c", "a")
    assert cycle.render() == (
        "a/src/m.py:1: a.m imports b.m (b) — project cycle: a -> b -> c -> a, back via "
        "b/src/m.py:1: b.m imports c.m (c), c/src/m.py:1: c.m imports a.m (a)"
    )


def test_a_tangle_is_one_problem_naming_all_its_projects() -> None:
    """a <-> b and b <-> c: one group, shown by its shortest cycle through `a`."""
    edges = [_edge("a", "b"), _edge("b", "a"), _edge("b", "c"), _edge("c", "b")]
    (cycle,) = find_cycles(edges)
    assert cycle.projects == ("a", "b", "a")
    assert cycle.group == ("a", "b", "c")
    assert cycle.baseline_entry == "project cycle: a, b, c"
    assert cycle.render().endswith(" (one tangle of 3 projects: a, b, c)")


def test_the_shortest_cycle_through_the_first_project_is_shown() -> None:
    edges = [
        _edge("a", "b"),
        _edge("b", "c"),
        _edge("c", "d"),
        _edge("d", "a"),
        _edge("a", "x"),
        _edge("x", "a"),
    ]
    (cycle,) = find_cycles(edges)
    assert cycle.projects == ("a", "x", "a")
    assert cycle.group == ("a", "b", "c", "d", "x")


def test_separate_cycles_are_separate_problems_sorted_by_file_and_line() -> None:
    edges = [_edge("y", "z"), _edge("z", "y"), _edge("a", "b", line=40), _edge("b", "a")]
    cycles = find_cycles(edges)
    assert [c.group for c in cycles] == [("a", "b"), ("y", "z")]


def test_the_result_does_not_depend_on_the_order_of_edges() -> None:
    edges = [
        _edge(s, t, line=i)
        for i, (s, t) in enumerate(
            [("a", "b"), ("b", "c"), ("c", "a"), ("c", "b"), ("d", "a"), ("a", "d"), ("e", "f")]
        )
    ]
    expected = find_cycles(edges)
    for seed in range(5):
        shuffled = list(edges)
        random.Random(seed).shuffle(shuffled)
        assert find_cycles(shuffled) == expected


@pytest.mark.parametrize(
    "successors, groups",
    [
        ({}, ()),
        ({"a": []}, (("a",),)),
        ({"a": ["b"], "b": []}, (("a",), ("b",))),
        ({"a": ["b"], "b": ["a"]}, (("a", "b"),)),
        (
            {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": ["e"], "e": ["d"]},
            (("a", "b", "c"), ("d", "e")),
        ),
    ],
)
def test_strongly_connected_groups(successors: dict, groups: tuple) -> None:
    assert strongly_connected_groups(successors) == groups


def test_long_chains_need_no_recursion() -> None:
    n = 5000
    ring = {f"p{i:05}": [f"p{(i + 1) % n:05}"] for i in range(n)}
    assert strongly_connected_groups(ring) == (tuple(sorted(ring)),)
