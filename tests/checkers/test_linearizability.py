"""course.checkers.linearizability: classic histories, ambiguous outcomes, and agreement with brute force."""

from __future__ import annotations

from itertools import combinations, permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.checkers import (History, HistoryError, Op, SearchTooLarge, assert_linearizable,
                             check_linearizable, register_histories)
from course.checkers.linearizability import Register, explained

FAST = settings(database=None, deadline=None, max_examples=150)


def brute_force(history: History, initial=0) -> bool:
    """The definition, literally: some subset of the unknown ops plus every ok op, in some
    real-time-respecting order, explains every result."""
    ops = [op for op in history if op.outcome != "fail" and not (op.f == "read" and not op.ok)]
    required = [op for op in ops if op.ok]
    maybe = [op for op in ops if not op.ok]
    model = Register(initial)
    for k in range(len(maybe) + 1):
        for chosen in combinations(maybe, k):
            for order in permutations(required + list(chosen)):
                if any(later.precedes(earlier) for i, earlier in enumerate(order)
                       for later in order[i + 1:]):
                    continue
                state, ok = initial, True
                for op in order:
                    ok, state = model.step(state, op)
                    if not ok:
                        break
                if ok:
                    return True
    return False


def test_a_read_after_a_completed_write_must_see_it():
    """The classic stale read: write x=1 returned at t=1; a read starting at t=2 returns 0."""
    h = History()
    h.op("a", "write", "x", 1, start=0, end=1)
    h.op("b", "read", "x", result=0, start=2, end=3)
    result = check_linearizable(h, initial=0)
    assert not result
    assert "read x → 0 by b at t=2–3 (ok) returned and no order lets it take effect" in \
        result.violations[0].message


def test_a_read_concurrent_with_a_write_may_see_either_value():
    for seen in (0, 1):
        h = History()
        h.op("a", "write", "x", 1, start=0, end=3)
        h.op("b", "read", "x", result=seen, start=1, end=2)
        assert check_linearizable(h, initial=0)


def test_two_readers_must_agree_on_one_order():
    """Knossos' example: concurrent with write 1, b reads 1 then, later, c reads 0: not linearizable."""
    h = History()
    h.op("a", "write", "x", 1, start=0, end=10)
    h.op("b", "read", "x", result=1, start=1, end=2)
    h.op("c", "read", "x", result=0, start=3, end=4)
    assert not check_linearizable(h, initial=0)
    h2 = History()
    h2.op("a", "write", "x", 1, start=0, end=10)
    h2.op("c", "read", "x", result=0, start=1, end=2)
    h2.op("b", "read", "x", result=1, start=3, end=4)
    assert check_linearizable(h2, initial=0)


def test_an_ambiguous_write_may_or_may_not_have_happened():
    for seen in (0, 1):
        h = History()
        h.invoke("a", "write", "x", 1, time=0)
        h.info("a", time=1)                          # timed out
        h.op("b", "read", "x", result=seen, start=5, end=6)
        assert check_linearizable(h, initial=0), seen
    flip = History()
    flip.invoke("a", "write", "x", 1, time=0)
    flip.op("b", "read", "x", result=1, start=5, end=6)
    flip.op("b", "read", "x", result=0, start=7, end=8)  # once seen, it cannot un-happen
    assert not check_linearizable(flip, initial=0)


def test_a_failed_write_did_not_happen():
    h = History()
    h.op("a", "write", "x", 1, start=0, end=1, outcome="fail")
    h.op("b", "read", "x", result=1, start=2, end=3)
    assert not check_linearizable(h, initial=0)


def test_cas_succeeds_only_on_the_expected_value():
    h = History()
    h.op("a", "write", "x", 1, start=0, end=1)
    h.op("a", "cas", "x", (1, 2), start=2, end=3)
    h.op("b", "cas", "x", (1, 3), result=False, start=4, end=5)
    h.op("b", "read", "x", result=2, start=6, end=7)
    assert check_linearizable(h, initial=0)
    bad = History()
    bad.op("a", "cas", "x", (1, 2), start=0, end=1)    # x is 0: this cas cannot succeed
    assert not check_linearizable(bad, initial=0)


def test_keys_are_checked_separately_and_the_bad_one_is_named():
    h = History()
    h.op("a", "write", "x", 1, start=0, end=1)
    h.op("a", "write", "y", 1, start=0, end=1)
    h.op("b", "read", "x", result=1, start=2, end=3)
    h.op("b", "read", "y", result=0, start=2, end=3)
    result = check_linearizable(h, initial=0)
    assert [v.message.split(":")[0] for v in result.violations] == ["key y"]


def test_the_error_carries_a_minimal_counterexample():
    h = History()
    for i in range(8):                                  # a long, healthy prefix
        h.op("a", "write", "x", i, start=2 * i, end=2 * i + 1)
        h.op("b", "read", "x", result=i, start=2 * i + 1.2, end=2 * i + 1.8)
    h.op("c", "read", "x", result=3, start=20, end=21)  # long after write 7 returned
    with pytest.raises(HistoryError) as caught:
        assert_linearizable(h, initial=0)
    small = caught.value.history
    assert [(op.f, op.value, op.result) for op in small] == [
        ("write", 3, None), ("write", 7, None), ("read", None, 3)]
    assert "Shortest failing history (3 of 17 operations" in str(caught.value)


def test_shrinking_keeps_the_write_a_read_saw():
    h = History([Op("b", "read", "x", result=5, start=0, end=1, outcome="ok")])
    assert not explained(h, initial=0) and explained(History(), initial=0)
    full = History()
    full.op("a", "write", "x", 5)
    assert not explained(h, initial=0, within=full)      # 5 was written: keep that write
    assert explained(h, initial=0, within=History(h))    # 5 was never written: nothing to keep


def test_a_read_from_nowhere_elsewhere_does_not_spoil_the_stale_read_counterexample():
    h = History()
    h.op("c", "read", "x", result=42, start=0, end=1)   # 42 was never written
    h.op("a", "write", "x", 1, start=2, end=3)
    h.op("a", "write", "x", 2, start=4, end=5)
    h.op("b", "read", "x", result=1, start=6, end=7)    # stale
    result = check_linearizable(h, initial=0)
    # c's process is dropped first (the rest still fails); then every write a read saw stays
    assert [op.index for op in result.shortest()] == [1, 2, 3]
    with pytest.raises(HistoryError) as caught:
        result.assert_holds()
    assert "Shortest failing history (3 of 4 operations" in str(caught.value)


def test_a_cas_needs_expected_and_new():
    h = History()
    h.op("a", "cas", "x", 5)
    with pytest.raises(ValueError, match=r"value=\(expected, new\)"):
        check_linearizable(h)


def test_non_register_operations_are_refused():
    h = History()
    h.op("a", "send", "x", 1)
    with pytest.raises(ValueError, match="only read, write and cas"):
        check_linearizable(h)


def test_the_search_has_a_budget():
    h = History()
    for i in range(12):
        h.op(f"p{i}", "write", "x", i, start=0, end=100)
    h.op("r", "read", "x", result=99, start=101, end=102)
    with pytest.raises(SearchTooLarge, match="shorter history"):
        check_linearizable(h, initial=0, max_states=50)


@FAST
@given(register_histories(max_steps=30))
def test_histories_of_a_real_register_are_linearizable(h):
    assert check_linearizable(h, initial=0), h.table()


@st.composite
def small_histories(draw):
    h = History()
    for _ in range(draw(st.integers(1, 5))):
        f = draw(st.sampled_from(["read", "write", "cas"]))
        start = draw(st.integers(0, 6))
        end = start + draw(st.integers(0, 3))
        outcome = draw(st.sampled_from(["ok", "ok", "ok", "fail", "unknown"]))
        value = None if f == "read" else draw(st.integers(0, 2)) if f == "write" else \
            (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
        result = draw(st.integers(0, 2)) if f == "read" else \
            draw(st.sampled_from([None, False])) if f == "cas" else None
        h.add(Op(f"p{len(h)}", f, "x", value, start, end, outcome, result))
    return h


@FAST
@given(small_histories())
def test_the_search_agrees_with_brute_force(h):
    assert bool(check_linearizable(h, initial=0)) == brute_force(h, initial=0), h.table()


@FAST
@given(register_histories(max_steps=14), st.data())
def test_a_corrupted_read_is_caught_exactly_when_brute_force_says_so(h, data):
    reads = [op for op in h if op.f == "read" and op.ok]
    if not reads:
        return
    victim = data.draw(st.sampled_from(reads))
    wrong = History(Op(op.process, op.f, op.key, op.value, op.start, op.end, op.outcome,
                       (op.result + 1) % 4 if op is victim else op.result, op.index) for op in h)
    if sum(1 for op in wrong if op.outcome != "fail") <= 7:
        assert bool(check_linearizable(wrong, initial=0)) == brute_force(wrong, initial=0)
