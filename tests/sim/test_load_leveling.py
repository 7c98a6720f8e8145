"""course.sim.load_leveling: a queue absorbs a burst that a fixed fleet alone would reject; scaling on the metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course.clock import SimulatedClock
from course.sim.latency import Constant, Exponential
from course.sim.load_leveling import autoscale, profile_arrivals, profile_duration, run_fixed

FESTIVAL = [(60, 3), (90, 40), (750, 3)]


def arrivals(profile, seed=7):
    rng = np.random.default_rng(seed)
    return profile_arrivals(rng, profile), rng


def test_profile_arrivals_follow_each_segment_and_are_seeded():
    times, _ = arrivals(FESTIVAL)
    again, _ = arrivals(FESTIVAL)
    assert np.array_equal(times, again)
    assert np.all(np.diff(times) >= 0) and times.min() >= 0 and times.max() < profile_duration(FESTIVAL) == 900
    in_burst = ((times >= 60) & (times < 150)).sum()
    assert abs(in_burst - 3600) < 4 * math.sqrt(3600)
    assert abs(((times >= 150)).sum() - 2250) < 4 * math.sqrt(2250)
    with pytest.raises(ValueError):
        profile_arrivals(np.random.default_rng(1), [(0, 3)])


def test_deterministic_service_matches_the_fluid_arithmetic():
    """One message per second on one consumer taking 0.5 s: nobody waits; at 2 per 0.5 s one waits 0.5 s."""
    run = run_fixed(np.arange(10.0), 1, Constant(0.5), np.random.default_rng(1), horizon=20)
    assert run.completed == 10 and run.rejected_fraction == 0 and np.allclose(run.waits(), 0)
    assert np.allclose(run.latencies(), 0.5)
    pairs = np.repeat(np.arange(5.0), 2)
    run = run_fixed(pairs, 1, Constant(0.5), np.random.default_rng(1), horizon=20)
    assert np.allclose(run.waits(), [0, 0.5] * 5)
    without = run_fixed(pairs, 1, Constant(0.5), np.random.default_rng(1), queue=False, horizon=20)
    assert without.rejected.tolist() == [False, True] * 5 and without.rejected_fraction == 0.5


def test_the_queue_turns_rejections_into_waiting_and_the_backlog_follows_the_fluid_model():
    times, rng = arrivals(FESTIVAL)
    queued = run_fixed(times, 4, Exponential(0.5), np.random.default_rng(1), horizon=900)
    direct = run_fixed(times, 4, Exponential(0.5), np.random.default_rng(1), queue=False, horizon=900)
    assert queued.rejected_fraction == 0 and direct.rejected_fraction > 0.4
    # fluid model: the backlog grows at 40 - 8 per second during the burst, then drains at 8 - 3
    peak = queued.backlog_at([150])[0]
    assert abs(peak - 32 * 90) < 200
    assert abs(queued.backlog_at([400])[0] - (32 * 90 - 5 * 250)) < 250
    assert 650 < queued.drained_at(150) < 820
    assert queued.unfinished < 20 and direct.wait_percentiles()[99] == 0


def test_a_sustained_overload_grows_without_bound():
    times, rng = arrivals([(600, 3)])
    run = run_fixed(times, 1, Constant(0.5), rng, horizon=600)   # 3 per second against 2 per second
    backlog = run.backlog_at([100, 300, 600])
    assert backlog[0] < backlog[1] < backlog[2] and abs(backlog[2] - 600) < 100
    assert run.drained_at(100) == float("inf") and run.unfinished == backlog[2] + 1


def test_little_law_holds_in_the_simulation():
    times, rng = arrivals([(3000, 6)], seed=3)
    run = run_fixed(times, 4, Exponential(0.5), rng, horizon=3000)
    grid = np.arange(0, 3000, 0.5)
    mean_queue = run.backlog_at(grid).mean()
    assert mean_queue == pytest.approx(6 * run.waits().mean(), rel=0.1)


def test_runs_on_the_course_clock():
    clock = SimulatedClock(start=100.0)
    run = run_fixed(np.array([1.0, 2.0]), 1, 0.25, np.random.default_rng(1), horizon=10, clock=clock)
    assert clock.now() == 110.0 and run.finish.tolist() == [1.25, 2.25]


def fixed(n):
    return lambda samples: (n, False)


def test_autoscale_feeds_the_policy_cloudwatch_style_samples_and_applies_its_decisions():
    times, rng = arrivals([(600, 10)])
    seen = []

    def policy(samples):
        seen.append(samples)
        return (6, False)

    result = autoscale(policy, times, Exponential(0.5), rng, horizon=600, initial=1, warmup=60)
    assert len(result.samples) == 10 and [len(s) for s in seen] == list(range(1, 11))
    first, second, third = result.samples[:3]
    assert set(first) == {"time", "visible", "in_flight", "sent", "deleted", "consumers", "desired", "period"}
    assert first["time"] == 60 and first["consumers"] == 1 and first["desired"] == 1 and first["period"] == 60
    assert abs(first["sent"] - 600) < 100 and first["visible"] > 400       # one consumer cannot keep up
    assert second["desired"] == 6 and second["consumers"] == 6             # asked for at 60, in service at 120
    assert sum(s["sent"] for s in result.samples) == times.size
    assert result.run.unfinished < 300 and result.direction_changes() == 0 and result.first_overload() == math.inf


def test_autoscale_clamps_scales_in_without_losing_messages_and_records_overload():
    times, rng = arrivals([(300, 10), (300, 1)])
    plan = [50, 8, 8, 8, 8] + [1] * 10
    result = autoscale(lambda s: (plan[len(s) - 1], len(s) == 3), times, Constant(0.5), rng, horizon=900,
                       initial=2, max_consumers=8, warmup=30)
    assert result.desired().tolist()[:2] == [8, 8] and result.decisions[0]["asked"] == 50
    assert result.in_service().tolist()[-1] == 1
    assert result.first_overload() == 180
    assert result.run.completed == times.size, "scale-in must not lose a message"
    assert result.direction_changes() == 1

