"""course.sim.pubsub: synchronous calls against publishing once, with faults on the virtual clock (05)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from course.clock import SimulatedClock
from course.sim import pubsub
from course.sim.latency import Constant, Lognormal

SHORT = dict(rate=5.0, duration=120.0, workers=10)


def scenario(*faults, **changes):
    return pubsub.Scenario(**{**SHORT, **changes}, faults=tuple(faults))


def test_runs_are_seeded_and_every_design_sees_the_same_orders():
    a = pubsub.simulate(scenario(), "sync")
    b = pubsub.simulate(scenario(), "sync")
    pd.testing.assert_frame_equal(a.requests, b.requests)
    c = pubsub.simulate(scenario(), "pubsub")
    assert a.requests["arrival"].tolist() == c.requests["arrival"].tolist()
    other = pubsub.simulate(scenario(seed=6), "sync")
    assert other.requests["arrival"].tolist() != a.requests["arrival"].tolist()


def test_without_faults_everything_succeeds_and_publishing_is_faster():
    runs = {design: pubsub.simulate(scenario(), design) for design in pubsub.DESIGNS}
    for run in runs.values():
        assert run.requests["ok"].all()
        assert not run.deliveries["lost"].any()
    assert runs["pubsub"].requests["latency"].median() < runs["sync"].requests["latency"].median() / 2
    # every subscriber processed every order exactly once in the publishing design
    counts = runs["pubsub"].deliveries.groupby("service")["order"].nunique()
    assert (counts == len(runs["pubsub"].requests)).all()


def test_a_down_subscriber_fails_sync_orders_loses_best_effort_work_and_delays_pubsub():
    down = pubsub.Fault("email", 30.0, 60.0, "down")
    phases = {"before": (0, 30), "down": (30, 60), "after": (60, 120)}
    sync = pubsub.phase_table(pubsub.simulate(scenario(down), "sync"), phases)
    best = pubsub.phase_table(pubsub.simulate(scenario(down), "sync-best-effort"), phases)
    run = pubsub.simulate(scenario(down), "pubsub")
    ps = pubsub.phase_table(run, phases)
    # (an order that arrived just before the window ends may reach email after it: phases are by arrival)
    assert sync.loc["down", "availability"] < 0.05 and sync.loc["before", "availability"] == 1
    assert best.loc["down", "availability"] == 1
    assert best.loc["down", "work_lost"] >= 0.95 * best.loc["down", "orders"], "about one email lost per order"
    assert (ps["availability"] == 1).all() and ps["work_lost"].sum() == 0
    emails = run.deliveries[run.deliveries["service"] == "email"]
    assert not ((emails["processed"] >= 30.5) & (emails["processed"] < 60.0)).any(), \
        "no email is processed while the service is down (one begun just before may finish)"
    assert ps.loc["down", "max_delay_s"] == pytest.approx(30.0, abs=1.0)
    assert run.backlog.loc[59.0, "email"] > 100 and run.backlog.loc[59.0, "inventory"] == 0


def test_a_call_slower_than_the_timeout_fails_after_the_timeout():
    slow = pubsub.Fault("loyalty", 0.0, 200.0, "slow", latency=Constant(5.0))
    run = pubsub.simulate(scenario(slow, rate=1.0, call_timeout=3.0), "sync")
    assert not run.requests["ok"].any()
    assert set(run.requests["why"]) == {"loyalty timed out"}
    assert run.requests["latency"].min() > 3.0


def test_a_slow_dependency_saturates_the_threads_and_customers_give_up():
    slow = pubsub.Fault("email", 0.0, 120.0, "slow", latency=Lognormal(2.5, 0.1))
    run = pubsub.simulate(scenario(slow), "sync")
    # 10 threads / ~2.6 s is about 3.8 orders/s of 5 arriving: a queue forms and waits pass give_up
    assert run.requests["ok"].mean() < 0.6
    assert (run.requests["why"].isin(["customer gave up", "no free thread"])).any()
    assert run.requests["latency"].max() <= run.scenario.give_up


def test_per_bin_reports_availability_and_percentiles_per_bin_of_arrivals():
    run = pubsub.simulate(scenario(pubsub.Fault("email", 60.0, 90.0, "down")), "sync")
    bins = pubsub.per_bin(run, 30.0)
    assert list(bins.index) == [0.0, 30.0, 60.0, 90.0]
    assert bins.loc[60.0, "availability"] == 0 and bins.loc[0.0, "availability"] == 1
    assert (bins["p99_s"] >= bins["p50_s"]).all() and bins["orders"].sum() == len(run.requests)


def test_simulate_runs_on_the_clock_it_is_given():
    clock = SimulatedClock(start=1000.0)
    run = pubsub.simulate(scenario(pubsub.Fault("email", 10.0, 20.0, "down")), "pubsub", clock=clock)
    assert clock.now() > 1000.0 + SHORT["duration"]
    assert run.requests["arrival"].max() < SHORT["duration"]      # times are relative to the run's start
    emails = run.deliveries[run.deliveries["service"] == "email"]
    assert not ((emails["processed"] >= 10.5) & (emails["processed"] < 20.0)).any()


@pytest.mark.parametrize("kwargs", [dict(kind="late"), dict(start=5.0, end=5.0), dict(kind="slow", latency=None)])
def test_invalid_faults_are_refused(kwargs):
    fields = {"service": "email", "start": 0.0, "end": 10.0, "kind": "down", **kwargs}
    with pytest.raises(ValueError):
        pubsub.Fault(**fields)


def test_an_unknown_design_is_refused():
    with pytest.raises(ValueError, match="design"):
        pubsub.simulate(scenario(), "carrier-pigeon")


def test_latency_draws_are_seconds():
    run = pubsub.simulate(scenario(), "pubsub")
    assert np.median(run.requests["latency"]) == pytest.approx(0.040, rel=0.25)
