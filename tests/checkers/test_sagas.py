"""course.checkers.sagas: committed or fully compensated, in reverse order, at most once, never phantom."""

from __future__ import annotations

import pytest

from course.checkers import History, HistoryError, assert_sagas, check_sagas

STEPS = ["reserve", "charge", "ship"]


def saga(*events, key="o1"):
    """events: ("step", name[, outcome]) or ("compensate", name[, outcome]) or ("begin", None)."""
    h = History()
    for f, name, *outcome in events:
        h.op("orch", f, key, name, outcome=outcome[0] if outcome else "ok")
    return h


def kinds(history, steps=STEPS):
    return [v.kind for v in check_sagas(history, steps).violations]


def test_a_committed_saga_passes():
    assert check_sagas(saga(("step", "reserve"), ("step", "charge"), ("step", "ship")), STEPS)


def test_a_fully_compensated_saga_passes():
    h = saga(("step", "reserve"), ("step", "charge"), ("step", "ship", "fail"),
             ("compensate", "charge"), ("compensate", "reserve"))
    assert check_sagas(h, STEPS)


def test_a_saga_whose_first_step_failed_has_nothing_to_undo():
    assert check_sagas(saga(("begin", None), ("step", "reserve", "fail")), STEPS)


def test_a_saga_stopped_half_way_is_stuck():
    result = check_sagas(saga(("step", "reserve"), ("step", "charge")), STEPS)
    assert [v.kind for v in result.violations] == ["stuck"]
    assert "neither committed (not done: ship) nor compensated" in result.violations[0].message


def test_a_partly_compensated_saga_is_stuck():
    h = saga(("step", "reserve"), ("step", "charge"), ("step", "ship", "fail"), ("compensate", "charge"))
    result = check_sagas(h, STEPS)
    assert kinds(h) == ["stuck"]
    assert "only partly compensated; never compensated: reserve (ok at t=0)" in result.violations[0].message


def test_a_saga_that_began_and_did_nothing_is_stuck():
    assert kinds(saga(("begin", None))) == ["stuck"]


def test_a_step_with_unknown_outcome_must_be_compensated_too():
    undone = saga(("step", "reserve"), ("step", "charge", "unknown"),
                  ("compensate", "reserve"))
    assert kinds(undone) == ["stuck"]
    done = saga(("step", "reserve"), ("step", "charge", "unknown"),
                ("compensate", "charge"), ("compensate", "reserve"))
    assert kinds(done) == []


def test_compensating_a_step_that_never_ran_fails():
    h = saga(("step", "reserve"), ("step", "charge", "fail"),
             ("compensate", "charge"), ("compensate", "reserve"))
    with pytest.raises(HistoryError) as caught:
        assert_sagas(h, STEPS)
    assert "saga o1: orch compensated charge at t=4, but step charge definitely failed" in str(caught.value)
    assert [(op.f, op.value) for op in caught.value.history] == [("compensate", "charge")]
    assert kinds(saga(("step", "reserve"), ("compensate", "ship"), ("compensate", "reserve"))) == [
        "phantom-compensation"]


def test_compensating_twice_fails():
    h = saga(("step", "reserve"), ("step", "charge", "fail"),
             ("compensate", "reserve"), ("compensate", "reserve"))
    assert kinds(h) == ["compensated-twice"]


def test_a_failed_compensation_retried_counts_once():
    h = saga(("step", "reserve"), ("step", "charge", "fail"),
             ("compensate", "reserve", "fail"), ("compensate", "reserve"))
    assert kinds(h) == []


def test_compensations_must_run_in_reverse_order():
    h = saga(("step", "reserve"), ("step", "charge"), ("step", "ship", "fail"),
             ("compensate", "reserve"), ("compensate", "charge"))
    result = check_sagas(h, STEPS)
    assert [v.kind for v in result.violations] == ["compensation-order"]
    assert "reserve (run at t=0) was compensated at t=6, before charge" in result.violations[0].message


def test_sagas_are_checked_separately_and_steps_default_to_those_seen():
    h = saga(("step", "reserve"), ("step", "charge"), ("step", "ship"))
    for op in saga(("step", "reserve"), ("step", "charge"), key="o2"):
        h.op(op.process, op.f, op.key, op.value, start=op.start + 10, end=op.end + 10)
    result = check_sagas(h)
    assert [v.message.split(":")[0] for v in result.violations] == ["saga o2 is stuck"]


def test_other_operations_are_refused():
    with pytest.raises(ValueError, match="only begin, step, compensate"):
        check_sagas(saga(("commit", None)))
