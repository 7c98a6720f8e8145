"""Fault rules and their seeded schedule: which requests each rule hits."""

from __future__ import annotations

import pytest

from course import faults
from course.runtime.faults.effects import Ambiguous, Duplicate, Latency, ServerError, Throttle
from course.runtime.faults.schedule import Schedule
from course.sim.latency import Lognormal


def hits(rule, requests, seed=0, now=lambda n: 0.0):
    """The 1-based numbers of the requests ``(service, operation)`` that ``rule`` fires on."""
    schedule = Schedule([rule], seed)
    return [n for n, (service, operation) in enumerate(requests, 1)
            if schedule.decide(service, operation, now(n)).fault is not None]


PUTS = [("dynamodb", "PutItem")] * 10


def test_nth_hits_exactly_the_nth_covered_request():
    assert hits(faults.throttle(nth=3), PUTS) == [3]
    assert hits(faults.throttle(nth=[2, 5]), PUTS) == [2, 5]
    assert hits(faults.throttle(nth=range(2, 11, 4)), PUTS) == [2, 6, 10]


def test_requests_are_counted_among_those_the_rule_covers():
    mixed = [("dynamodb", "GetItem"), ("dynamodb", "PutItem")] * 3
    assert hits(faults.ambiguous(operations="PutItem", nth=2), mixed) == [4], "the 2nd PutItem"
    two_services = [("sqs", "SendMessage"), ("dynamodb", "PutItem")] * 3
    assert hits(faults.duplicate(services="sqs", nth=3), two_services) == [5], "the 3rd SQS request"


def test_first_hits_the_first_k():
    assert hits(faults.throttle(first=4), PUTS) == [1, 2, 3, 4]
    assert hits(faults.throttle(first=0), PUTS) == []


def test_window_hits_requests_sent_inside_it_by_the_clock():
    assert hits(faults.server_error(window=(3.0, 6.0)), PUTS, now=float) == [3, 4, 5]


def test_conditions_combine():
    rule = faults.throttle(operations="PutItem", first=6, window=(2.0, 100.0), nth=range(1, 11, 2))
    assert hits(rule, PUTS, now=float) == [3, 5]


def test_probability_hits_about_that_share_and_a_seed_reproduces_the_same_requests():
    many = PUTS * 100
    chosen = hits(faults.throttle(probability=0.2), many, seed=7)
    assert 150 <= len(chosen) <= 250
    assert hits(faults.throttle(probability=0.2), many, seed=7) == chosen, "same seed, same requests"
    assert hits(faults.throttle(probability=0.2), many, seed=8) != chosen, "another seed, others"
    assert hits(faults.throttle(probability=0.0), many) == []
    assert len(hits(faults.throttle(probability=1.0), many)) == 1000


def test_each_rule_draws_on_its_own_so_rules_added_after_it_change_nothing():
    def ambiguous_requests(rules):
        schedule = Schedule(rules, seed=1)
        return [isinstance(schedule.decide("s3", "PutObject", 0.0).fault, Ambiguous) for _ in range(300)]

    alone = ambiguous_requests([faults.ambiguous(probability=0.3)])
    assert 50 < sum(alone) < 130
    assert ambiguous_requests([faults.ambiguous(probability=0.3), faults.latency(0.1, probability=0.5),
                               faults.throttle(probability=0.5)]) == alone


def test_latencies_add_up_and_the_first_fault_listed_wins():
    schedule = Schedule([faults.latency(0.25), faults.throttle(nth=2), faults.server_error(),
                         faults.latency(lambda operation: 0.5 if operation == "PutItem" else 0.0)], seed=0)
    one, two = (schedule.decide("dynamodb", "PutItem", 0.0) for _ in range(2))
    assert one.latency == pytest.approx(0.75) and isinstance(one.fault, ServerError)
    assert two.latency == pytest.approx(0.75) and isinstance(two.fault, Throttle)
    get = schedule.decide("dynamodb", "GetItem", 0.0)
    assert get.latency == pytest.approx(0.25)


def test_a_latency_distribution_is_drawn_from_the_seed():
    def delays(seed):
        schedule = Schedule([faults.latency(distribution=Lognormal(median=0.01, sigma=0.5))], seed)
        return [schedule.decide("sqs", "ReceiveMessage", 0.0).latency for _ in range(50)]

    assert delays(3) == delays(3)
    assert delays(3) != delays(4)
    assert 0.003 < sorted(delays(3))[25] < 0.03, "around the median"


def test_constructors_build_the_effect_asked_for():
    assert faults.throttle().fault == Throttle()
    assert faults.throttle("ThrottlingException", 400).fault == Throttle("ThrottlingException", 400)
    assert faults.server_error(503).fault == ServerError(None, 503)
    assert faults.ambiguous("server_error").fault == Ambiguous("server_error")
    assert faults.duplicate().fault == Duplicate()
    assert faults.latency(0.1).fault == Latency(0.1)
    assert faults.throttle(services="sqs", operations=["SendMessage", "SendMessageBatch"]).select == \
        faults.Select(services=frozenset({"sqs"}), operations=frozenset({"SendMessage", "SendMessageBatch"}))


@pytest.mark.parametrize("make, message", [
    (lambda: faults.throttle(probability=1.5), "between 0 and 1"),
    (lambda: faults.throttle(nth=0), "from 1"),
    (lambda: faults.throttle(nth=[]), "from 1"),
    (lambda: faults.throttle(first=-1), "count"),
    (lambda: faults.throttle(window=(5, 1)), "ends after it starts"),
    (lambda: faults.server_error(404), "5xx"),
    (lambda: faults.ambiguous("lost"), "timeout"),
    (lambda: faults.latency(-0.1), "negative"),
])
def test_impossible_rules_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_misspelt_selection_keyword_is_an_error():
    with pytest.raises(TypeError, match="probabilty"):
        faults.throttle(probabilty=0.5)
