"""course.sim.cdn: the simulated CDN behaves as the content-delivery notebook says CloudFront does."""

from __future__ import annotations

import numpy as np
import pytest

import course
from course.sim import cdn
from course.clock import SimulatedClock

HONOUR_ORIGIN = cdn.CachePolicy(0, 0, cdn.ONE_YEAR, "honour-origin")


# --- Cache-Control -----------------------------------------------------------

def test_parse_cache_control_names_values_and_flags():
    assert cdn.parse_cache_control('Public, MAX-AGE=60, s-maxage="300", immutable') == {
        "public": True, "max-age": 60, "s-maxage": 300, "immutable": True}
    assert cdn.parse_cache_control(None) == {}
    assert cdn.parse_cache_control("") == {}
    assert cdn.parse_cache_control("max-age=abc, ,") == {"max-age": "abc"}


@pytest.mark.parametrize("header, expected", [
    ("no-cache", 0), ("no-store", 0), ("public, max-age=0, s-maxage=30", 0),
    ("max-age=300", 300), ("s-maxage=300", None), (None, None), ("max-age=abc", None),
])
def test_browser_ttl_ignores_s_maxage(header, expected):
    assert cdn.browser_ttl(header) == expected


def test_is_immutable():
    assert cdn.is_immutable("public, max-age=31536000, immutable")
    assert not cdn.is_immutable("public, max-age=31536000")
    assert not cdn.is_immutable(None)


# --- TTL rules of a cache policy (CloudFront Developer Guide, "expiration") ---------

@pytest.mark.parametrize("policy, header, ttl", [
    (cdn.CachePolicy(0, 86400, 31536000), None, 86400),              # no header: default TTL
    (cdn.CachePolicy(0, 86400, 31536000), "max-age=60", 60),         # max-age honoured
    (cdn.CachePolicy(0, 300, 300), "max-age=3600", 300),           # ... but never above MaxTTL
    (cdn.CachePolicy(120, 86400, 31536000), "max-age=60", 120),      # ... nor below MinTTL
    (cdn.CachePolicy(0, 86400, 31536000), "max-age=0, s-maxage=30", 30),  # s-maxage wins
    (cdn.CachePolicy(0, 86400, 31536000), "s-maxage=30, max-age=600", 30),
    (cdn.CachePolicy(0, 86400, 31536000), "no-cache", 0),            # MinTTL 0: not cached
    (cdn.CachePolicy(0, 86400, 31536000), "private, max-age=600", 0),
    (cdn.CachePolicy(5, 86400, 31536000), "no-store", 5),            # MinTTL > 0 wins over no-store
    (cdn.CACHING_OPTIMIZED, "no-cache", 1),
    (cdn.CACHING_OPTIMIZED, None, 86400),
    (cdn.CACHING_DISABLED, "max-age=3600", 0),
])
def test_cache_policy_ttl_follows_cloudfront_rules(policy, header, ttl):
    assert policy.ttl(header) == ttl


def test_cache_policy_refuses_inconsistent_ttls():
    with pytest.raises(ValueError, match="MinTTL <= DefaultTTL <= MaxTTL"):
        cdn.CachePolicy(10, 5, 100)


# --- Path patterns -------------------------------------------------------------

@pytest.mark.parametrize("pattern, path, matches", [
    ("/live/*", "/live/dam.json", True),
    ("/live/*", "/live/2026/dam.json", True),    # * crosses slashes
    ("live/*", "/live/dam.json", True),          # leading slash optional
    ("/live/*", "/LIVE/dam.json", False),        # case sensitive
    ("/live/*", "/lively.html", False),
    ("*.jpg", "/img/dam.jpg", True),
    ("*.jpg", "/img/dam.jpeg", False),
    ("/img/dam-?.jpg", "/img/dam-2.jpg", True),
    ("/img/dam-?.jpg", "/img/dam-12.jpg", False),
    ("/a+b.js", "/a+b.js", True),                # regex characters are literal
    ("/a+b.js", "/aab.js", False),
])
def test_path_patterns(pattern, path, matches):
    assert cdn.path_matches(pattern, path) is matches
    assert cdn.Behavior(pattern, cdn.CACHING_DISABLED).matches(path) is matches


# --- The CDN -------------------------------------------------------------------

def small_cdn(**kwargs):
    clock = SimulatedClock()
    origin = cdn.DictOrigin({"/img/a.jpg": "max-age=60", "/img/b.jpg": "max-age=60",
                             "/index.html": "no-cache", "/live/feed.json": None})
    return cdn.CDN(origin, edges=["FRA", "NRT"], clock=clock, default_policy=HONOUR_ORIGIN, **kwargs), origin, clock


def test_miss_then_hit_then_refresh_hit_after_the_ttl():
    net, origin, clock = small_cdn()
    first = net.get("FRA", "/img/a.jpg")
    assert (first.result, first.source, first.x_cache) == ("Miss", "origin", "Miss from cloudfront")
    clock.advance(59.9)
    second = net.get("FRA", "/img/a.jpg")
    assert (second.result, second.source) == ("Hit", "edge")
    assert second.ttl == pytest.approx(0.1)
    clock.advance(0.1)                          # exactly at expiry the copy is stale
    third = net.get("FRA", "/img/a.jpg")
    assert third.result == "RefreshHit" and third.etag == first.etag
    assert net.origin_requests == 2


def test_a_new_version_at_the_origin_is_a_miss_once_the_copy_expires():
    net, origin, clock = small_cdn()
    old = net.get("FRA", "/img/a.jpg").etag
    new = origin.put("/img/a.jpg", "max-age=60")
    assert net.get("FRA", "/img/a.jpg").etag == old        # stale content until expiry
    clock.advance(60)
    response = net.get("FRA", "/img/a.jpg")
    assert response.result == "Miss" and response.etag == new


def test_each_edge_has_its_own_cache():
    net, _, _ = small_cdn()
    net.get("FRA", "/img/a.jpg")
    assert net.get("NRT", "/img/a.jpg").result == "Miss"
    assert net.cached_at("/img/a.jpg") == ["FRA", "NRT"]
    assert net.origin_requests == 2


def test_ttl_zero_is_never_stored():
    net, _, _ = small_cdn()
    for _ in range(3):
        assert net.get("FRA", "/index.html").result == "Miss"
    assert net.origin_requests == 3
    assert net.cached_at("/index.html") == []


def test_behaviours_pick_the_first_matching_path_pattern():
    short = cdn.CachePolicy(0, 5, 5, "live-5s")
    net, _, clock = small_cdn(behaviors=[cdn.Behavior("/live/*", short),
                                         cdn.Behavior("/live/feed.json", cdn.CACHING_DISABLED)])
    assert net.policy_for("/live/feed.json") is short
    assert net.policy_for("/img/a.jpg") is HONOUR_ORIGIN
    assert net.get("FRA", "/live/feed.json").ttl == 5
    clock.advance(4)
    assert net.get("FRA", "/live/feed.json").result == "Hit"


def test_invalidation_empties_every_edge_and_the_regional_tier():
    net, _, _ = small_cdn(regional=True)
    net.get("FRA", "/img/a.jpg")
    net.get("NRT", "/img/a.jpg")
    assert net.invalidate(["/img/*"]) == 3                  # two edges and the regional copy
    assert net.cached_at("/img/a.jpg") == []
    assert net.get("FRA", "/img/a.jpg").source == "origin"


def test_exact_invalidation_paths_leave_other_objects():
    net, _, _ = small_cdn()
    net.get("FRA", "/img/a.jpg")
    net.get("FRA", "/img/b.jpg")
    assert net.invalidate(["/img/a.jpg"]) == 1
    assert net.cached_at("/img/b.jpg") == ["FRA"]
    assert net.cached_at("/img/a.jpg") == []


def test_regional_tier_serves_a_second_edge_without_the_origin():
    net, _, clock = small_cdn(regional=True)
    net.get("FRA", "/img/a.jpg")
    clock.advance(20)
    response = net.get("NRT", "/img/a.jpg")
    assert (response.result, response.source) == ("Miss", "regional")
    assert response.ttl == pytest.approx(40)               # the copy keeps its age
    assert net.origin_requests == 1
    assert net.stats()["regional_hits"] == 1


def test_lru_capacity_evicts_the_least_recently_used():
    origin = cdn.DictOrigin.uniform("max-age=3600")
    net = cdn.CDN(origin, edges=1, edge_capacity=2, default_policy=HONOUR_ORIGIN)
    for path in ["/a", "/b", "/a", "/c"]:                  # /b is least recently used when /c arrives
        net.get("edge-1", path)
    edge = net.edges["edge-1"]
    assert "/a" in edge and "/c" in edge and "/b" not in edge
    assert edge.evictions == 1
    assert net.get("edge-1", "/b").result == "Miss"


def test_unknown_edges_and_objects_say_what_is_wrong():
    net, _, _ = small_cdn()
    with pytest.raises(KeyError, match="no edge location 'CDG'"):
        net.get("CDG", "/img/a.jpg")
    with pytest.raises(KeyError, match="no object '/missing'"):
        net.get("FRA", "/missing")
    with pytest.raises(ValueError):
        cdn.CDN(cdn.DictOrigin(), edges=["A", "A"])
    with pytest.raises(ValueError):
        cdn.EdgeCache("x", capacity=0)


def test_stats_count_every_request():
    net, _, clock = small_cdn()
    net.get("FRA", "/img/a.jpg")
    net.get("FRA", "/img/a.jpg")
    clock.advance(61)
    net.get("FRA", "/img/a.jpg")
    stats = net.stats()
    assert stats == {"requests": 3, "edge_hits": 1, "refresh_hits": 1, "misses": 1,
                     "edge_hit_ratio": pytest.approx(1 / 3), "regional_hits": 0, "origin_requests": 2}
    fra = net.edge_stats()[0]
    assert fra["edge"] == "FRA" and fra["requests"] == 3 and fra["objects"] == 1


# --- S3 as origin (the mocked bucket) -------------------------------------------

@pytest.fixture()
def s3():
    sandbox = course.sandbox.start(quiet=True)
    client = sandbox.client("s3")
    client.create_bucket(Bucket="courier-static")
    yield client
    sandbox.stop()


def test_s3_origin_reads_the_objects_cache_control(s3):
    s3.put_object(Bucket="courier-static", Key="img/dam.jpg", Body=b"jpeg", ContentType="image/jpeg",
                  CacheControl="public, max-age=300")
    net = cdn.CDN(cdn.S3Origin(s3, "courier-static"), edges=1)
    response = net.get("edge-1", "/img/dam.jpg")
    assert response.body == b"jpeg" and response.ttl == 300
    s3.put_object(Bucket="courier-static", Key="img/dam.jpg", Body=b"new", CacheControl="public, max-age=300")
    assert net.get("edge-1", "/img/dam.jpg").body == b"jpeg"     # the edge serves its copy
    net.invalidate(["/img/dam.jpg"])
    assert net.get("edge-1", "/img/dam.jpg").body == b"new"


# --- Workloads and simulations ---------------------------------------------------------

def test_zipf_workload_is_seeded_and_shaped():
    a = cdn.zipf_workload(n_objects=100, rate=50, duration=100, edges=4, seed=3)
    b = cdn.zipf_workload(n_objects=100, rate=50, duration=100, edges=4, seed=3)
    assert np.array_equal(a.times, b.times) and np.array_equal(a.edge_index, b.edge_index)
    assert len(a) == pytest.approx(5000, rel=0.05)
    assert (np.diff(a.times) >= 0).all() and a.times.min() >= 0 and a.times.max() < 100
    assert a.popularity.sum() == pytest.approx(1) and (np.diff(a.popularity) < 0).all()
    counts = np.bincount(a.object_index, minlength=100)
    assert counts[0] > counts[9] > counts[99]                       # Zipf: rank 1 most popular
    assert a.paths[0] == "/img/00000.jpg" and a.edges == ["edge-1", "edge-2", "edge-3", "edge-4"]


def test_same_seed_same_requests_whatever_the_number_of_edges():
    one = cdn.zipf_workload(n_objects=50, rate=20, duration=50, edges=1, seed=8)
    many = cdn.zipf_workload(n_objects=50, rate=20, duration=50, edges=16, seed=8)
    assert np.array_equal(one.times, many.times) and np.array_equal(one.object_index, many.object_index)
    assert set(many.edge_index.tolist()) == set(range(16))


def test_edge_weights():
    w = cdn.zipf_workload(n_objects=10, rate=100, duration=100, edges=["big", "small"], edge_weights=[3, 1],
                          seed=1)
    assert np.mean(w.edge_index == 0) == pytest.approx(0.75, abs=0.02)
    assert w.rate(w.paths[0], "big") == pytest.approx(len(w) / 100 * w.popularity[0] * 0.75)
    with pytest.raises(ValueError):
        cdn.zipf_workload(n_objects=10, rate=1, duration=1, edges=2, edge_weights=[1])


def run_ttl(ttl, edges=4, regional=False, rate=40, duration=300, seed=5):
    workload = cdn.zipf_workload(n_objects=500, rate=rate, duration=duration, edges=edges, seed=seed)
    net = cdn.CDN(cdn.DictOrigin.uniform(f"max-age={ttl}"), edges=workload.edges,
                  default_policy=HONOUR_ORIGIN, regional=regional)
    return cdn.simulate(net, workload), workload, net


def test_ttl_zero_sends_every_request_to_the_origin():
    result, workload, _ = run_ttl(0)
    assert result.edge_hits == 0 and result.origin_requests == result.requests == len(workload)
    assert result.origin_rps == pytest.approx(len(workload) / 300)


def test_longer_ttls_raise_the_hit_ratio_and_lower_origin_load():
    results = [run_ttl(t)[0] for t in (1, 10, 60, 300)]
    ratios = [r.edge_hit_ratio for r in results]
    loads = [r.origin_rps for r in results]
    assert ratios == sorted(ratios) and loads == sorted(loads, reverse=True)
    assert all(r.peak_origin_rps >= r.origin_rps for r in results)


def test_more_edges_more_origin_load_unless_a_regional_tier_absorbs_it():
    alone = [run_ttl(60, edges=n)[0].origin_requests for n in (1, 4, 16)]
    assert alone == sorted(alone) and alone[2] > 1.5 * alone[0]
    shared = [run_ttl(60, edges=n, regional=True)[0].origin_requests for n in (1, 4, 16)]
    # With unbounded caches the regional tier fetches exactly when one cache would.
    assert shared == [alone[0]] * 3


def test_steady_state_origin_rate_matches_the_renewal_formula():
    # Each (object, edge) with Poisson rate lam misses once per TTL + 1/lam seconds.
    result, workload, _ = run_ttl(10, edges=4, rate=40, duration=1200)
    lam = (len(workload) / workload.duration) * workload.popularity[:, None] * workload.edge_share[None, :]
    predicted = float((lam / (1 + lam * 10)).sum())
    assert result.origin_rps == pytest.approx(predicted, rel=0.05)


def test_simulate_moves_the_clock_to_the_end_and_can_continue():
    result, workload, net = run_ttl(60, duration=100)
    assert net.clock.now() == pytest.approx(100)
    again = cdn.simulate(net, workload)                         # warm caches now
    assert again.edge_hit_ratio > result.edge_hit_ratio
    assert net.clock.now() == pytest.approx(200)


def test_simulate_refuses_a_workload_for_other_edges():
    workload = cdn.zipf_workload(n_objects=5, rate=1, duration=10, edges=3)
    with pytest.raises(ValueError, match="edges the CDN lacks"):
        cdn.simulate(cdn.CDN(cdn.DictOrigin.uniform(None), edges=2), workload)
