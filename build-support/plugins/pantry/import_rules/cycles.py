"""Project-level cycles: projects that import each other, directly or through others.

Every reference between two different projects is an edge (a Python import, an explicit
BUILD dependency, a Terraform module source), allowed by the rules or not: two libraries
may each import the other under rules 4 and 5, yet neither can then be built, tested or
released without the other. Each strongly connected group of projects is one problem,
reported as one line anchored at the first edge of the shortest cycle through the group's
first project (by name), followed by the edges that close it:

    libs/internal/a/src/a/x.py:3: a.x imports b.y (libs/internal/b)
        — project cycle: libs/internal/a -> libs/internal/b -> libs/internal/a,
        back via libs/internal/b/src/b/y.py:5: b.y imports a.z (libs/internal/a)

(one line, wrapped here). Each edge shown is the first, by file and line, of its pair of
projects. When more projects are tangled than the cycle shows, the line names them all:
`(one tangle of 5 projects: infra, libs/internal/flags, ...)`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from .violations import EdgeKind

CYCLE_ENTRY_PREFIX = "project cycle: "


@dataclass(frozen=True)
class ProjectEdge:
    """`importer` in `path` at `line` (project `source`) reaches `imported` (project `target`)."""

    path: str
    line: int
    importer: str
    kind: EdgeKind
    imported: str
    source: str
    target: str

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line, self.importer, self.imported)

    def render(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.importer} {self.kind.value} {self.imported} "
            f"({self.target})"
        )


@dataclass(frozen=True)
class ProjectCycle:
    """A cycle of projects (`edges` follow each other, back to the first) and its group."""

    edges: tuple[ProjectEdge, ...]
    group: tuple[str, ...]

    @property
    def projects(self) -> tuple[str, ...]:
        """The cycle's projects, the first repeated at the end: (a, b, a)."""
        return (*(edge.source for edge in self.edges), self.edges[0].source)

    @property
    def path(self) -> str:
        return self.edges[0].path

    @property
    def baseline_entry(self) -> str:
        """The group of projects: stable under edits, new when the tangle changes."""
        return CYCLE_ENTRY_PREFIX + ", ".join(self.group)

    def render(self) -> str:
        first, *rest = self.edges
        line = f"{first.render()} — project cycle: {' -> '.join(self.projects)}"
        if rest:
            line += ", back via " + ", ".join(edge.render() for edge in rest)
        if len(self.group) > len(self.edges):
            line += f" (one tangle of {len(self.group)} projects: {', '.join(self.group)})"
        return line

    def sort_key(self) -> tuple[str, int, str]:
        return (self.edges[0].path, self.edges[0].line, self.render())


def find_cycles(edges: Iterable[ProjectEdge]) -> tuple[ProjectCycle, ...]:
    """Every group of projects that reach each other, as one cycle each, sorted."""
    first_edge: dict[tuple[str, str], ProjectEdge] = {}
    for edge in edges:
        if edge.source == edge.target:
            continue
        pair = (edge.source, edge.target)
        known = first_edge.get(pair)
        if known is None or edge.sort_key() < known.sort_key():
            first_edge[pair] = edge
    successors: dict[str, list[str]] = {}
    for source, target in sorted(first_edge):
        successors.setdefault(source, []).append(target)
        successors.setdefault(target, [])
    cycles = []
    for group in strongly_connected_groups(successors):
        if len(group) < 2:
            continue
        projects = _shortest_cycle(group[0], successors, frozenset(group))
        cycle_edges = tuple(
            first_edge[(projects[i], projects[i + 1])] for i in range(len(projects) - 1)
        )
        cycles.append(ProjectCycle(edges=cycle_edges, group=group))
    return tuple(sorted(cycles, key=lambda c: c.sort_key()))


def strongly_connected_groups(
    successors: Mapping[str, Sequence[str]],
) -> tuple[tuple[str, ...], ...]:
    """Tarjan's algorithm, iteratively (no recursion limit): each group sorted, groups too."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups = []
    for root in sorted(successors):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            children = successors.get(node, ())
            if position < len(children):
                work.append((node, position + 1))
                child = children[position]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(tuple(sorted(group)))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return tuple(sorted(groups))


def _shortest_cycle(
    start: str, successors: Mapping[str, Sequence[str]], group: frozenset[str]
) -> tuple[str, ...]:
    """The shortest path start -> ... -> start inside `group` (breadth first, by name)."""
    parent: dict[str, str] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        for child in successors[node]:
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return (*reversed(path), start)
            if child in group and child not in seen:
                seen.add(child)
                parent[child] = node
                queue.append(child)
    raise AssertionError(f"{start} is in a strongly connected group but on no cycle")
