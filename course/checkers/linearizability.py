"""Linearizability of single registers (read, write, cas), Wing–Gong/Lowe search as in Porcupine.

A history is linearizable when every operation can be given one instant
between its call and its return such that, taken in that order, a single
register explains every result. Each key is checked alone (linearizability is
local: a history is linearizable iff each key's sub-history is)::

    h = History()
    h.op("a", "write", "x", 1, start=0, end=1)
    h.op("b", "read", "x", result=0, start=2, end=3)   # the write had returned: 0 is stale
    check_linearizable(h, initial=0).ok                # False
    assert_linearizable(h, initial=0)                  # HistoryError, 2-operation counterexample

Outcomes: ``fail`` operations did not happen and are dropped; an operation
with ``unknown`` outcome (an ambiguous write: applied but not acknowledged, or
not applied) may take effect at any time after its call, or never; a ``cas``
(``value=(expected, new)``) with ``result=False`` is an ok cas that found another value.

Why our own search: no maintained Python linearizability checker is on PyPI
(``knossos`` there is a FreeSpace mod manager, ``porcupine-python`` a
serializer; Knossos and Porcupine themselves are Clojure and Go). This is
Lowe's version of the Wing–Gong algorithm, the one Porcupine uses: walk the
call/return events, tentatively linearize a pending call, backtrack at a
return whose operation was not placed, and memoise (linearized set, state) so
that no configuration is explored twice. Exponential in the worst case: meant
for the small histories of tests (tens of operations per key).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Hashable

from course.checkers.history import History, Op
from course.checkers.result import Result, Violation

__all__ = ["Register", "SearchTooLarge", "assert_linearizable", "check_linearizable",
           "explained", "linearization"]


class SearchTooLarge(RuntimeError):
    """The search met more configurations than ``max_states``: check a shorter history."""


class Register:
    """A read/write/cas register: the sequential specification the history must match."""

    FS = ("read", "write", "cas")

    def __init__(self, initial: Any = None):
        self.initial = initial

    def step(self, state: Any, op: Op) -> tuple[bool, Any]:
        """(can ``op`` happen in ``state``, the state after it)."""
        if op.f == "read":
            return (op.outcome == "unknown" or op.result == state), state
        if op.f == "write":
            return True, op.value
        if op.f == "cas":
            expected, new = op.value
            if op.outcome == "unknown":  # it may have found another value and done nothing
                return True, new if state == expected else state
            if op.result is False:
                return state != expected, state
            return state == expected, new
        raise ValueError(f"a register has only read, write and cas, not {op.describe()}")


class _Entry:
    __slots__ = ("op", "call", "time", "match", "prev", "next")

    def __init__(self, op: int, call: bool, time: float):
        self.op, self.call, self.time = op, call, time
        self.match = self.prev = self.next = None


def _frozen(state: Any) -> Hashable:
    try:
        hash(state)
        return state
    except TypeError:
        return repr(state)


@dataclass
class _Outcome:
    ok: bool
    order: list[Op]          # a linearization, or the longest partial one found
    stuck: Op | None = None  # the operation whose return could not be passed


def linearization(ops: list[Op], model: Register, max_states: int = 200_000) -> _Outcome:
    """Search for an order of ``ops`` (one key) that respects real time and explains each result."""
    ops = [op for op in ops if op.outcome != "fail" and not (op.f == "read" and not op.ok)]
    entries = []
    for i, op in enumerate(ops):
        call = _Entry(i, True, op.start)
        entries.append(call)
        if op.outcome != "unknown":
            call.match = _Entry(i, False, op.end)
            entries.append(call.match)
    # calls before returns at the same instant: touching operations count as concurrent
    entries.sort(key=lambda e: (e.time, not e.call, e.op))
    head = _Entry(-1, True, float("-inf"))
    prev = head
    for e in entries:
        prev.next, e.prev, prev = e, prev, e

    required = sum(1 << i for i, op in enumerate(ops) if op.outcome != "unknown")
    state, linearized = model.initial, 0
    seen: set[tuple[int, Hashable]] = set()
    stack: list[tuple[_Entry, Any]] = []
    best = _Outcome(False, [])
    entry = head.next
    while True:
        if linearized & required == required:
            return _Outcome(True, [ops[e.op] for e, _ in stack])
        if entry is not None and entry.call:
            ok, after = model.step(state, ops[entry.op])
            if ok:
                config = (linearized | 1 << entry.op, _frozen(after))
                if config not in seen:
                    if len(seen) >= max_states:
                        raise SearchTooLarge(
                            f"linearizability search gave up after {max_states} configurations "
                            f"on {len(ops)} operations: check a shorter history (or raise max_states)")
                    seen.add(config)
                    stack.append((entry, state))
                    state, linearized = after, config[0]
                    _lift(entry)
                    entry = head.next
                    continue
            entry = entry.next
            continue
        # a return (or the end): its operation was not placed before it, so undo the last choice
        if len(stack) > len(best.order) or best.stuck is None:
            best = _Outcome(False, [ops[e.op] for e, _ in stack],
                            ops[entry.op] if entry is not None else None)
        if not stack:
            return best
        entry, state = stack.pop()
        linearized &= ~(1 << entry.op)
        _unlift(entry)
        entry = entry.next


def _lift(e: _Entry) -> None:
    e.prev.next = e.next
    if e.next is not None:
        e.next.prev = e.prev
    m = e.match
    if m is not None:
        m.prev.next = m.next
        if m.next is not None:
            m.next.prev = m.prev


def _unlift(e: _Entry) -> None:
    m = e.match
    if m is not None:
        m.prev.next = m
        if m.next is not None:
            m.next.prev = m
    e.prev.next = e
    if e.next is not None:
        e.next.prev = e


def check_linearizable(history: History, initial: Any = None, *,
                       max_states: int = 200_000) -> Result:
    """Is each key of ``history`` a linearizable register? ``initial``: every key's value before any write."""
    model = Register(initial)
    violations = []
    for key in history.keys:
        ops = [op for op in history if op.key == key]
        for op in ops:
            if op.f not in Register.FS:
                raise ValueError(f"{op.describe()}: a register history has only "
                                 f"read, write and cas operations")
            if op.f == "cas" and not (isinstance(op.value, (tuple, list)) and len(op.value) == 2):
                raise ValueError(f"{op.describe()}: a cas takes value=(expected, new)")
        found = linearization(ops, model, max_states)
        if found.ok:
            continue
        placed = ", ".join(op.label() for op in found.order) or "nothing"
        why = (f"; after [{placed}], {found.stuck.describe()} returned "
               f"and no order lets it take effect before then" if found.stuck else "")
        violations.append(Violation(
            "not-linearizable",
            f"key {key}: no order of its {len(ops)} operations respects real time and explains "
            f"every result{why}", tuple(ops)))
    return Result("linearizability",
                  "Each operation must appear to take effect at one instant between its call and "
                  "its return, so that one register, in that order, explains every result "
                  "(ops with unknown outcome may or may not take effect).",
                  history, violations,
                  recheck=lambda h: check_linearizable(h, initial, max_states=max_states),
                  keep=lambda h: explained(h, initial, within=history))


def explained(history: History, initial: Any = None, within: History | None = None) -> bool:
    """True if every value an ok read returned is ``initial`` or was written (or cas-ed) in ``history``.

    Reads of values that nobody wrote in ``within`` (the full history) are
    exempt. Shrinking keeps to such sub-histories, so that the shortest
    counterexample of a stale read still shows the write it missed rather than
    a read from nowhere.
    """
    def writes(h: History) -> set:
        return {(op.key, _frozen(op.value if op.f == "write" else op.value[1]))
                for op in h if op.f in ("write", "cas") and op.outcome != "fail"}

    here = writes(history)
    anywhere = writes(within) if within is not None else None
    for op in history:
        if op.f != "read" or not op.ok or op.result == initial:
            continue
        seen = (op.key, _frozen(op.result))
        if seen not in here and (anywhere is None or seen in anywhere):
            return False
    return True


def assert_linearizable(history: History, initial: Any = None, *,
                        max_states: int = 200_000) -> Result:
    """Raise :class:`~course.checkers.result.HistoryError` with a minimal counterexample unless
    every key of ``history`` is a linearizable register."""
    return check_linearizable(history, initial, max_states=max_states).assert_holds()
