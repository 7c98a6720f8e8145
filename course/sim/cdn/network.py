"""A CDN: edge caches, an optional regional tier, one origin, on a simulated clock."""

from __future__ import annotations

from typing import Iterable, Sequence

from course.sim.cdn.behaviors import Behavior
from course.sim.cdn.cache_control import CACHING_OPTIMIZED, CachePolicy
from course.sim.cdn.edge import CachedObject, EdgeCache, EdgeResponse
from course.clock import SimulatedClock


class CDN:
    """Edge caches in front of one origin, on a simulated clock.

    ``edges``: a number of edge locations, or their names. ``behaviors``:
    :class:`Behavior` list, first match wins; otherwise ``default_policy``.
    ``regional=True`` adds one regional cache shared by all edges.
    """

    def __init__(self, origin, edges: int | Sequence[str] = 1, *,
                 default_policy: CachePolicy = CACHING_OPTIMIZED,
                 behaviors: Sequence[Behavior] = (), clock: SimulatedClock | None = None,
                 edge_capacity: int | None = None, regional: bool = False,
                 regional_capacity: int | None = None):
        names = [f"edge-{i + 1}" for i in range(edges)] if isinstance(edges, int) else list(edges)
        if not names:
            raise ValueError("a CDN needs at least one edge location")
        if len(set(names)) != len(names):
            raise ValueError(f"edge names must be unique: {names}")
        self.origin = origin
        self.clock = clock if clock is not None else SimulatedClock()
        self.default_policy = default_policy
        self.behaviors = list(behaviors)
        self.edges: dict[str, EdgeCache] = {n: EdgeCache(n, edge_capacity) for n in names}
        self.regional = EdgeCache("regional", regional_capacity) if regional else None
        self.origin_log: list[float] = []  # simulated time of every origin fetch
        self._policies: dict[str, CachePolicy] = {}
        self._ttls: dict[tuple[CachePolicy, str | None], int] = {}

    @property
    def edge_names(self) -> list[str]:
        return list(self.edges)

    @property
    def origin_requests(self) -> int:
        return len(self.origin_log)

    def policy_for(self, path: str) -> CachePolicy:
        """The cache policy of the first behaviour whose path pattern matches, else the default."""
        policy = self._policies.get(path)
        if policy is None:
            policy = next((b.policy for b in self.behaviors if b.matches(path)), self.default_policy)
            self._policies[path] = policy
        return policy

    def _from_origin(self, path: str, now: float) -> CachedObject:
        response = self.origin.fetch(path)
        self.origin_log.append(now)
        policy = self.policy_for(path)
        key = (policy, response.cache_control)
        ttl = self._ttls.get(key)
        if ttl is None:
            ttl = self._ttls[key] = policy.ttl(response.cache_control)
        return CachedObject(response.etag, now, now + ttl, response.body)

    def _upstream(self, path: str, now: float) -> tuple[CachedObject, str]:
        regional = self.regional
        if regional is None:
            return self._from_origin(path, now), "origin"
        cached = regional.lookup(path)
        if cached is not None and now < cached.expires_at:
            regional.hits += 1
            return cached, "regional"
        fresh = self._from_origin(path, now)
        if cached is not None and cached.etag == fresh.etag:
            regional.refresh_hits += 1
        else:
            regional.misses += 1
        if fresh.expires_at > now:
            regional.store(path, fresh)
        return fresh, "origin"

    def serve(self, cache: EdgeCache, path: str, now: float) -> tuple[str, str, CachedObject]:
        """The edge logic for one request at simulated time ``now``: (result, source, copy served)."""
        entry = cache.lookup(path)
        if entry is not None and now < entry.expires_at:
            cache.hits += 1
            return "Hit", "edge", entry
        upstream, source = self._upstream(path, now)
        if entry is not None and entry.etag == upstream.etag:
            cache.refresh_hits += 1
            result = "RefreshHit"
        else:
            cache.misses += 1
            result = "Miss"
        if upstream.expires_at > now:
            cache.store(path, CachedObject(upstream.etag, now, upstream.expires_at, upstream.body))
        return result, source, upstream

    def get(self, edge: str, path: str) -> EdgeResponse:
        """A viewer's GET for ``path`` at edge location ``edge``, at the clock's time."""
        try:
            cache = self.edges[edge]
        except KeyError:
            raise KeyError(f"no edge location {edge!r}; this CDN has {self.edge_names}") from None
        now = self.clock.now()
        result, source, entry = self.serve(cache, path, now)
        return EdgeResponse(edge, path, result, source, entry.etag, max(0.0, entry.expires_at - now), entry.body)

    def invalidate(self, paths: Iterable[str]) -> int:
        """Remove matching objects from every edge and the regional tier; returns how many copies."""
        paths = list(paths)
        caches = list(self.edges.values()) + ([self.regional] if self.regional else [])
        return sum(cache.invalidate(paths) for cache in caches)

    def cached_at(self, path: str) -> list[str]:
        """The edges that hold a fresh copy of ``path`` now."""
        now = self.clock.now()
        fresh = []
        for name, cache in self.edges.items():
            expires_at = cache.expires_at(path)
            if expires_at is not None and now < expires_at:
                fresh.append(name)
        return fresh

    def stats(self) -> dict[str, float]:
        hits = sum(c.hits for c in self.edges.values())
        refresh = sum(c.refresh_hits for c in self.edges.values())
        misses = sum(c.misses for c in self.edges.values())
        requests = hits + refresh + misses
        return {
            "requests": requests,
            "edge_hits": hits,
            "refresh_hits": refresh,
            "misses": misses,
            "edge_hit_ratio": hits / requests if requests else 0.0,
            "regional_hits": self.regional.hits if self.regional else 0,
            "origin_requests": self.origin_requests,
        }

    def edge_stats(self) -> list[dict]:
        """One row per edge: requests, hits, refresh hits, misses, hit ratio, objects held."""
        rows = []
        for name, c in self.edges.items():
            total = c.hits + c.refresh_hits + c.misses
            rows.append({"edge": name, "requests": total, "hits": c.hits, "refresh_hits": c.refresh_hits,
                         "misses": c.misses, "hit_ratio": c.hits / total if total else 0.0,
                         "objects": len(c)})
        return rows
