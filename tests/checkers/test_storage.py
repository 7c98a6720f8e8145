"""course.checkers.storage: read-your-writes and monotonic reads per client and key."""

from __future__ import annotations

import pytest

from course.checkers import (History, HistoryError, assert_monotonic_reads, assert_read_your_writes,
                             check_monotonic_reads, check_read_your_writes)


def writes_then_read(result, *, reader="a", initial_writer="a"):
    h = History()
    h.op(initial_writer, "write", "x", 1)       # t=0–1
    h.op("a", "write", "x", 2)                  # t=2–3
    h.op(reader, "read", "x", result=result)    # t=4–5
    return h


def test_reading_your_own_latest_write_passes():
    assert check_read_your_writes(writes_then_read(2))


def test_a_stale_read_after_your_own_write_fails_and_says_why():
    with pytest.raises(HistoryError) as caught:
        assert_read_your_writes(writes_then_read(1))
    message = str(caught.value)
    assert ("a wrote x=2 at t=2–3, then read x at t=4–5 and got 1, written by a at t=0–1, "
            "which its own write had already replaced") in message
    assert len(caught.value.history) == 3      # both writes and the read are needed


def test_the_initial_value_after_your_own_write_is_stale():
    h = History()
    h.op("a", "write", "x", 5)
    h.op("a", "read", "x", result=None)
    result = check_read_your_writes(h)
    assert "got the initial value None" in result.violations[0].message
    assert len(result.shortest()) == 2


def test_another_clients_stale_read_is_not_a_read_your_writes_violation():
    assert check_read_your_writes(writes_then_read(1, reader="b"))


def test_a_newer_value_by_another_client_is_fine():
    h = writes_then_read(3)
    h.op("b", "write", "x", 3, start=3.5, end=3.8)
    assert check_read_your_writes(h)


def test_a_concurrent_write_of_the_read_value_is_fine():
    h = History()
    h.op("a", "write", "x", 2, start=2, end=3)
    h.op("b", "write", "x", 1, start=0, end=2.5)   # overlaps a's write: may be ordered after it
    h.op("a", "read", "x", result=1, start=4, end=5)
    assert check_read_your_writes(h)


def test_own_writes_that_failed_or_are_unknown_are_not_owed():
    h = History()
    h.op("b", "write", "x", 1)
    h.op("a", "write", "x", 2, outcome="fail")
    h.invoke("a", "write", "x", 3)
    h.info("a")
    h.op("a", "read", "x", result=1)
    assert check_read_your_writes(h)


def test_cas_counts_as_a_write():
    h = History()
    h.op("a", "write", "x", 1)
    h.op("a", "cas", "x", (1, 2))
    h.op("a", "read", "x", result=1)
    assert not check_read_your_writes(h)


def test_keys_are_independent():
    h = History()
    h.op("a", "write", "x", 1)
    h.op("a", "read", "y", result=None)
    assert check_read_your_writes(h)


# -- monotonic reads ----------------------------------------------------------------------------


def replica_lag_history(second_read):
    h = History()
    h.op("w", "write", "x", 1)                        # t=0–1
    h.op("w", "write", "x", 2)                        # t=2–3
    h.op("r", "read", "x", result=2)                  # t=4–5
    h.op("r", "read", "x", result=second_read)        # t=6–7
    return h


def test_reads_that_never_go_back_pass():
    assert check_monotonic_reads(replica_lag_history(2))


def test_going_back_to_an_older_value_fails():
    with pytest.raises(HistoryError) as caught:
        assert_monotonic_reads(replica_lag_history(1))
    message = str(caught.value)
    assert ("r read x → 2 at t=4–5, then at t=6–7 got 1, written by w at t=0–1, "
            "older than what it had already seen") in message
    assert {op.index for op in caught.value.history} == {0, 1, 2, 3}


def test_going_back_to_the_initial_value_fails():
    assert not check_monotonic_reads(replica_lag_history(None))


def test_different_clients_may_see_different_ages():
    h = replica_lag_history(2)
    h.op("s", "read", "x", result=1)
    assert check_monotonic_reads(h)


def test_overlapping_reads_of_one_client_are_not_ordered():
    h = History()
    h.op("w", "write", "x", 1, start=0, end=1)
    h.op("w", "write", "x", 2, start=2, end=3)
    h.op("r", "read", "x", result=2, start=4, end=8)
    h.op("r", "read", "x", result=1, start=5, end=6)
    assert check_monotonic_reads(h)
