"""course.sim.tail_latency: the simulated latencies (in seconds) behave as the scatter/gather notebook says."""

from __future__ import annotations

import socket
import time

import boto3
import numpy as np
import pytest
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError

from course.sim import tail_latency as tl


def test_samples_are_seeded_and_shaped():
    model = tl.ShardLatency()
    a = model(np.random.default_rng(1), (50, 7))
    b = model(np.random.default_rng(1), (50, 7))
    assert a.shape == (50, 7)
    assert np.array_equal(a, b)
    assert (a > 0).all()
    one = model(np.random.default_rng(1))
    assert isinstance(one, float) and one > 0


def test_latencies_are_in_seconds():
    calls = tl.ShardLatency(median=0.010, sigma=0.25, hiccup_prob=0.0)(np.random.default_rng(8), 10_000)
    assert np.median(calls) == pytest.approx(0.010, rel=0.02)


def test_body_median_and_hiccup_rate_match_the_model():
    model = tl.ShardLatency(median=0.010, sigma=0.2, hiccup_prob=0.05, hiccup_mean=0.100)
    calls = model(np.random.default_rng(2), 200_000)
    assert np.median(calls) == pytest.approx(0.010, rel=0.05)
    # The body almost never exceeds 3x the median; hiccups (mean +100 ms) usually do.
    assert (calls > 0.030).mean() == pytest.approx(0.05 * np.exp(-20 / 100), abs=0.005)


def test_no_hiccups_means_a_pure_lognormal():
    model = tl.ShardLatency(median=0.005, sigma=0.0, hiccup_prob=0.0)
    calls = model(np.random.default_rng(3), 1000)
    assert np.allclose(calls, 0.005)


@pytest.mark.parametrize("kwargs", [{"median": 0}, {"sigma": -1}, {"hiccup_prob": 1.5},
                                    {"hiccup_mean": -3}])
def test_invalid_models_are_refused(kwargs):
    with pytest.raises(ValueError):
        tl.ShardLatency(**kwargs)


def test_percentiles_are_observed_values_by_nearest_rank():
    model = tl.ShardLatency()
    got = tl.call_percentiles(model, (50, 99), seed=5, n=1000)
    calls = np.sort(model(np.random.default_rng([5, 0]), 1000))
    assert got[50] == calls[499]  # ceil(0.50 * 1000) - 1
    assert got[99] == calls[989]  # ceil(0.99 * 1000) - 1


def test_whole_request_waits_for_its_slowest_shard():
    model = tl.ShardLatency()
    calls, extra = tl.shard_calls(100, 8, model, np.random.default_rng(4))
    whole, _ = tl.fanout_latencies(100, 8, model, np.random.default_rng(4))
    assert extra == 0
    assert np.array_equal(whole, calls.max(axis=1))


def test_hedging_sends_copies_only_for_late_calls_and_takes_the_first_answer():
    model = tl.ShardLatency()
    plain, _ = tl.shard_calls(2000, 5, model, np.random.default_rng(6))
    hedged, extra = tl.shard_calls(2000, 5, model, np.random.default_rng(6), hedge_after=0.015)
    late = plain > 0.015
    assert extra == int(late.sum())
    assert np.array_equal(hedged[~late], plain[~late])           # no copy: unchanged
    assert (hedged[late] <= plain[late]).all()                    # first answer wins
    assert (hedged[late] > 0.015).all()                           # a copy starts at 15 ms
    assert (hedged[late] < plain[late]).any()


def test_fanout_raises_p99_and_hedging_brings_it_down():
    table = tl.fanout_table([1, 10, 100], n_requests=5000, seed=9)
    assert table["p99_s"].is_monotonic_increasing
    assert table.loc[100, "p99_s"] > 3 * table.loc[1, "p99_s"]
    assert (table["p99_hedged_s"] < table["p99_s"] / 2).all()
    # Hedging after the p95 delay costs about 5% more calls, whatever the fan-out.
    assert table["extra_calls_pct"].between(4, 6).all()
    # 1 - 0.99**N of the requests meet at least one call slower than a call's p99.
    assert np.allclose(table["slow_share_measured"], table["slow_share_theory"], atol=0.03)
    assert table.attrs["hedge_after_s"] < table.attrs["call_p99_s"]


def test_fanout_table_is_deterministic():
    a = tl.fanout_table([2, 20], n_requests=2000, seed=3)
    b = tl.fanout_table([2, 20], n_requests=2000, seed=3)
    assert a.equals(b)


def test_earlier_hedges_cost_more_calls():
    table = tl.hedge_delay_table(20, quantiles=(50, 95, 99), n_requests=5000, seed=2)
    assert list(table.index) == ["never", "p50", "p95", "p99"]
    assert table.loc["never", "extra_calls_pct"] == 0
    assert table["extra_calls_pct"].iloc[1:].is_monotonic_decreasing
    assert table.loc["p50", "extra_calls_pct"] == pytest.approx(50, abs=3)
    assert table.loc["p95", "p99_s"] < table.loc["never", "p99_s"]


def test_invalid_fanout_is_refused():
    with pytest.raises(ValueError):
        tl.fanout_latencies(10, 0, tl.ShardLatency(), np.random.default_rng(0))


def test_silent_server_accepts_and_never_answers():
    with tl.SilentServer() as server:
        assert server.url.startswith("http://127.0.0.1:")
        with socket.create_connection(("127.0.0.1", server.port), timeout=1) as conn:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            conn.settimeout(0.2)
            with pytest.raises(socket.timeout):
                conn.recv(1)
    with pytest.raises(RuntimeError):
        server.url


def test_botocore_read_timeout_fires_against_the_silent_server():
    config = Config(connect_timeout=1, read_timeout=0.2, retries={"total_max_attempts": 1})
    with tl.SilentServer() as server:
        ddb = boto3.session.Session(region_name="us-east-1").client(
            "dynamodb", endpoint_url=server.url, config=config)
        start = time.perf_counter()
        with pytest.raises(ReadTimeoutError):
            ddb.list_tables()
        elapsed = time.perf_counter() - start
    assert 0.15 < elapsed < 1.0
