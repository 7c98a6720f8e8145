"""course.checkers.history and .frames: building histories by hand, from a clock, from DataFrames."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from course.checkers import History, Op, from_dataframe
from course.checkers.history import outcome_of
from course.clock import SimulatedClock


def test_jepsen_style_builder_pairs_calls_with_their_returns():
    h = History()
    h.invoke("a", "write", "x", 1)
    h.invoke("b", "read", "x")
    h.ok("a")
    h.ok("b", result=0)
    assert [(op.process, op.f, op.start, op.end, op.outcome, op.result) for op in h] == [
        ("a", "write", 0, 2, "ok", None), ("b", "read", 1, 3, "ok", 0)]
    assert [op.index for op in h] == [0, 1]


def test_a_call_left_open_has_unknown_outcome_and_no_end():
    h = History()
    h.invoke("a", "write", "x", 1)
    h.invoke("b", "write", "x", 2)
    h.info("b")                         # timed out: may or may not have happened
    a, b = h
    assert (a.outcome, a.end, a.deadline) == ("unknown", None, math.inf)
    assert (b.outcome, b.end, b.deadline) == ("unknown", 2, math.inf)


def test_fail_means_it_did_not_happen():
    h = History()
    h.invoke("a", "cas", "x", (0, 1))
    assert h.fail("a").outcome == "fail"


def test_one_process_does_one_thing_at_a_time():
    h = History()
    h.invoke("a", "write", "x", 1)
    with pytest.raises(ValueError, match="already has an operation in flight"):
        h.invoke("a", "read", "x")
    with pytest.raises(ValueError, match="no operation in flight"):
        h.ok("b")


def test_op_adds_whole_operations_and_times_count_on_after_explicit_ones():
    h = History()
    h.op("a", "write", "x", 1, start=10, end=12)
    op = h.op("b", "read", "x", result=1)
    assert (op.start, op.end) == (13, 14)


def test_times_come_from_a_simulated_clock():
    clock = SimulatedClock(start=100.0)
    h = History(clock=clock)
    h.invoke("a", "write", "x", 1)
    clock.advance(0.25)
    h.ok("a")
    assert (h[0].start, h[0].end) == (100.0, 100.25)


def test_ops_validate_their_times_and_outcome():
    with pytest.raises(ValueError, match="before it starts"):
        Op("a", "write", "x", 1, start=2, end=1)
    with pytest.raises(ValueError, match="can only be 'unknown'"):
        Op("a", "write", "x", 1, start=2, end=None, outcome="ok")
    with pytest.raises(ValueError, match="unknown outcome 'maybe'"):
        outcome_of("maybe")
    assert [outcome_of(w) for w in ("success", "error", "info", "ambiguous", True, False, None)] == [
        "ok", "fail", "unknown", "unknown", "ok", "fail", "unknown"]


def test_precedes_is_real_time_order_and_touching_calls_are_concurrent():
    a = Op("a", "write", "x", 1, start=0, end=1)
    b = Op("b", "read", "x", start=2, end=3)
    c = Op("c", "read", "x", start=1, end=3)
    assert a.precedes(b) and not b.precedes(a)
    assert not a.precedes(c)


def test_subsets_keep_indexes_so_ops_are_named_alike_everywhere():
    h = History()
    for i in range(4):
        h.op("a" if i % 2 else "b", "write", "x", i)
    sub = h.where(process="a")
    assert [op.index for op in sub] == [1, 3]
    assert sub.by_index(3).value == 3
    assert [op.index for op in h.subset([h[2], h[0]])] == [0, 2]
    assert [op.index for op in h.without(process="b")] == [1, 3]
    assert h.processes == ["b", "a"] and h.keys == ["x"]
    assert "#3" in h.table()


def test_labels_read_like_the_operation():
    assert Op("b", "read", "x", result=0, start=2, end=3).label() == "read x → 0"
    assert Op("a", "cas", "x", (1, 2), start=0, end=1).label() == "cas x (1, 2)"
    assert "by b at t=2–3 (ok)" in Op("b", "read", "x", result=0, start=2, end=3).describe()


def test_from_dataframe_reads_a_fault_injection_call_log():
    calls = pd.DataFrame({
        "operation": ["PutItem", "GetItem", "PutItem"],
        "client": ["a", "b", "a"],
        "params": [{"Key": "x", "v": 1}, {"Key": "x"}, {"Key": "x", "v": 2}],
        "outcome": ["ok", "success", "ambiguous"],
        "start": [0.0, 0.1, 0.2],
        "end": [0.05, 0.3, float("nan")],
        "attempt": [1, 1, 2],
    })
    h = from_dataframe(calls, columns={"key": lambda row: row["params"]["Key"],
                                       "value": lambda row: row["params"].get("v")})
    assert [(op.process, op.f, op.key, op.value, op.outcome) for op in h] == [
        ("a", "PutItem", "x", 1, "ok"), ("b", "GetItem", "x", None, "ok"),
        ("a", "PutItem", "x", 2, "unknown")]
    assert h[2].end is None and h[2].meta["attempt"] == 2


def test_from_dataframe_maps_the_tables_own_outcome_words():
    frame = pd.DataFrame({"op": ["write"], "start": [0], "end": [1], "status": ["Throttled"]})
    h = from_dataframe(frame, outcomes={"Throttled": "fail"})
    assert h[0].outcome == "fail" and h[0].process == "client"


def test_from_dataframe_says_which_column_is_missing():
    with pytest.raises(KeyError, match="no column for 'start'"):
        from_dataframe(pd.DataFrame({"operation": ["x"]}))
    with pytest.raises(KeyError, match="column 'when'"):
        from_dataframe(pd.DataFrame({"operation": ["x"]}), columns={"start": "when"})
    with pytest.raises(ValueError, match="unknown Op fields"):
        from_dataframe(pd.DataFrame({"operation": ["x"]}), columns={"colour": "x"})


def test_to_dataframe_round_trips():
    h = History()
    h.op("a", "write", "x", 1, attempt=3)
    h.invoke("b", "read", "x")
    back = from_dataframe(h.to_dataframe())
    assert [(op.process, op.f, op.key, op.value, op.start, op.end, op.outcome) for op in back] == [
        (op.process, op.f, op.key, op.value, op.start, op.end, op.outcome) for op in h]
    assert back[0].meta["attempt"] == 3


def test_recorded_aws_calls_read_their_error_codes():
    """A fault-injection calls table: 4xx codes did not happen, 5xx/timeouts/in flight may have."""
    calls = pd.DataFrame({
        "call": [1, 2, 3, 4, 5, 6],
        "operation": ["PutItem", "PutItem", "PutItem", "GetItem", "PutItem", "PutItem"],
        "params": [{"v": 1}, {"v": 2}, {"v": 3}, {}, {"v": 5}, {"v": 6}],
        "outcome": ["ok", "ThrottlingException", "InternalServerError", "ReadTimeoutError",
                    "SlowDown", None],
        "status": pd.array([200, 400, 500, None, 503, None], dtype="Int64"),
        "start": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        "end": [0.5, 1.5, 2.5, 3.5, 4.5, None],
    })
    h = from_dataframe(calls, columns={
        "f": lambda row: {"PutItem": "write", "GetItem": "read"}[row["operation"]],
        "value": lambda row: row["params"].get("v")})
    assert [op.outcome for op in h] == ["ok", "fail", "unknown", "unknown", "unknown", "unknown"]
    assert [op.f for op in h] == ["write", "write", "write", "read", "write", "write"]
    assert h[0].meta["call"] == 1 and h[0].meta["status"] == 200
    assert h[5].end is None
