"""A Redis cache of per-project answers, dropped for the projects a new report touches."""

from __future__ import annotations

import json
from typing import Callable, Iterable, Optional, cast

import redis

KEY_PREFIX = "downloads:project:"
DEFAULT_TTL = 300  # seconds: a safety net; reports invalidate what they change


class CountsCache:
    def __init__(self, client: redis.Redis, ttl: int = DEFAULT_TTL) -> None:
        self.client = client
        self.ttl = ttl

    def get_or_compute(
        self, project: str, compute: Callable[[], dict | None]
    ) -> tuple[dict | None, bool]:
        """The cached answer (and True), or `compute()`'s, cached unless None (and False)."""
        # redis-py types one client for sync and async use; this one is synchronous.
        cached = cast(Optional[bytes], self.client.get(KEY_PREFIX + project))
        if cached is not None:
            return json.loads(cached), True
        value = compute()
        if value is not None:
            self.client.set(KEY_PREFIX + project, json.dumps(value, sort_keys=True), ex=self.ttl)
        return value, False

    def invalidate(self, projects: Iterable[str]) -> None:
        keys = [KEY_PREFIX + p for p in sorted(projects)]
        if keys:
            self.client.delete(*keys)
