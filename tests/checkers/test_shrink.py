"""course.checkers.shrink and result: the shortest failing history, and what the error says."""

from __future__ import annotations

import pickle

import pytest

from course.checkers import History, HistoryError, Result, check_no_duplicate_effects, shrink


def numbered(n, process=lambda i: f"p{i % 3}"):
    h = History()
    for i in range(n):
        h.op(process(i), "write", f"k{i % 4}", i)
    return h


def test_the_result_is_one_minimal():
    """Fails while it holds both 3 and 11: exactly those two ops are left."""
    h = numbered(40)
    small = shrink(h, lambda s: {3, 11} <= {op.value for op in s})
    assert [op.value for op in small] == [3, 11]


def test_every_op_left_is_needed():
    def fails(s):
        return sum(op.value for op in s) >= 50
    small = shrink(numbered(20), fails)
    assert fails(small)
    for op in small:
        assert not fails(small.subset([o for o in small if o is not op]))


def test_hints_are_tried_first():
    h = numbered(200)
    calls = []

    def fails(s):
        calls.append(len(s))
        return {150, 151} <= {op.value for op in s}
    small = shrink(h, fails, hints=[[h[150], h[151]]])
    assert [op.value for op in small] == [150, 151]
    assert len(calls) <= 4


def test_the_budget_returns_the_best_history_so_far():
    h = numbered(64)
    small = shrink(h, lambda s: 5 in {op.value for op in s}, max_checks=3)
    assert 5 in {op.value for op in small} and len(small) < len(h)


def test_a_passing_history_cannot_be_shrunk():
    with pytest.raises(ValueError, match="needs a failing history"):
        shrink(numbered(3), lambda s: False)
    with pytest.raises(ValueError, match="holds"):
        check_no_duplicate_effects(["a", "b"]).shortest()


def test_indexes_survive_so_the_error_names_the_ops_of_the_full_history():
    effects = [f"m{i}" for i in range(50)] + ["m42"]
    with pytest.raises(HistoryError) as caught:
        check_no_duplicate_effects(effects).assert_holds()
    err = caught.value
    assert [op.index for op in err.history] == [42, 50]
    assert len(err.full_history) == 51 and not err.result.ok
    text = str(err)
    for needed in ("Property 'no duplicate effects' does not hold.",
                   "at most once per message id",                  # what the property means
                   "m42 was applied 2 times: by sink as effects[42] and by sink as effects[50]",  # who, where
                   "Shortest failing history (2 of 51 operations",
                   "#42 ", "#50 "):
        assert needed in text, needed


def test_a_long_list_of_violations_is_cut_in_the_message():
    effects = [f"m{i % 10}" for i in range(20)]
    with pytest.raises(HistoryError, match=r"\.\.\. and 5 more \(result\.violations\)"):
        check_no_duplicate_effects(effects).assert_holds()


def test_a_result_is_true_when_the_property_holds():
    ok = check_no_duplicate_effects(["a"])
    assert ok and ok.ok and ok.assert_holds() is ok
    assert "holds on 1 operations" in str(ok)
    assert not Result("p", "", History(), [object()])


def test_the_error_survives_pickling_as_its_message():
    with pytest.raises(HistoryError) as caught:
        check_no_duplicate_effects(["m1", "m1"]).assert_holds()
    copy = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(copy, AssertionError) and str(copy) == str(caught.value)
