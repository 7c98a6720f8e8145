"""ElastiCache's data plane for the course, and the workloads of the caching notebook.

moto answers ElastiCache's *control plane* (``create_replication_group``,
``describe_replication_groups``, ...) but serves no Redis protocol: the
endpoint it returns is a made-up host name. The course therefore runs the
*data plane* in this process with fakeredis, a Redis-compatible server
written in Python, and notebooks talk to it with the same redis-py calls one
makes against ElastiCache (Valkey or Redis OSS)::

    page_cache = cache.connect(endpoint["Address"], endpoint["Port"], ssl=True)
    page_cache.set("product:SKU-0001", "...", ex=300)   # redis-py, as on AWS

If the environment variable ``REDIS_URL`` names a Redis or Valkey server on
this machine (``redis://127.0.0.1:6379/0``), ``connect`` returns a real
redis-py client for it instead. Addresses off this machine are refused: the
course runs offline.

Two things real ElastiCache has and fakeredis does not are simulated here,
explicitly:

* **time**: fakeredis expires keys by the wall clock, so a 5-minute TTL would
  take 5 real minutes. :class:`SimulatedTimeRedis` wraps a redis-py client so
  that keys expire by a :class:`course.clock.SimulatedClock` instead, and each
  command advances that clock by a simulated network latency, in seconds
  (:mod:`course.sim.latency`; ElastiCache answers in well under a millisecond
  inside a VPC; fakeredis in-process answers in about 0.1 ms of Python time,
  which says nothing about AWS).
* **traffic**: :func:`sale_workload` draws a skewed (Zipf) stream of page views
  and price changes, seeded, from :mod:`course.sim.workload`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlparse

import fakeredis
import numpy as np
import redis

from course.runtime import netguard, sandbox
from course.clock import SimulatedClock
from course.sim.latency import PerOperation, per_operation
from course.sim.workload import poisson_arrivals, zipf_items

__all__ = ["connect", "SimulatedTimeRedis", "Request", "sale_workload"]

# One fake server per (host, port), so that two clients of the same endpoint
# (two "application servers") share one cache. The servers live as long as the
# sandbox: restarting the sandbox (re-running a notebook from the top) gives
# empty caches, like newly created clusters.
_servers: dict[tuple[str, int], fakeredis.FakeServer] = {}
_servers_owner: object = None


def _server_for(host: str, port: int) -> fakeredis.FakeServer:
    global _servers_owner
    owner = sandbox.active()
    if owner is not _servers_owner:
        _servers.clear()
        _servers_owner = owner
    key = (str(host).lower(), int(port))
    if key not in _servers:
        _servers[key] = fakeredis.FakeServer()
    return _servers[key]


def connect(host: str = "localhost", port: int = 6379, *, ssl: bool = False,
            decode_responses: bool = True, **kwargs) -> redis.Redis:
    """A redis-py client for the cache at ``host:port``.

    Offline (the default), an in-process fakeredis server stands in for the
    ElastiCache node: clients of the same ``host``/``port`` share its data.
    ``ssl`` is accepted for parity with ``redis.Redis(..., ssl=True)`` (which
    ElastiCache needs when in-transit encryption is on) and ignored here.

    With ``REDIS_URL`` set to a loopback address, returns
    ``redis.Redis.from_url(REDIS_URL)`` for a real server on this machine
    (``host`` and ``port`` are then ignored). Any other address raises
    ``ValueError`` before a connection is attempted.
    """
    url = os.environ.get("REDIS_URL", "").strip()
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"REDIS_URL={url!r}: expected redis://127.0.0.1:6379/0 or similar")
        if parsed.scheme != "unix" and (not parsed.hostname or not netguard.is_loopback(parsed.hostname)):
            raise ValueError(
                f"REDIS_URL points at {parsed.hostname!r}: this course runs offline and only uses a "
                "Redis or Valkey server on this machine (127.0.0.1 or localhost). Unset REDIS_URL to "
                "use the in-process fakeredis server."
            )
        return redis.Redis.from_url(url, decode_responses=decode_responses, **kwargs)
    return fakeredis.FakeRedis(server=_server_for(host, port), decode_responses=decode_responses, **kwargs)


def _seconds(value: float | int | timedelta) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


class SimulatedTimeRedis:
    """A redis-py client whose keys expire, and whose commands take time, on a simulated clock.

    Wraps any redis-py client (fakeredis or a real server). Supported commands,
    with redis-py's signatures and return values: ``get``, ``set`` (``ex``,
    ``px``, ``nx``, ``xx``, ``keepttl``), ``setex``, ``delete``, ``exists``,
    ``expire``, ``ttl``, ``incr``, ``ping``, ``flushdb``. Other commands are
    refused rather than run with the wall clock's expiry.

    Expiry deadlines are kept here, on ``clock``; the wrapped client stores
    the keys without a TTL, and a key whose deadline has passed is deleted the
    next time a command touches it (as Redis does lazily). Each command first
    advances ``clock`` by ``latency`` seconds (a number, or a function of the
    command name), standing for the network round trip to the cache node.
    """

    SUPPORTED = ("get", "set", "setex", "delete", "exists", "expire", "ttl", "incr", "ping", "flushdb")

    def __init__(self, client, clock: SimulatedClock, latency: float | PerOperation = 0.0):
        self.client = client
        self.clock = clock
        self._latency = per_operation(latency)
        self._deadlines: dict[str, float] = {}
        self.commands = 0

    # -- plumbing -------------------------------------------------------
    @staticmethod
    def _key(name) -> str:
        return name.decode() if isinstance(name, bytes) else str(name)

    def _start(self, command: str) -> None:
        self.commands += 1
        seconds = max(0.0, float(self._latency(command)))
        if seconds:
            self.clock.advance(seconds)

    def _purge(self, name) -> None:
        key = self._key(name)
        deadline = self._deadlines.get(key)
        if deadline is not None and self.clock.now() >= deadline:
            self.client.delete(key)
            del self._deadlines[key]

    def __getattr__(self, name: str):
        raise AttributeError(
            f"SimulatedTimeRedis does not offer {name!r}: it supports {', '.join(self.SUPPORTED)}, whose "
            "expiry follows the simulated clock. Use .client for the wrapped redis-py client "
            "(its keys expire by the wall clock)."
        )

    # -- commands -------------------------------------------------------
    def ping(self) -> bool:
        self._start("ping")
        return self.client.ping()

    def get(self, name):
        self._start("get")
        self._purge(name)
        return self.client.get(name)

    def set(self, name, value, ex=None, px=None, nx: bool = False, xx: bool = False, keepttl: bool = False):
        self._start("set")
        if ex is not None and px is not None:
            raise redis.DataError("set: give ex or px, not both")
        ttl = _seconds(ex) if ex is not None else (_seconds(px) / 1000 if px is not None else None)
        if ttl is not None and ttl <= 0:
            raise redis.DataError(f"set: the expire time must be positive, not {ttl}")
        self._purge(name)
        result = self.client.set(name, value, nx=nx, xx=xx, keepttl=keepttl)
        if result:
            key = self._key(name)
            if ttl is not None:
                self._deadlines[key] = self.clock.now() + ttl
            elif not keepttl:
                self._deadlines.pop(key, None)  # a plain SET discards the old TTL, as in Redis
        return result

    def setex(self, name, time, value):
        return self.set(name, value, ex=time)

    def delete(self, *names) -> int:
        self._start("delete")
        for name in names:
            self._purge(name)
            self._deadlines.pop(self._key(name), None)
        return self.client.delete(*names) if names else 0

    def exists(self, *names) -> int:
        self._start("exists")
        for name in names:
            self._purge(name)
        return self.client.exists(*names)

    def expire(self, name, time) -> bool:
        self._start("expire")
        self._purge(name)
        if not self.client.exists(name):
            return False
        seconds = _seconds(time)
        if seconds <= 0:  # Redis deletes a key given a non-positive expiry
            self.client.delete(name)
            self._deadlines.pop(self._key(name), None)
        else:
            self._deadlines[self._key(name)] = self.clock.now() + seconds
        return True

    def ttl(self, name) -> int:
        """Seconds left (rounded as Redis does), -1 for a key without TTL, -2 for no key."""
        self._start("ttl")
        self._purge(name)
        if not self.client.exists(name):
            return -2
        deadline = self._deadlines.get(self._key(name))
        if deadline is None:
            return -1
        return int(math.floor(deadline - self.clock.now() + 0.5))

    def incr(self, name, amount: int = 1) -> int:
        self._start("incr")
        self._purge(name)
        return self.client.incr(name, amount)  # INCR keeps the key's TTL, as in Redis

    def flushdb(self) -> bool:
        self._start("flushdb")
        self._deadlines.clear()
        return self.client.flushdb()

    def __repr__(self) -> str:
        return f"<SimulatedTimeRedis at t={self.clock.now():.3f}s over {self.client!r}>"


# -- workloads ---------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    """One request of a workload: at ``time`` seconds, ``op`` ("read" or "write") on ``item``."""

    time: float
    op: str
    item: int


def sale_workload(n_items: int, duration: float, read_rate: float, write_rate: float,
                  s: float = 1.0, seed: int | None = 0) -> list[Request]:
    """Page views and price changes during a sale, sorted by time.

    Reads and writes arrive as independent Poisson processes (``read_rate``
    and ``write_rate`` per second over ``duration`` seconds); both pick items
    from the same Zipf(``s``) popularity, so the products everyone looks at are
    also the ones whose prices change.
    """
    if duration <= 0 or read_rate < 0 or write_rate < 0:
        raise ValueError("duration must be positive and the rates non-negative")
    rng = np.random.default_rng(seed)
    requests: list[Request] = []
    for op, rate in (("read", read_rate), ("write", write_rate)):
        times = poisson_arrivals(rng, rate, duration)
        items = zipf_items(rng, n_items, len(times), s)
        requests += [Request(float(t), op, int(i)) for t, i in zip(times, items)]
    requests.sort(key=lambda r: (r.time, r.op))
    return requests
