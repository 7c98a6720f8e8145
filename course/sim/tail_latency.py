"""Tail latency of scatter/gather, simulated: seeded draws, no real sleeping.

moto answers every call at once, so the latency of a fan-out over many shards
cannot be measured on the sandbox. This module draws each shard call's latency
from a stated distribution instead (a log-normal body plus rare hiccups, the
shape measured on real services: most calls are fast, a few are much slower)
and computes what a caller that waits for all N shards sees::

    model = tail_latency.ShardLatency()                  # about 10 ms, 2% hiccups
    table = tail_latency.fanout_table([1, 10, 100], seed=14)

Latencies are in seconds and drawn from a numpy Generator, as everywhere in
:mod:`course.sim.latency`; the tables' columns say so (``p99_s``), and a
notebook shows them in ms. A *hedged* request sends a second copy of a shard
call when the first has not answered after ``hedge_after`` seconds and takes
whichever answers first; the
simulation assumes the copy's latency is an independent draw from the same
distribution (true for hiccups local to one server, false when the whole shard
is overloaded).

:class:`SilentServer` is a loopback TCP endpoint that accepts connections and
never answers: what a hung server looks like to a client, for watching
botocore's ``read_timeout`` fire for real.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

import numpy as np
import pandas as pd

PERCENTILE_METHOD = "inverted_cdf"  # nearest rank: a percentile is an observed value


@dataclass(frozen=True)
class ShardLatency:
    """The latency of one shard call, in seconds: a :class:`course.sim.latency.Distribution`.

    A log-normal body with median ``median`` and shape ``sigma``; with
    probability ``hiccup_prob`` the call also hits a hiccup (a garbage
    collection pause, a queue behind a big request, a cold cache) that adds an
    exponential delay of mean ``hiccup_mean``.
    """

    median: float = 0.010
    sigma: float = 0.25
    hiccup_prob: float = 0.02
    hiccup_mean: float = 0.080

    def __post_init__(self):
        if self.median <= 0 or self.sigma < 0 or self.hiccup_mean < 0:
            raise ValueError("median must be > 0, sigma and hiccup_mean >= 0")
        if not 0.0 <= self.hiccup_prob <= 1.0:
            raise ValueError(f"hiccup_prob must be between 0 and 1, not {self.hiccup_prob}")

    def __call__(self, rng: np.random.Generator, size=None) -> float | np.ndarray:
        """Latencies in seconds: one float for ``size=None``, else an array of shape ``size``."""
        latency = np.atleast_1d(rng.lognormal(np.log(self.median), self.sigma, size))
        hiccup = rng.random(latency.shape) < self.hiccup_prob
        latency[hiccup] += rng.exponential(self.hiccup_mean, int(hiccup.sum()))
        return float(latency[0]) if size is None else latency


def _pct(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q, method=PERCENTILE_METHOD))


def call_percentiles(model: ShardLatency, qs, seed: int = 0, n: int = 100_000) -> dict[float, float]:
    """Percentiles of one shard call (s), from ``n`` seeded draws: what a client measures and hedges on."""
    calls = model(np.random.default_rng([seed, 0]), n)
    return {q: _pct(calls, q) for q in qs}


def shard_calls(n_requests: int, fanout: int, model: ShardLatency, rng: np.random.Generator,
                hedge_after: float | None = None) -> tuple[np.ndarray, int]:
    """Per-call latencies (s), shape (n_requests, fanout), and the number of hedges sent.

    Without ``hedge_after`` (seconds) no copy is ever sent.
    """
    if n_requests < 1 or fanout < 1:
        raise ValueError("n_requests and fanout must be at least 1")
    calls = model(rng, (n_requests, fanout))
    if hedge_after is None:
        return calls, 0
    # Only calls still running at hedge_after get a copy: draw just those.
    sent = calls > hedge_after
    backup = model(rng, int(sent.sum()))
    calls[sent] = np.minimum(calls[sent], hedge_after + backup)
    return calls, int(sent.sum())


def fanout_latencies(n_requests: int, fanout: int, model: ShardLatency, rng: np.random.Generator,
                     hedge_after: float | None = None) -> tuple[np.ndarray, int]:
    """Whole-request latencies (s) of ``n_requests`` requests that each wait for ``fanout`` shards.

    The whole request is as slow as its slowest shard call. Returns the
    latencies and the number of extra (hedge) calls sent.
    """
    calls, extra = shard_calls(n_requests, fanout, model, rng, hedge_after)
    return calls.max(axis=1), extra


def fanout_table(fanouts, n_requests: int = 20_000, model: ShardLatency | None = None,
                 seed: int = 14, hedge_quantile: float = 95.0) -> pd.DataFrame:
    """p50/p99 of the whole request against fan-out N, without and with hedging.

    Columns: ``fanout``; ``slow_share_theory`` = 1 - 0.99**N and
    ``slow_share_measured``, the share of requests that meet at least one call
    slower than a single call's p99; ``p50_s``/``p99_s`` without hedging;
    ``p50_hedged_s``/``p99_hedged_s`` with a copy sent after the single-call
    ``hedge_quantile`` delay; ``extra_calls_pct``, the hedges as a share of calls.
    ``attrs`` holds ``call_p99_s`` and ``hedge_after_s``.
    """
    model = model or ShardLatency()
    measured = call_percentiles(model, (99, hedge_quantile), seed=seed)
    call_p99, hedge_after = measured[99], measured[hedge_quantile]
    rows = []
    for n in fanouts:
        calls, _ = shard_calls(n_requests, n, model, np.random.default_rng([seed, int(n)]))
        plain = calls.max(axis=1)
        slow = float((calls > call_p99).any(axis=1).mean())
        # The same primary draws, now with hedging: only the hedges differ.
        hedged, extra = fanout_latencies(n_requests, n, model, np.random.default_rng([seed, int(n)]),
                                         hedge_after=hedge_after)
        rows.append({
            "fanout": int(n),
            "slow_share_theory": 1 - 0.99 ** n,
            "slow_share_measured": slow,
            "p50_s": _pct(plain, 50),
            "p99_s": _pct(plain, 99),
            "p50_hedged_s": _pct(hedged, 50),
            "p99_hedged_s": _pct(hedged, 99),
            "extra_calls_pct": 100.0 * extra / (n_requests * n),
        })
    table = pd.DataFrame(rows).set_index("fanout")
    table.attrs.update(call_p99_s=call_p99, hedge_after_s=hedge_after)
    return table


def hedge_delay_table(fanout: int, quantiles=(50, 90, 95, 99), n_requests: int = 20_000,
                      model: ShardLatency | None = None, seed: int = 14) -> pd.DataFrame:
    """Cost and benefit of the hedge delay: p99 of the whole (s) and extra calls, per delay."""
    model = model or ShardLatency()
    delays = call_percentiles(model, quantiles, seed=seed)
    rows = []
    plain, _ = fanout_latencies(n_requests, fanout, model, np.random.default_rng([seed, int(fanout)]))
    rows.append({"hedge_after": "never", "hedge_after_s": np.inf,
                 "p99_s": _pct(plain, 99), "extra_calls_pct": 0.0})
    for q in quantiles:
        after = delays[q]
        # The same primary calls each time (same seed): only the hedge delay changes.
        rng = np.random.default_rng([seed, int(fanout)])
        hedged, extra = fanout_latencies(n_requests, fanout, model, rng, hedge_after=after)
        rows.append({"hedge_after": f"p{q:g}", "hedge_after_s": after,
                     "p99_s": _pct(hedged, 99),
                     "extra_calls_pct": 100.0 * extra / (n_requests * fanout)})
    return pd.DataFrame(rows).set_index("hedge_after")


class SilentServer:
    """A TCP endpoint on 127.0.0.1 that accepts connections and never answers.

    The kernel completes each connection, the client sends its request, and no
    byte ever comes back: exactly what a hung server looks like from a client.
    Use as a context manager; ``url`` is the endpoint to give a boto3 client.
    """

    def __init__(self, backlog: int = 32):
        self.backlog = backlog
        self._sock: socket.socket | None = None

    def start(self) -> "SilentServer":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(self.backlog)
        self._sock = sock
        return self

    @property
    def port(self) -> int:
        if self._sock is None:
            raise RuntimeError("SilentServer is not started")
        return self._sock.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None

    def __enter__(self) -> "SilentServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
