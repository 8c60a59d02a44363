"""Select affected targets from seeds (targets a change touched directly) over the dependents graph.

Engine-free: addresses are plain strings here. Each selected target keeps the shortest chain
that selected it, `reason → seed → … → target`, for `./pants affected --why`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Iterable, Mapping

ARROW = " → "


@dataclass(frozen=True)
class Seed:
    """A target selected directly, and why (e.g. "services/index/src/index/app.py changed")."""

    address: str
    reason: str


def select(
    seeds: Iterable[Seed], dependents: Mapping[str, Iterable[str]]
) -> dict[str, tuple[str, ...]]:
    """Every seed and its transitive dependents, each with the chain that selected it.

    Breadth-first from all seeds at once, in sorted order, so each chain is a shortest one
    and the result does not depend on set iteration order.
    """
    chains: dict[str, tuple[str, ...]] = {}
    queue: deque[str] = deque()
    for seed in sorted(seeds, key=lambda seed: (seed.address, seed.reason)):
        if seed.address not in chains:
            chains[seed.address] = (seed.reason, seed.address)
            queue.append(seed.address)
    while queue:
        address = queue.popleft()
        for dependent in sorted(dependents.get(address, ())):
            if dependent not in chains:
                chains[dependent] = (*chains[address], dependent)
                queue.append(dependent)
    return chains


def render(chains: Mapping[str, tuple[str, ...]], *, why: bool) -> list[str]:
    """One line per address, sorted; with `why`, the chain follows the address."""
    if not why:
        return sorted(chains)
    return [f"{address}: {ARROW.join(chains[address])}" for address in sorted(chains)]
