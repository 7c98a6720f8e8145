"""One cache (an edge location or the regional tier), and what a viewer gets from an edge."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterable

from course.sim.cdn.behaviors import pattern_regex


class CachedObject:
    """A copy held by a cache: its version (ETag), when it was stored and expires, its body."""

    __slots__ = ("etag", "stored_at", "expires_at", "body")

    def __init__(self, etag: str, stored_at: float, expires_at: float, body: bytes | None):
        self.etag = etag
        self.stored_at = stored_at
        self.expires_at = expires_at
        self.body = body


class EdgeCache:
    """One cache (an edge location, or the regional tier) with optional LRU capacity.

    A copy is fresh while ``now < expires_at``. With ``capacity`` (number of
    objects) the least recently used copy is evicted to make room, as an edge
    evicts unpopular objects before they expire.
    """

    def __init__(self, name: str, capacity: int | None = None):
        if capacity is not None and capacity < 1:
            raise ValueError(f"capacity must be at least 1 object, or None; got {capacity}")
        self.name = name
        self.capacity = capacity
        self._entries: OrderedDict[str, CachedObject] = OrderedDict()
        self.hits = self.refresh_hits = self.misses = self.evictions = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, path: str) -> bool:
        return path in self._entries

    def lookup(self, path: str) -> CachedObject | None:
        """The copy of ``path``, fresh or not (``None`` if absent); marks it recently used."""
        entry = self._entries.get(path)
        if entry is not None and self.capacity is not None:
            self._entries.move_to_end(path)
        return entry

    def store(self, path: str, entry: CachedObject) -> None:
        self._entries[path] = entry
        if self.capacity is not None:
            self._entries.move_to_end(path)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
                self.evictions += 1

    def invalidate(self, paths: Iterable[str]) -> int:
        """Remove the copies matching any invalidation path (``*`` wildcards); returns how many."""
        regexes = [pattern_regex(p) for p in paths]
        doomed = [k for k in self._entries if any(r.fullmatch(k.lstrip("/")) for r in regexes)]
        for key in doomed:
            del self._entries[key]
        return len(doomed)

    def expires_at(self, path: str) -> float | None:
        entry = self._entries.get(path)
        return None if entry is None else entry.expires_at


@dataclass(frozen=True)
class EdgeResponse:
    """What a viewer gets from an edge.

    ``result`` describes the edge's own cache: ``Hit`` (fresh copy),
    ``RefreshHit`` (expired copy, confirmed unchanged upstream) or ``Miss``.
    ``source`` says who supplied the object: ``edge``, ``regional`` or
    ``origin``. ``ttl`` is how many more seconds the edge may serve it.
    """

    edge: str
    path: str
    result: str
    source: str
    etag: str
    ttl: float
    body: bytes | None = None

    @property
    def x_cache(self) -> str:
        return f"{self.result} from cloudfront"
