"""course.sim.latency: seconds everywhere, numpy Generators for random delays."""

from __future__ import annotations

import random

import boto3
import fakeredis
import numpy as np
import pytest

import course
from course.sim import latency
from course.sim.cache import SimulatedTimeRedis
from course.clock import SimulatedClock
from course.sim.replication import Replica, ReplicatedDatabase
from course.sim.tail_latency import ShardLatency

DISTRIBUTIONS = [latency.Constant(0.25), latency.Exponential(0.2, floor=0.01), latency.Lognormal(0.05, 0.8),
                 latency.Uniform(0.1, 0.3), ShardLatency()]


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: type(d).__name__)
def test_every_distribution_draws_a_float_or_an_array_from_a_numpy_generator(dist):
    one = dist(np.random.default_rng(3))
    assert isinstance(one, float) and one >= 0
    many = dist(np.random.default_rng(3), (40, 5))
    assert isinstance(many, np.ndarray) and many.shape == (40, 5) and (many >= 0).all()
    assert np.array_equal(many, dist(np.random.default_rng(3), (40, 5))), "the same seed, the same delays"


def test_distributions_have_the_promised_shape_in_seconds():
    rng = np.random.default_rng(4)
    assert latency.Exponential(0.2)(rng, 20_000).mean() == pytest.approx(0.2, rel=0.03)
    assert latency.Exponential(0.1, floor=0.05)(rng, 1000).min() >= 0.05
    draws = latency.Uniform(0.1, 0.3)(rng, 1000)
    assert 0.1 <= draws.min() and draws.max() <= 0.3
    assert np.median(latency.Lognormal(0.05, 0.8)(rng, 20_001)) == pytest.approx(0.05, rel=0.05)
    assert latency.Constant(0.4)(rng) == 0.4


@pytest.mark.parametrize("bad", [lambda: latency.Constant(-1), lambda: latency.Exponential(0),
                                 lambda: latency.Uniform(0.3, 0.1), lambda: latency.Lognormal(0)])
def test_impossible_parameters_are_refused(bad):
    with pytest.raises(ValueError):
        bad()


def test_distributions_need_a_numpy_generator_not_random_random():
    with pytest.raises(AttributeError):
        latency.Lognormal(0.1)(random.Random(1))


def test_as_distribution_and_per_operation_turn_numbers_into_models():
    assert latency.as_distribution(0.25) == latency.Constant(0.25)
    lag = latency.Exponential(0.2)
    assert latency.as_distribution(lag) is lag
    flat = latency.per_operation(0.005)
    assert flat("GetItem") == flat("PutItem") == 0.005
    by_name = {"GetItem": 0.005}.get
    assert latency.per_operation(by_name) is by_name


def test_a_number_and_its_constant_distribution_give_the_same_replica_lag():
    def applied(lag):
        db = ReplicatedDatabase([Replica("r", lag=lag)], seed=1)
        for i in range(20):
            db.write("k", i, at=i * 0.1)
        return db.applied_times("r")

    assert applied(0.4) == applied(latency.Constant(0.4)) == pytest.approx([i * 0.1 + 0.4 for i in range(20)])


def test_one_per_operation_latency_costs_the_same_seconds_on_the_cache_and_on_boto3():
    per_call = latency.per_operation(lambda operation: 0.005 if operation in ("GetItem", "get") else 0.001)
    course.sandbox.start(quiet=True)
    ddb = boto3.client("dynamodb")
    clock = SimulatedClock()
    remove = course.faults.add_latency(ddb, per_call, clock=clock)
    try:
        ddb.list_tables()
        assert clock.now() == pytest.approx(0.001)
        cache = SimulatedTimeRedis(fakeredis.FakeRedis(), clock, latency=per_call)
        cache.get("k")
        assert clock.now() == pytest.approx(0.006)
    finally:
        remove()
