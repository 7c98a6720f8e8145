"""Session guarantees per key: read-your-writes and monotonic reads.

A storage history has ``write`` operations (``key``, ``value``), ``read``
operations (``key``, ``result``) and optionally ``cas`` (``value=(old, new)``,
which writes ``new`` when it succeeds). Each process is one client session.
Values identify writes, so write distinct values (a counter, a version).

A read is *stale* when the value it returned was definitely overwritten: every
write of that value returned before a write the session already knows of
began (or it is the ``initial`` value, which every write overwrites).

- read-your-writes: after a session's write returns, its reads of that key are
  not stale relative to that write;
- monotonic reads: after a session read a value, its later reads of that key
  are not stale relative to it (time never goes backwards).

Writes that failed are ignored; writes with unknown outcome may have happened::

    h = History()
    h.op("a", "write", "x", 1); h.op("a", "write", "x", 2)
    h.op("a", "read", "x", result=1)           # a stale read of its own write
    assert_read_your_writes(h)                 # HistoryError
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from course.checkers.history import History, Op
from course.checkers.result import Result, Violation

__all__ = ["assert_monotonic_reads", "assert_read_your_writes",
           "check_monotonic_reads", "check_read_your_writes"]


def _written(op: Op) -> tuple[bool, Any]:
    """(True, value) if ``op`` may have written a value."""
    if op.outcome == "fail":
        return False, None
    if op.f == "write":
        return True, op.value
    if op.f == "cas" and op.result is not False:
        return True, op.value[1]
    return False, None


def _writers(history: History) -> dict[Any, dict[Any, list[Op]]]:
    """key -> value -> the operations that may have written it."""
    found: dict[Any, dict[Any, list[Op]]] = defaultdict(lambda: defaultdict(list))
    for op in history:
        wrote, value = _written(op)
        if wrote:
            found[op.key][_hashable(value)].append(op)
    return found


def _hashable(value: Any) -> Any:
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)


class _Values:
    """When each value of each key can have been written."""

    def __init__(self, history: History, initial: Any):
        self.writers = _writers(history)
        self.initial = initial

    def candidates(self, key: Any, value: Any) -> list[Op]:
        return self.writers.get(key, {}).get(_hashable(value), [])

    def latest_end(self, key: Any, value: Any) -> float | None:
        """The last moment a write of ``value`` can have finished; -inf for the initial value,
        None for a value nobody wrote (not this checker's business)."""
        ops = self.candidates(key, value)
        if ops:
            return max(op.deadline for op in ops)
        return -math.inf if value == self.initial else None

    def earliest_start(self, key: Any, value: Any) -> float:
        ops = self.candidates(key, value)
        return min(op.start for op in ops) if ops else -math.inf


def _sessions(history: History) -> dict[tuple[Any, Any], list[Op]]:
    found: dict[tuple[Any, Any], list[Op]] = defaultdict(list)
    for op in history:
        found[(op.process, op.key)].append(op)
    for ops in found.values():
        ops.sort(key=lambda op: (op.start, op.index))
    return found


def _stale_source(values: _Values, read: Op) -> str:
    writers = values.candidates(read.key, read.result)
    if not writers:
        return f"the initial value {read.result!r}"
    w = max(writers, key=lambda op: op.deadline)
    return f"{read.result!r}, written by {w.process} at t={w.start:g}–{w.end:g}"


def check_read_your_writes(history: History, initial: Any = None) -> Result:
    """After a session's write of a key returns, its later reads of that key see it or something newer."""
    values = _Values(history, initial)
    violations = []
    for (process, key), ops in _sessions(history).items():
        for read in ops:
            if read.f != "read" or not read.ok:
                continue
            latest = values.latest_end(key, read.result)
            if latest is None:
                continue
            own = [w for w in ops if w.ok and _written(w)[0] and w.end <= read.start]
            if not own:
                continue
            last = max(own, key=lambda w: (w.start, w.index))
            if latest < last.start:
                stale = tuple(values.candidates(key, read.result))
                violations.append(Violation(
                    "stale-own-write",
                    f"{process} wrote {key}={_written(last)[1]!r} at t={last.start:g}–{last.end:g}, "
                    f"then read {key} at t={read.start:g}–{read.end:g} and got "
                    f"{_stale_source(values, read)}, which its own write had already replaced",
                    (last, read) + stale))
    return Result("read-your-writes",
                  "Once a client's write returns, that client's reads of the key must return "
                  "the written value or a newer one, never an older one.",
                  history, violations, recheck=lambda h: check_read_your_writes(h, initial))


def check_monotonic_reads(history: History, initial: Any = None) -> Result:
    """A session's successive reads of a key never return a value older than one it already read."""
    values = _Values(history, initial)
    violations = []
    for (process, key), ops in _sessions(history).items():
        reads = [op for op in ops if op.f == "read" and op.ok]
        for later in reads:
            latest = values.latest_end(key, later.result)
            if latest is None:
                continue
            for earlier in reads:
                if earlier is later or earlier.end > later.start:
                    continue
                if values.latest_end(key, earlier.result) is None:
                    continue
                if latest < values.earliest_start(key, earlier.result):
                    violations.append(Violation(
                        "non-monotonic-read",
                        f"{process} read {key} → {earlier.result!r} at t={earlier.start:g}–"
                        f"{earlier.end:g}, then at t={later.start:g}–{later.end:g} got "
                        f"{_stale_source(values, later)}, older than what it had already seen",
                        (earlier, later) + tuple(values.candidates(key, earlier.result))
                        + tuple(values.candidates(key, later.result))))
                    break
    return Result("monotonic reads",
                  "Once a client has read a value of a key, its later reads of that key must not "
                  "return an older value (time must not go backwards for one client).",
                  history, violations, recheck=lambda h: check_monotonic_reads(h, initial))


def assert_read_your_writes(history: History, initial: Any = None) -> Result:
    """Raise :class:`HistoryError` naming each read that missed the reader's own completed write."""
    return check_read_your_writes(history, initial).assert_holds()


def assert_monotonic_reads(history: History, initial: Any = None) -> Result:
    """Raise :class:`HistoryError` naming each read older than one the same client made before."""
    return check_monotonic_reads(history, initial).assert_holds()
