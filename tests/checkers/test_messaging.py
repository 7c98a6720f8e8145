"""course.checkers.messaging: nothing lost, no duplicate effects, FIFO within a message group."""

from __future__ import annotations

import pandas as pd
import pytest

from course.checkers import (History, HistoryError, assert_fifo_per_group,
                             assert_no_duplicate_effects, assert_nothing_lost,
                             check_fifo_per_group, check_no_duplicate_effects, check_nothing_lost)

# -- nothing lost --------------------------------------------------------------------------------


def test_every_sent_message_processed_passes_even_out_of_order_and_twice():
    assert check_nothing_lost(sent=["m1", "m2", "m3"], processed=["m3", "m1", "m2", "m1"])


def test_a_lost_message_is_named_with_its_sender_and_time():
    result = check_nothing_lost(sent=["m1", "m2", "m3"], processed=["m1", "m3"])
    assert not result
    assert [v.kind for v in result.violations] == ["lost"]
    assert result.violations[0].message == "m2 was sent by producer as sent[1] (ok) and never processed"


def test_the_error_shows_only_the_lost_send():
    with pytest.raises(HistoryError) as caught:
        assert_nothing_lost(sent=[f"m{i}" for i in range(30)], processed=[f"m{i}" for i in range(30) if i != 17])
    err = caught.value
    assert [(op.f, op.value) for op in err.history] == [("send", "m17")]
    assert "Property 'nothing lost' does not hold" in str(err)
    assert "Shortest failing history (1 of 59 operations" in str(err)


def test_sends_that_failed_or_timed_out_are_not_owed():
    h = History()
    h.op("p", "send", None, "m1")
    h.op("p", "send", None, "m2", outcome="fail")
    h.invoke("p", "send", None, "m3")
    h.info("p")                                 # timed out: maybe on the queue, maybe not
    h.op("c", "process", None, "m1")
    assert check_nothing_lost(h)


def test_a_message_only_received_is_not_processed():
    h = History()
    h.op("p", "send", None, "m1")
    h.op("c", "receive", None, "m1")          # the consumer crashed before the effect
    assert not check_nothing_lost(h)
    assert check_nothing_lost(h, done=("receive",))


def test_lists_need_both_halves():
    with pytest.raises(TypeError, match="both sent"):
        check_nothing_lost(["m1"])


# -- no duplicate effects ------------------------------------------------------------------------


def test_distinct_effects_pass():
    assert check_no_duplicate_effects(["m1", "m2", "m3"])


def test_a_duplicate_effect_names_both_applications():
    with pytest.raises(HistoryError) as caught:
        assert_no_duplicate_effects(["m1", "m2", "m3", "m2", "m4"])
    err = caught.value
    assert "m2 was applied 2 times: by sink as effects[1] and by sink as effects[3]" in str(err)
    assert [(op.index, op.value) for op in err.history] == [(1, "m2"), (3, "m2")]
    assert err.ops == list(err.history)


def test_delivered_twice_applied_once_is_exactly_once_effect():
    h = History()
    h.op("p", "send", None, "m1")
    h.op("c1", "receive", None, "m1")
    h.op("c1", "process", None, "m1")
    h.op("c2", "receive", None, "m1")        # redelivered after the visibility timeout
    h.op("c2", "process", None, "m1", outcome="fail")   # conditional put: already applied
    assert check_no_duplicate_effects(h)
    h.op("c2", "process", None, "m1")        # applied again: the consumer is not idempotent
    assert not check_no_duplicate_effects(h)


def test_effect_logs_as_dataframes_and_records_keyed_by_any_column():
    frame = pd.DataFrame({"idempotency_key": ["k1", "k2", "k1"], "consumer": ["c1", "c2", "c2"],
                          "start": [0.0, 1.0, 2.0]})
    result = check_no_duplicate_effects(frame)
    assert not result
    assert result.violations[0].message == "k1 was applied 2 times: by c1 at t=0 and by c2 at t=2"
    records = [{"order": "o1"}, {"order": "o2"}]
    assert check_no_duplicate_effects(records, key="order")
    with pytest.raises(KeyError, match="pass key="):
        check_no_duplicate_effects(records)


# -- FIFO per group ----------------------------------------------------------------------------


def test_reorder_within_a_group_fails():
    with pytest.raises(HistoryError) as caught:
        assert_fifo_per_group(sent=[("g1", "a"), ("g1", "b"), ("g2", "c")],
                              processed=[("g2", "c"), ("g1", "b"), ("g1", "a")])
    err = caught.value
    assert ("group g1: b (sent as sent[1]) was processed by consumer as processed[1], before a "
            "(sent earlier, as sent[0]; processed by consumer as processed[2])") in str(err)
    assert sorted((op.f, op.value) for op in err.history) == [
        ("process", "a"), ("process", "b"), ("send", "a"), ("send", "b")]


def test_reorder_across_groups_is_allowed():
    assert check_fifo_per_group(sent=[("g1", "a"), ("g2", "b"), ("g1", "c"), ("g2", "d")],
                                processed=[("g2", "b"), ("g2", "d"), ("g1", "a"), ("g1", "c")])


def test_concurrent_sends_have_no_order():
    h = History()
    h.invoke("p1", "send", "g", "a")
    h.invoke("p2", "send", "g", "b")
    h.ok("p1")
    h.ok("p2")
    h.op("c", "process", "g", "b")
    h.op("c", "process", "g", "a")
    assert check_fifo_per_group(h)


def test_a_redelivery_after_later_messages_is_not_a_reorder():
    assert check_fifo_per_group(sent=[("g", "a"), ("g", "b")],
                                processed=[("g", "a"), ("g", "b"), ("g", "a")])


def test_order_can_be_checked_on_receives():
    h = History()
    h.op("p", "send", "g", "a")
    h.op("p", "send", "g", "b")
    h.op("c", "receive", "g", "b")
    h.op("c", "receive", "g", "a")
    assert check_fifo_per_group(h)                       # nothing processed yet
    assert not check_fifo_per_group(h, done="receive")


def test_a_history_with_times_is_described_by_time():
    h = History()
    h.op("p", "send", None, "m1", start=0.5, end=0.75)
    assert check_nothing_lost(h).violations[0].message == \
        "m1 was sent by p at t=0.5–0.75 (ok) and never processed"
