"""A content delivery network on a simulated clock: edge caches with TTLs in front of one origin.

moto stores CloudFront distributions, cache behaviours, origin access controls
and invalidations, but it serves no content: no edge location ever caches an
object, no TTL ever runs out, and an invalidation is ``Completed`` the moment
it is created. This module simulates the part moto leaves out, in plain
sight, so a notebook can *measure* what a CDN does::

    clock = course.faults.SimulatedClock()
    origin = course.cdn.S3Origin(s3, "news-images")        # or DictOrigin(...)
    cdn = course.cdn.CDN(origin, edges=["fra", "iad", "nrt"], clock=clock)
    cdn.get("fra", "/img/flood.jpg").x_cache                 # 'Miss from cloudfront'
    cdn.get("fra", "/img/flood.jpg").x_cache                 # 'Hit from cloudfront'
    clock.advance(3600)
    cdn.invalidate(["/img/*"])

What it follows from the CloudFront Developer Guide:

* the TTL rules of a cache policy (``MinTTL``, ``DefaultTTL``, ``MaxTTL``)
  against the origin's ``Cache-Control`` (``s-maxage`` before ``max-age``;
  ``no-cache``, ``no-store`` and ``private`` give the minimum TTL), see
  :meth:`CachePolicy.ttl`;
* cache behaviours chosen by the first matching path pattern (``*`` and ``?``
  wildcards, case sensitive), else the default behaviour;
* an optional regional tier between the edges and the origin (what CloudFront
  calls regional edge caches), shared by all edges;
* ``Hit``, ``RefreshHit`` (the edge held an expired copy and the origin said it
  is unchanged) and ``Miss``, as in CloudFront's ``X-Cache`` response header.

What it leaves out: latency and bytes, request collapsing, the ``Expires``
header, query strings, headers and cookies in the cache key (the key here is
the path alone), error caching, and the time an invalidation takes to reach
every edge (here it is instant).

:func:`zipf_workload` draws a seeded request stream (Poisson arrivals, Zipf
popularity over objects, requests spread over edges) and :func:`run` plays it
through a :class:`CDN` on its clock.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Iterable, Mapping, NamedTuple, Sequence

import numpy as np

from course.sim.clock import SimulatedClock

ONE_DAY = 86_400
ONE_YEAR = 31_536_000

__all__ = [
    "CACHING_DISABLED", "CACHING_OPTIMIZED", "CDN", "Behavior", "CachePolicy", "DictOrigin",
    "EdgeCache", "EdgeResponse", "OriginResponse", "RunResult", "S3Origin", "Workload",
    "MANAGED_POLICY_IDS", "browser_ttl", "is_immutable", "parse_cache_control", "path_matches", "run",
    "zipf_popularity", "zipf_workload",
]


# ---------------------------------------------------------------------------
# Cache-Control
# ---------------------------------------------------------------------------

def parse_cache_control(value: str | None) -> dict[str, int | str | bool]:
    """The directives of a ``Cache-Control`` header value, names in lower case.

    >>> parse_cache_control("public, max-age=60, S-MAXAGE=300")
    {'public': True, 'max-age': 60, 's-maxage': 300}

    Whole-number values become ``int``; other values stay strings (quotes
    removed); a directive without a value is ``True``. ``None`` or ``""`` give ``{}``.
    """
    directives: dict[str, int | str | bool] = {}
    if not value:
        return directives
    for part in str(value).split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, raw = part.partition("=")
        name = name.strip().lower()
        if not sep:
            directives[name] = True
            continue
        raw = raw.strip().strip('"')
        directives[name] = int(raw) if raw.isdigit() else raw
    return directives


def _seconds(directives: Mapping, name: str) -> int | None:
    value = directives.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def browser_ttl(cache_control: str | None) -> int | None:
    """How long a browser may reuse a response without asking again, in seconds.

    ``no-store`` and ``no-cache`` give 0 (the browser must revalidate every
    time); otherwise ``max-age``. Browsers ignore ``s-maxage``, which is for
    shared caches such as CloudFront. ``None`` means the header does not say,
    and the browser falls back on its own heuristics.
    """
    directives = parse_cache_control(cache_control)
    if "no-store" in directives or "no-cache" in directives:
        return 0
    return _seconds(directives, "max-age")


def is_immutable(cache_control: str | None) -> bool:
    """True when the header has the ``immutable`` directive."""
    return "immutable" in parse_cache_control(cache_control)


@dataclass(frozen=True)
class CachePolicy:
    """The TTL part of a CloudFront cache policy (seconds)."""

    min_ttl: int = 0
    default_ttl: int = ONE_DAY
    max_ttl: int = ONE_YEAR
    name: str = "custom"

    def __post_init__(self):
        if not 0 <= self.min_ttl <= self.default_ttl <= self.max_ttl:
            raise ValueError(
                f"cache policy {self.name!r}: need 0 <= MinTTL <= DefaultTTL <= MaxTTL, got "
                f"{self.min_ttl}, {self.default_ttl}, {self.max_ttl}"
            )

    def ttl(self, cache_control: str | None) -> int:
        """How long an edge keeps an object whose origin sent ``cache_control``.

        The rules of the CloudFront Developer Guide ("Manage how long content
        stays in the cache"):

        * ``no-cache``, ``no-store`` or ``private``: the minimum TTL (so with
          ``MinTTL`` 0 the object is not cached at all);
        * ``s-maxage`` if present, else ``max-age``, clamped to
          [``MinTTL``, ``MaxTTL``];
        * neither: the default TTL (never below the minimum).
        """
        directives = parse_cache_control(cache_control)
        if any(d in directives for d in ("no-cache", "no-store", "private")):
            return self.min_ttl
        age = _seconds(directives, "s-maxage")
        if age is None:
            age = _seconds(directives, "max-age")
        if age is None:
            return max(self.min_ttl, self.default_ttl)
        return min(max(age, self.min_ttl), self.max_ttl)


# The TTLs of two managed cache policies (IDs as CloudFront documents them).
CACHING_OPTIMIZED = CachePolicy(1, ONE_DAY, ONE_YEAR, "Managed-CachingOptimized")
CACHING_DISABLED = CachePolicy(0, 0, 0, "Managed-CachingDisabled")
MANAGED_POLICY_IDS = {
    "Managed-CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "Managed-CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
}


# ---------------------------------------------------------------------------
# Behaviours (path patterns)
# ---------------------------------------------------------------------------

def _pattern_regex(pattern: str) -> re.Pattern:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lstrip("/"))
    return re.compile(body, re.DOTALL)


def path_matches(pattern: str, path: str) -> bool:
    """Whether a request path matches a CloudFront path pattern.

    ``*`` matches any run of characters (slashes included), ``?`` exactly one;
    matching is case sensitive; a leading ``/`` on either side is optional.
    """
    return _pattern_regex(pattern).fullmatch(path.lstrip("/")) is not None


@dataclass(frozen=True)
class Behavior:
    """A cache behaviour: requests whose path matches ``path_pattern`` use ``policy``."""

    path_pattern: str
    policy: CachePolicy
    _regex: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_regex", _pattern_regex(self.path_pattern))

    def matches(self, path: str) -> bool:
        return self._regex.fullmatch(path.lstrip("/")) is not None


# ---------------------------------------------------------------------------
# Origins
# ---------------------------------------------------------------------------

class OriginResponse(NamedTuple):
    """What the origin answers: a version tag (ETag), the Cache-Control header, the body."""

    etag: str
    cache_control: str | None
    body: bytes | None = None


class DictOrigin:
    """An in-memory origin: ``{path: Cache-Control}`` (``None`` for no header).

    ``DictOrigin.uniform("max-age=60")`` serves every path with the same
    header, which is what a large simulated catalogue needs. :meth:`put`
    publishes a new version of a path (a new ETag).
    """

    def __init__(self, objects: Mapping[str, str | None] | None = None):
        self._objects: dict[str, list] = {}
        self._uniform: tuple[bool, str | None] = (False, None)
        self._served: dict[str, OriginResponse] = {}  # responses of a uniform origin, by path
        for path, cache_control in (objects or {}).items():
            self.put(path, cache_control)

    @classmethod
    def uniform(cls, cache_control: str | None) -> "DictOrigin":
        origin = cls()
        origin._uniform = (True, cache_control)
        return origin

    def put(self, path: str, cache_control: str | None = None) -> str:
        """Publish (a new version of) ``path``; returns its new ETag."""
        version = self._objects.get(path, [None, 0])[1] + 1
        self._objects[path] = [cache_control, version]
        return self._etag(path, version)

    @staticmethod
    def _etag(path: str, version: int) -> str:
        return f'"{path}#v{version}"'

    def fetch(self, path: str) -> OriginResponse:
        if path in self._objects:
            cache_control, version = self._objects[path]
            return OriginResponse(self._etag(path, version), cache_control)
        serve_any, cache_control = self._uniform
        if serve_any:
            response = self._served.get(path)
            if response is None:
                response = self._served[path] = OriginResponse(self._etag(path, 1), cache_control)
            return response
        raise KeyError(f"the origin has no object {path!r}")


class S3Origin:
    """A bucket on the (mocked) S3 as origin: every fetch is a real ``GetObject`` call.

    The request path ``/img/a.jpg`` reads the key ``img/a.jpg``; the object's
    ``CacheControl`` metadata (set at upload) is the header the edges see.
    """

    def __init__(self, s3_client, bucket: str):
        self.s3 = s3_client
        self.bucket = bucket

    def fetch(self, path: str) -> OriginResponse:
        response = self.s3.get_object(Bucket=self.bucket, Key=path.lstrip("/"))
        return OriginResponse(response["ETag"], response.get("CacheControl"), response["Body"].read())


# ---------------------------------------------------------------------------
# Caches
# ---------------------------------------------------------------------------

class _Entry:
    __slots__ = ("etag", "stored_at", "expires_at", "body")

    def __init__(self, etag: str, stored_at: float, expires_at: float, body: bytes | None):
        self.etag = etag
        self.stored_at = stored_at
        self.expires_at = expires_at
        self.body = body


class EdgeCache:
    """One cache (an edge location, or the regional tier) with optional LRU capacity.

    An entry is fresh while ``now < expires_at``. With ``capacity`` (number of
    objects) the least recently used entry is evicted to make room, as an edge
    evicts unpopular objects before they expire.
    """

    def __init__(self, name: str, capacity: int | None = None):
        if capacity is not None and capacity < 1:
            raise ValueError(f"capacity must be at least 1 object, or None; got {capacity}")
        self.name = name
        self.capacity = capacity
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self.hits = self.refresh_hits = self.misses = self.evictions = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, path: str) -> bool:
        return path in self._entries

    def lookup(self, path: str) -> _Entry | None:
        entry = self._entries.get(path)
        if entry is not None and self.capacity is not None:
            self._entries.move_to_end(path)
        return entry

    def store(self, path: str, entry: _Entry) -> None:
        self._entries[path] = entry
        if self.capacity is not None:
            self._entries.move_to_end(path)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
                self.evictions += 1

    def invalidate(self, paths: Iterable[str]) -> int:
        """Remove the entries matching any invalidation path (``*`` wildcards); returns how many."""
        regexes = [_pattern_regex(p) for p in paths]
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

    def _from_origin(self, path: str, now: float) -> _Entry:
        response = self.origin.fetch(path)
        self.origin_log.append(now)
        policy = self.policy_for(path)
        key = (policy, response.cache_control)
        ttl = self._ttls.get(key)
        if ttl is None:
            ttl = self._ttls[key] = policy.ttl(response.cache_control)
        return _Entry(response.etag, now, now + ttl, response.body)

    def _upstream(self, path: str, now: float) -> tuple[_Entry, str]:
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

    def _serve(self, cache: EdgeCache, path: str, now: float) -> tuple[str, str, _Entry]:
        """The edge logic: (result, source, entry) for a request at time ``now``."""
        entry = cache._entries.get(path)
        if entry is not None:
            if cache.capacity is not None:
                cache._entries.move_to_end(path)
            if now < entry.expires_at:
                cache.hits += 1
                return "Hit", "edge", entry
        if self.regional is None:
            upstream, source = self._from_origin(path, now), "origin"
        else:
            upstream, source = self._upstream(path, now)
        if entry is not None and entry.etag == upstream.etag:
            cache.refresh_hits += 1
            result = "RefreshHit"
        else:
            cache.misses += 1
            result = "Miss"
        if upstream.expires_at > now:
            cache.store(path, _Entry(upstream.etag, now, upstream.expires_at, upstream.body))
        return result, source, upstream

    def get(self, edge: str, path: str) -> EdgeResponse:
        """A viewer's GET for ``path`` at edge location ``edge``, at the clock's time."""
        try:
            cache = self.edges[edge]
        except KeyError:
            raise KeyError(f"no edge location {edge!r}; this CDN has {self.edge_names}") from None
        now = self.clock.now()
        result, source, entry = self._serve(cache, path, now)
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


# ---------------------------------------------------------------------------
# Workloads and runs
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Workload:
    """A request stream: times (s from the start), edge and object of each request."""

    times: np.ndarray
    edge_index: np.ndarray
    object_index: np.ndarray
    paths: list[str]
    edges: list[str]
    duration: float
    popularity: np.ndarray  # probability of each object
    edge_share: np.ndarray  # probability of each edge

    def __len__(self) -> int:
        return len(self.times)

    def __iter__(self):
        for t, e, o in zip(self.times.tolist(), self.edge_index.tolist(), self.object_index.tolist()):
            yield t, self.edges[e], self.paths[o]

    def rate(self, path: str, edge: str) -> float:
        """The mean request rate (per second) for ``path`` at ``edge`` in this workload's model."""
        n = len(self) / self.duration if self.duration else 0.0
        return n * float(self.popularity[self.paths.index(path)]) * float(self.edge_share[self.edges.index(edge)])


def zipf_popularity(n_objects: int, s: float) -> np.ndarray:
    """P(object k) proportional to 1 / k**s, k = 1..n (object 0 is the most popular)."""
    if n_objects < 1:
        raise ValueError("need at least one object")
    if s < 0:
        raise ValueError(f"the Zipf exponent must be >= 0, not {s}")
    weights = np.arange(1, n_objects + 1, dtype=float) ** -s
    return weights / weights.sum()


def zipf_workload(*, n_objects: int, rate: float, duration: float, edges: int | Sequence[str],
                  s: float = 1.0, seed: int = 0, path_format: str = "/img/{:05d}.jpg",
                  edge_weights: Sequence[float] | None = None) -> Workload:
    """Poisson arrivals at ``rate`` requests/s for ``duration`` s; objects by Zipf(``s``).

    Each request goes to one edge, uniformly or by ``edge_weights``. The same
    seed gives the same times and objects whatever the number of edges, so runs
    that differ only in the edges are comparable.
    """
    if rate < 0 or duration <= 0:
        raise ValueError("rate must be >= 0 and duration > 0")
    names = [f"edge-{i + 1}" for i in range(edges)] if isinstance(edges, int) else list(edges)
    if not names:
        raise ValueError("need at least one edge")
    if edge_weights is None:
        share = np.full(len(names), 1.0 / len(names))
    else:
        share = np.asarray(edge_weights, dtype=float)
        if share.shape != (len(names),) or (share < 0).any() or share.sum() <= 0:
            raise ValueError("edge_weights: one non-negative weight per edge, not all zero")
        share = share / share.sum()
    popularity = zipf_popularity(n_objects, s)
    rng = np.random.default_rng(seed)
    n = int(rng.poisson(rate * duration))
    times = np.sort(rng.uniform(0.0, duration, n))
    objects = rng.choice(n_objects, size=n, p=popularity)
    edge_rng = np.random.default_rng([seed, len(names)])
    edge_index = edge_rng.choice(len(names), size=n, p=share)
    return Workload(times, edge_index, objects, [path_format.format(i) for i in range(n_objects)],
                    names, float(duration), popularity, share)


@dataclass(frozen=True)
class RunResult:
    """The outcome of playing a workload through a CDN."""

    requests: int
    edge_hits: int
    edge_hit_ratio: float
    origin_requests: int
    origin_rps: float        # mean requests per second that reached the origin
    peak_origin_rps: int     # the busiest one-second window at the origin
    duration: float

    def as_dict(self) -> dict:
        return asdict(self)


def run(cdn: CDN, workload: Workload) -> RunResult:
    """Play ``workload`` through ``cdn``, advancing its clock to each request's time."""
    unknown = set(workload.edges) - set(cdn.edges)
    if unknown:
        raise ValueError(f"the workload uses edges the CDN lacks: {sorted(unknown)}")
    clock = cdn.clock
    start = clock.now()
    hits_before = sum(c.hits for c in cdn.edges.values())
    origin_before = cdn.origin_requests
    # The same edge logic as CDN.get, without building a response per request;
    # each request is served at its own simulated time, then the clock moves on.
    serve = cdn._serve
    caches = [cdn.edges[name] for name in workload.edges]
    paths = workload.paths
    for t, e, o in zip((workload.times + start).tolist(), workload.edge_index.tolist(),
                       workload.object_index.tolist()):
        serve(caches[e], paths[o], t)
    end = start + workload.duration
    if clock.now() < end:
        clock.advance(end - clock.now())
    hits = sum(c.hits for c in cdn.edges.values()) - hits_before
    origin_times = np.asarray(cdn.origin_log[origin_before:], dtype=float) - start
    origin = len(origin_times)
    bins = max(1, math.ceil(workload.duration))
    peak = int(np.histogram(origin_times, bins=bins, range=(0, bins))[0].max()) if origin else 0
    n = len(workload)
    return RunResult(n, hits, hits / n if n else 0.0, origin, origin / workload.duration, peak,
                     workload.duration)
