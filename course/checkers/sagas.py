"""Saga invariants: each saga commits or is fully compensated, in reverse order, once.

A saga history has one ``key`` per saga (the order id) and ``value`` the step
name: ``step`` operations run forward steps (ok, fail, or unknown when the
call timed out), ``compensate`` operations undo them. ``begin`` marks a saga
that started before its first step (optional). The checked properties:

- *ended*: every saga either committed (every step in ``steps`` done, nothing
  compensated) or is fully compensated (every step that did, or may have,
  taken effect is compensated): none is stuck half way;
- *no phantom compensation*: no step is compensated that never ran or definitely
  failed (a step with unknown outcome may be compensated);
- *reverse order*: compensations run in the reverse order of their steps;
- *at most once*: no step is compensated twice.

::

    h = History()
    h.op("orch", "step", "o1", "reserve"); h.op("orch", "step", "o1", "charge", outcome="fail")
    h.op("orch", "compensate", "o1", "charge")       # charge never happened
    h.op("orch", "compensate", "o1", "reserve")
    assert_sagas(h, steps=["reserve", "charge", "ship"])   # HistoryError: phantom compensation

``steps`` lists a committed saga's steps in order; by default, every step
name in the history, in order of first appearance.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from course.checkers.history import History, Op
from course.checkers.result import Result, Violation

__all__ = ["assert_sagas", "check_sagas"]

SAGA_FS = ("begin", "step", "compensate")


def _t(op: Op) -> str:
    return f"t={op.start:g}"


def _first(ops: Iterable[Op]) -> dict[Any, Op]:
    """step name -> its first operation."""
    found: dict[Any, Op] = {}
    for op in ops:
        found.setdefault(op.value, op)
    return found


def _check_one(saga: Any, ops: list[Op], steps: list[Any]) -> list[Violation]:
    ran = [op for op in ops if op.f == "step" and op.outcome != "fail"]
    done: dict[Any, Op] = {}                             # step -> its (first ok) run
    for op in ran:
        if op.value not in done or (op.ok and not done[op.value].ok):
            done[op.value] = op
    failed = {op.value for op in ops if op.f == "step" and op.outcome == "fail"} - set(done)
    comps = [op for op in ops if op.f == "compensate" and op.ok]
    tried = [op for op in ops if op.f == "compensate"]
    out = []

    for op in tried:
        if op.value not in done:
            why = "definitely failed" if op.value in failed else "never ran"
            out.append(Violation(
                "phantom-compensation",
                f"saga {saga}: {op.process} compensated {op.value} at {_t(op)}, but step "
                f"{op.value} {why}", (op,) + tuple(o for o in ops if o.value == op.value)))

    by_step: dict[Any, list[Op]] = defaultdict(list)
    for op in comps:
        by_step[op.value].append(op)
    for name, twice in by_step.items():
        if len(twice) > 1:
            times = ", ".join(_t(op) for op in twice)
            out.append(Violation(
                "compensated-twice",
                f"saga {saga}: step {name} was compensated {len(twice)} times ({times})",
                tuple(twice)))

    undone = _first(comps)
    order = sorted((op for name, op in undone.items() if name in done),
                   key=lambda op: (op.start, op.index))
    for earlier, later in zip(order, order[1:]):
        s_earlier, s_later = done[earlier.value], done[later.value]
        if s_earlier.precedes(s_later):  # compensated first the step that ran first
            out.append(Violation(
                "compensation-order",
                f"saga {saga}: {earlier.value} (run at {_t(s_earlier)}) was compensated at "
                f"{_t(earlier)}, before {later.value} (run later, at {_t(s_later)}; compensated "
                f"at {_t(later)}): compensations must run in reverse order",
                (s_earlier, s_later, earlier, later)))

    committed = not tried and all(name in done and done[name].ok for name in steps)
    missing = [name for name in done if name not in undone]
    began = [op for op in ops if op.f == "begin"]
    if committed or (not missing and (done or failed or not began)):
        return out
    if not missing:
        out.append(Violation("stuck", f"saga {saga} began at {_t(began[0])} and never ran a step",
                             tuple(began)))
        return out
    if comps:
        state = "it is only partly compensated"
    else:
        todo = [n for n in steps if n not in done or not done[n].ok]
        state = f"it neither committed (not done: {', '.join(map(str, todo))}) nor compensated"
    left = ", ".join(f"{n} ({done[n].outcome} at {_t(done[n])})" for n in missing)
    out.append(Violation(
        "stuck", f"saga {saga} is stuck: {state}; never compensated: {left}",
        tuple(done[n] for n in missing) + tuple(comps)))
    return out


def check_sagas(history: History, steps: Iterable[Any] | None = None) -> Result:
    """Check every saga (``key``) of ``history``; ``steps`` is the full list of a committed saga's steps."""
    names = list(steps) if steps is not None else list(
        dict.fromkeys(op.value for op in history if op.f == "step"))
    sagas: dict[Any, list[Op]] = defaultdict(list)
    for op in history:
        if op.f not in SAGA_FS:
            raise ValueError(f"{op.describe()}: a saga history has only {', '.join(SAGA_FS)}")
        sagas[op.key].append(op)
    violations = []
    for saga, ops in sagas.items():
        ops.sort(key=lambda op: (op.start, op.index))
        violations += _check_one(saga, ops, names)
    return Result("saga invariants",
                  "Every saga must end committed (all steps done) or fully compensated (every step "
                  "that may have run undone, in reverse order, once); nothing may be compensated "
                  "that never ran.",
                  history, violations, recheck=lambda h: check_sagas(h, names))


def assert_sagas(history: History, steps: Iterable[Any] | None = None) -> Result:
    """Raise :class:`HistoryError` naming each stuck saga and each phantom, repeated or misordered compensation."""
    return check_sagas(history, steps).assert_holds()
