"""A content delivery network on a simulated clock: edge caches with TTLs in front of one origin.

moto stores CloudFront distributions, cache behaviours, origin access controls
and invalidations, but it serves no content: no edge location ever caches an
object, no TTL ever runs out, and an invalidation is ``Completed`` the moment
it is created. This package simulates the part moto leaves out, in plain
sight, so a notebook can *measure* what a CDN does::

    from course.sim import cdn
    from course.clock import SimulatedClock

    clock = SimulatedClock()
    origin = cdn.S3Origin(s3, "news-images")                 # or cdn.DictOrigin(...)
    edges = cdn.CDN(origin, edges=["fra", "iad", "nrt"], clock=clock)
    edges.get("fra", "/img/flood.jpg").x_cache               # 'Miss from cloudfront'
    edges.get("fra", "/img/flood.jpg").x_cache               # 'Hit from cloudfront'
    clock.advance(3600)
    edges.invalidate(["/img/*"])

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

The modules, one job each: :mod:`~course.sim.cdn.cache_control` (headers and
cache policies), :mod:`~course.sim.cdn.behaviors` (path patterns),
:mod:`~course.sim.cdn.origins`, :mod:`~course.sim.cdn.edge` (one cache),
:mod:`~course.sim.cdn.network` (the :class:`CDN`) and
:mod:`~course.sim.cdn.experiment`: :func:`zipf_workload` draws a seeded request
stream (Poisson arrivals, Zipf popularity over objects, requests spread over
edges) and :func:`simulate` plays it through a :class:`CDN` on its clock.
"""

from course.sim.cdn.behaviors import Behavior, path_matches
from course.sim.cdn.cache_control import (CACHING_DISABLED, CACHING_OPTIMIZED, MANAGED_POLICY_IDS, ONE_DAY,
                                          ONE_YEAR, CachePolicy, browser_ttl, is_immutable, parse_cache_control)
from course.sim.cdn.edge import EdgeCache, EdgeResponse
from course.sim.cdn.experiment import SimulationResult, Workload, simulate, zipf_workload
from course.sim.cdn.network import CDN
from course.sim.cdn.origins import DictOrigin, OriginResponse, S3Origin

__all__ = [
    "CACHING_DISABLED", "CACHING_OPTIMIZED", "CDN", "Behavior", "CachePolicy", "DictOrigin",
    "EdgeCache", "EdgeResponse", "MANAGED_POLICY_IDS", "ONE_DAY", "ONE_YEAR", "OriginResponse",
    "S3Origin", "SimulationResult", "Workload", "browser_ttl", "is_immutable", "parse_cache_control",
    "path_matches", "simulate", "zipf_workload",
]
