"""course.sim.cache: the offline ElastiCache data plane, simulated expiry and latency, workloads."""

from __future__ import annotations

import socket
from datetime import timedelta

import fakeredis
import pytest
import redis

import course
from course.sim import cache as cc
from course.clock import SimulatedClock
from course.sim.workload import zipf_popularity


@pytest.fixture()
def fresh_sandbox():
    sb = course.sandbox.start(quiet=True)
    yield sb


@pytest.fixture()
def no_redis_url(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)


# -- connect --------------------------------------------------------------------

def test_connect_gives_an_in_process_fake_shared_per_endpoint(fresh_sandbox, no_redis_url):
    a = cc.connect("master.shop.abc123.use1.cache.amazonaws.com", 6379, ssl=True)
    b = cc.connect("MASTER.shop.abc123.use1.cache.amazonaws.com", 6379)
    other = cc.connect("master.other.abc123.use1.cache.amazonaws.com", 6379)
    assert isinstance(a, fakeredis.FakeRedis)
    a.set("k", "v")
    assert b.get("k") == "v", "two clients of one endpoint share one cache"
    assert other.get("k") is None, "another endpoint is another cache"
    assert cc.connect("master.shop.abc123.use1.cache.amazonaws.com", 6380).get("k") is None


def test_connect_decodes_responses_by_default(fresh_sandbox, no_redis_url):
    client = cc.connect("decode-test")
    client.set("k", "v")
    assert client.get("k") == "v"
    raw = cc.connect("decode-test", decode_responses=False)
    assert raw.get("k") == b"v"


def test_restarting_the_sandbox_empties_the_caches(no_redis_url):
    course.sandbox.start(quiet=True)
    cc.connect("restart-test").set("k", "v")
    assert cc.connect("restart-test").get("k") == "v"
    course.sandbox.start(quiet=True)
    assert cc.connect("restart-test").get("k") is None


def test_redis_url_off_this_machine_is_refused_without_any_connection(monkeypatch):
    attempts = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: attempts.append(a) or [])
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: attempts.append(addr))
    for url in ("redis://cache.example.com:6379/0", "rediss://10.0.0.5:6379", "redis://8.8.8.8"):
        monkeypatch.setenv("REDIS_URL", url)
        with pytest.raises(ValueError, match="offline"):
            cc.connect()
    monkeypatch.setenv("REDIS_URL", "http://127.0.0.1:6379")
    with pytest.raises(ValueError, match="expected redis://"):
        cc.connect()
    assert attempts == []


def test_redis_url_on_loopback_gives_a_real_client_lazily(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/2")
    client = cc.connect("ignored-host")
    assert type(client) is redis.Redis
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("127.0.0.1", 6399, 2)
    assert client.connection_pool.connection_kwargs.get("decode_responses") is True


# -- SimulatedTimeRedis -----------------------------------------------------------

@pytest.fixture()
def timed():
    clock = SimulatedClock()
    return cc.SimulatedTimeRedis(fakeredis.FakeRedis(decode_responses=True), clock), clock


def test_keys_expire_by_the_simulated_clock(timed):
    r, clock = timed
    assert r.set("k", "v", ex=10) is True
    clock.advance(9.9)
    assert r.get("k") == "v"
    assert r.ttl("k") == 0  # 0.1 s left rounds to 0, as Redis reports it
    clock.advance(0.1)
    assert r.get("k") is None
    assert r.exists("k") == 0
    assert r.ttl("k") == -2


def test_the_wrapped_client_holds_no_wall_clock_ttl(timed):
    r, clock = timed
    r.set("k", "v", ex=1)
    assert r.client.ttl("k") == -1, "expiry lives on the simulated clock only"
    clock.advance(1)
    r.get("k")
    assert r.client.exists("k") == 0, "an expired key is deleted from the wrapped client on access"


def test_ttl_values_and_rounding(timed):
    r, clock = timed
    assert r.ttl("missing") == -2
    r.set("plain", "v")
    assert r.ttl("plain") == -1
    r.set("k", "v", px=2500)
    assert r.ttl("k") == 3  # 2.5 s rounds half up, like Redis
    clock.advance(1.0)
    assert r.ttl("k") == 2
    r.setex("s", timedelta(minutes=5), "v")
    assert r.ttl("s") == 300


def test_plain_set_discards_the_ttl_and_keepttl_keeps_it(timed):
    r, clock = timed
    r.set("k", "v1", ex=5)
    r.set("k", "v2")
    clock.advance(10)
    assert r.get("k") == "v2"
    r.set("j", "v1", ex=5)
    r.set("j", "v2", keepttl=True)
    assert r.get("j") == "v2"
    clock.advance(5)
    assert r.get("j") is None


def test_nx_lock_can_be_taken_again_once_it_expires(timed):
    r, clock = timed
    assert r.set("lock", "a", nx=True, ex=5) is True
    assert r.set("lock", "b", nx=True, ex=5) is None
    clock.advance(5)
    assert r.set("lock", "b", nx=True, ex=5) is True
    assert r.get("lock") == "b"
    assert r.set("absent", "x", xx=True) is None
    assert r.get("absent") is None


def test_set_rejects_bad_expiry(timed):
    r, _ = timed
    with pytest.raises(redis.DataError):
        r.set("k", "v", ex=0)
    with pytest.raises(redis.DataError):
        r.set("k", "v", ex=1, px=1000)


def test_delete_expire_incr(timed):
    r, clock = timed
    r.set("a", "1", ex=2)
    r.set("b", "1")
    clock.advance(2)
    assert r.delete("a", "b", "c") == 1, "an expired key no longer counts as deleted"
    assert r.delete() == 0
    r.set("n", "1")
    assert r.expire("n", 3) is True
    assert r.incr("n") == 2
    assert r.ttl("n") == 3, "INCR keeps the TTL"
    clock.advance(3)
    assert r.get("n") is None
    assert r.expire("n", 3) is False
    r.set("m", "1")
    assert r.expire("m", 0) is True and r.exists("m") == 0


def test_flushdb_forgets_deadlines(timed):
    r, clock = timed
    r.set("k", "v", ex=1)
    r.flushdb()
    r.set("k", "v")  # no TTL now
    clock.advance(5)
    assert r.get("k") == "v"


def test_each_command_takes_the_simulated_latency(timed):
    clock = SimulatedClock()
    r = cc.SimulatedTimeRedis(fakeredis.FakeRedis(), clock, latency=0.0005)
    r.set("k", "v", ex=60)
    r.get("k")
    r.get("k")
    assert clock.now() == pytest.approx(0.0015)
    assert r.commands == 3
    per_command = cc.SimulatedTimeRedis(fakeredis.FakeRedis(), clock,
                                        latency=lambda cmd: 0.002 if cmd == "set" else 0.001)
    start = clock.now()
    per_command.set("k", "v")
    per_command.get("k")
    assert clock.now() - start == pytest.approx(0.003)


def test_latency_is_spent_before_the_command_sees_the_clock():
    clock = SimulatedClock()
    r = cc.SimulatedTimeRedis(fakeredis.FakeRedis(), clock, latency=1.0)
    r.set("k", "v", ex=2)  # t: 0 -> 1, deadline 3
    assert r.get("k") == b"v"  # t = 2
    assert r.get("k") is None  # t = 3: expired


def test_unsupported_commands_are_refused_with_an_explanation(timed):
    r, _ = timed
    with pytest.raises(AttributeError, match="simulated clock"):
        r.hset("h", "f", "v")
    assert r.ping() is True


def test_bytes_and_str_keys_share_one_deadline(timed):
    r, clock = timed
    r.set(b"k", "v", ex=1)
    assert r.ttl("k") == 1
    clock.advance(1)
    assert r.get("k") is None


# -- workloads ------------------------------------------------------------------

def test_sale_workload_rates_order_and_determinism():
    w = cc.sale_workload(200, duration=1000, read_rate=20, write_rate=0.5, s=1.0, seed=11)
    assert w == cc.sale_workload(200, duration=1000, read_rate=20, write_rate=0.5, s=1.0, seed=11)
    assert w != cc.sale_workload(200, duration=1000, read_rate=20, write_rate=0.5, s=1.0, seed=12)
    times = [r.time for r in w]
    assert times == sorted(times) and 0 <= times[0] and times[-1] < 1000
    reads = sum(r.op == "read" for r in w)
    writes = sum(r.op == "write" for r in w)
    assert reads == pytest.approx(20_000, rel=0.03)
    assert writes == pytest.approx(500, rel=0.15)
    assert {r.op for r in w} == {"read", "write"}
    assert all(0 <= r.item < 200 for r in w)
    hot_reads = sum(r.op == "read" and r.item == 0 for r in w) / reads
    assert hot_reads == pytest.approx(zipf_popularity(200, 1.0)[0], abs=0.01)


def test_sale_workload_rejects_nonsense():
    with pytest.raises(ValueError):
        cc.sale_workload(10, duration=0, read_rate=1, write_rate=1)
    with pytest.raises(ValueError):
        cc.sale_workload(10, duration=5, read_rate=-1, write_rate=1)
