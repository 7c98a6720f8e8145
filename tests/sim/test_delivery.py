"""course.sim.delivery: SQS's delivery rules on the simulated clock, and the consumers' effects."""

from __future__ import annotations

import numpy as np
import pytest

from course import checkers
from course.clock import SimulatedClock
from course.sim import delivery
from course.sim.delivery import Consumers, Message, QueueSettings
from course.sim.latency import Constant, Lognormal


def messages(n, group=None, every=1.0):
    return [Message(f"m{i}", group, i * every) for i in range(n)]


def test_a_calm_queue_delivers_each_message_once_in_order():
    run = delivery.simulate(messages(20), QueueSettings(visibility_timeout=30),
                            Consumers(count=1, processing=Constant(0.5)))
    assert run.duplicate_effects() == 0 and run.unfinished() == []
    assert [mid for _, mid in run.first_effects()] == [f"m{i}" for i in range(20)]
    assert (run.deliveries["receive_count"] == 1).all()
    assert (run.deliveries["outcome"] == "applied").all()
    assert run.delays() == pytest.approx(np.full(20, 0.5))


def durations(*seconds):
    """A processing-time 'distribution' that returns the given durations in turn."""
    left = iter(seconds)
    return lambda rng, size=None: next(left)


def test_a_timeout_shorter_than_the_processing_redelivers_and_the_stale_delete_is_ignored():
    run = delivery.simulate([Message("m0", None, 0.0)], QueueSettings(visibility_timeout=4),
                            Consumers(count=2, processing=durations(6.0, 3.0)))
    rows = run.deliveries.sort_values("received_at")
    assert rows["received_at"].tolist() == [0.0, 4.0], "visible again when its 4 s ran out"
    assert rows["receive_count"].tolist() == [1, 2]
    assert rows["outcome"].tolist() == ["applied, stale delete", "applied"]
    assert run.duplicate_effects() == 1 and run.deleted_at == {"m0": 7.0}


def test_a_timeout_always_shorter_than_the_processing_never_lets_the_message_go():
    run = delivery.simulate([Message("m0", None, 0.0)], QueueSettings(visibility_timeout=4),
                            Consumers(count=2, processing=Constant(6.0)), until=100)
    assert run.unfinished() == ["m0"] and run.duplicate_effects() > 20, "every delete comes with a stale handle"


@pytest.mark.parametrize("dedupe, duplicates", [("none", 1), ("check-then-act", 1), ("conditional", 0)])
def test_overlapping_deliveries_defeat_check_then_act_but_not_a_conditional_write(dedupe, duplicates):
    run = delivery.simulate([Message("m0", None, 0.0)], QueueSettings(visibility_timeout=4),
                            Consumers(count=2, processing=durations(6.0, 3.0), dedupe=dedupe))
    assert run.duplicate_effects() == duplicates
    assert run.unfinished() == [] and run.end == 7.0, "the run waits for the second delivery to finish"


def test_check_then_act_is_enough_when_deliveries_do_not_overlap():
    run = delivery.simulate([Message("m0", None, 0.0)], QueueSettings(visibility_timeout=10),
                            Consumers(count=1, processing=Constant(2.0), crash_after_effect=1.0,
                                      dedupe="check-then-act"), until=25)
    assert run.duplicate_effects() == 0
    assert run.deliveries["outcome"].tolist()[:2] == ["crashed-after-effect", "skipped-duplicate"]
    assert run.deleted_at == {"m0": 12.0}, "the second delivery (at 10 s) sees the effect and deletes"


def test_a_crash_after_the_effect_repeats_it_unless_the_write_is_conditional():
    sent = messages(200)
    kwargs = dict(count=2, processing=Constant(1.0), crash_after_effect=0.1, restart_s=2.0)
    naive = delivery.simulate(sent, QueueSettings(visibility_timeout=20), Consumers(**kwargs), seed=3)
    safe = delivery.simulate(sent, QueueSettings(visibility_timeout=20), Consumers(**kwargs, dedupe="conditional"),
                             seed=3)
    crashed = (naive.deliveries["outcome"] == "crashed-after-effect").sum()
    assert 5 < crashed < 40 and naive.duplicate_effects() == crashed
    assert safe.duplicate_effects() == 0 and safe.unfinished() == [] and len(safe.effects) == 200


def test_fifo_delivers_a_group_one_message_at_a_time_in_order():
    sent = [Message(f"{g}{i}", g, i * 0.1) for i in range(10) for g in "abc"]
    run = delivery.simulate(sent, QueueSettings(visibility_timeout=30, fifo=True),
                            Consumers(count=6, processing=Lognormal(1.0, 1.0)), seed=1)
    checkers.assert_fifo_per_group(sent=[(m.group, m.id) for m in run.sent], processed=run.first_effects())
    rows = run.deliveries
    for _, group_rows in rows.groupby("group"):
        spans = sorted(zip(group_rows["received_at"], group_rows["ended_at"]))
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:])), "one in flight per group"
    assert rows["consumer"].nunique() >= 3, "different groups run in parallel"


def test_a_standard_queue_with_parallel_consumers_reorders_a_group():
    sent = [Message(f"{g}{i}", g, i * 0.1) for i in range(10) for g in "abc"]
    run = delivery.simulate(sent, QueueSettings(visibility_timeout=30),
                            Consumers(count=6, processing=Lognormal(1.0, 1.0)), seed=1)
    assert not checkers.check_fifo_per_group(sent=[(m.group, m.id) for m in run.sent], processed=run.first_effects())


def test_fifo_keeps_order_through_a_crash_by_waiting_for_the_timeout():
    sent = [Message("a0", "a", 0.0), Message("a1", "a", 0.1)]
    run = delivery.simulate(sent, QueueSettings(visibility_timeout=30, fifo=True),
                            Consumers(count=2, processing=Constant(1.0), crash_before_effect=1.0), until=100)
    assert run.deliveries["message_id"].tolist()[:3] == ["a0", "a0", "a0"], "a1 waits behind its group's head"
    assert run.deliveries["received_at"].tolist()[:3] == [0.0, 30.0, 60.0]


def test_a_poison_message_is_dead_lettered_after_max_receive_count_timeouts():
    sent = [Message("bad", None, 5.0, poison=True), Message("good", None, 6.0)]
    run = delivery.simulate(sent, QueueSettings(visibility_timeout=30, max_receive_count=3),
                            Consumers(count=1, processing=Constant(1.0)))
    assert run.dead_lettered_at == {"bad": 95.0}, "received at 5, 35 and 65 s; moved by the receive at 95 s"
    assert run.deliveries.query("message_id == 'bad'")["receive_count"].tolist() == [1, 2, 3]
    assert run.deliveries.query("message_id == 'bad'")["outcome"].eq("failed").all()
    assert list(run.deleted_at) == ["good"] and run.unfinished() == []


def test_a_fifo_group_goes_on_after_its_head_is_dead_lettered():
    sent = [Message("a0", "a", 0.0, poison=True), Message("a1", "a", 1.0)]
    run = delivery.simulate(sent, QueueSettings(visibility_timeout=10, fifo=True, max_receive_count=2),
                            Consumers(count=1, processing=Constant(1.0)))
    assert run.dead_lettered_at == {"a0": 20.0} and run.deleted_at == {"a1": 21.0}


def test_transient_failures_retry_after_the_timeout():
    run = delivery.simulate(messages(300), QueueSettings(visibility_timeout=5),
                            Consumers(count=3, processing=Constant(0.5), fail_rate=0.2), seed=2)
    failed = (run.deliveries["outcome"] == "failed").mean()
    assert 0.12 < failed < 0.28 and run.unfinished() == [] and run.duplicate_effects() == 0


def test_runs_are_seeded_and_stop_at_until():
    kwargs = dict(count=3, processing=Lognormal(3.0, 0.8), crash_before_effect=0.05, crash_after_effect=0.05)
    a = delivery.simulate(messages(100), QueueSettings(visibility_timeout=10), Consumers(**kwargs), seed=5)
    b = delivery.simulate(messages(100), QueueSettings(visibility_timeout=10), Consumers(**kwargs), seed=5)
    assert a.deliveries.equals(b.deliveries) and a.effects == b.effects
    stuck = delivery.simulate(messages(3), QueueSettings(visibility_timeout=10),
                              Consumers(count=1, processing=Constant(1.0), crash_after_effect=1.0), until=50)
    assert stuck.end == 50 and sorted(stuck.unfinished()) == ["m0", "m1", "m2"]


def test_the_simulation_runs_on_a_given_clock():
    clock = SimulatedClock(start=100.0)
    run = delivery.simulate(messages(5), QueueSettings(), Consumers(count=1, processing=Constant(1.0)), clock=clock)
    assert clock.now() == pytest.approx(105.0) and run.end == pytest.approx(5.0)
    assert run.deleted_at["m0"] == pytest.approx(1.0), "times are relative to the start"


def test_order_events_are_sorted_sequences_per_order():
    rng = np.random.default_rng(4)
    sent = delivery.order_events(rng, n_orders=50, events_per_order=4)
    assert len(sent) == 200 and all(a.sent_at <= b.sent_at for a, b in zip(sent, sent[1:]))
    by_order = {}
    for m in sent:
        by_order.setdefault(m.group, []).append(m.id)
    assert len(by_order) == 50
    assert all(ids == [f"{o}-e{k}" for k in range(4)] for o, ids in by_order.items()), "each order's events in order"
    grouped = delivery.order_events(np.random.default_rng(4), 50, 4, customer_of=lambda i: f"c{i % 3}")
    assert {m.group for m in grouped} == {"c0", "c1", "c2"}
    assert [m.sent_at for m in grouped] == [m.sent_at for m in sent]


@pytest.mark.parametrize("make", [
    lambda: QueueSettings(visibility_timeout=-1), lambda: QueueSettings(visibility_timeout=50_000),
    lambda: QueueSettings(max_receive_count=0), lambda: Consumers(count=0),
    lambda: Consumers(dedupe="maybe"), lambda: Consumers(fail_rate=1.5),
    lambda: delivery.order_events(np.random.default_rng(1), 0),
])
def test_settings_outside_what_sqs_allows_are_refused(make):
    with pytest.raises(ValueError):
        make()
