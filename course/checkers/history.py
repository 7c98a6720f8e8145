"""A history: what each client asked for, when, and what came back.

Modelled on Jepsen's histories: each operation belongs to one *process* (a
client, a thread, a consumer), has a name ``f`` (``"write"``, ``"send"``, ...),
a ``key``, a ``value`` (its arguments), a ``result``, a start and end time and
an outcome:

- ``"ok"``: it happened, and ``result`` is what it returned;
- ``"fail"``: it definitely did not happen (a conditional check failed, a 400);
- ``"unknown"``: it may or may not have happened (a timeout, a 5xx, a call the
  client gave up on). Jepsen calls these ``info``. Checkers must allow both.

Build one by hand, Jepsen style (times count up by one unless given)::

    h = History()
    h.invoke("a", "write", "x", 1)     # a starts writing x=1 at t=0
    h.invoke("b", "read", "x")         # b starts reading x at t=1
    h.ok("a")                          # a's write returns at t=2
    h.ok("b", result=0)                # b read 0 at t=3

or one operation at a time (``h.add(Op(...))``, ``h.op("a", "write", "x", 1,
start=0, end=2)``), or from a DataFrame (:func:`course.checkers.frames.from_dataframe`).
Pass ``History(clock=clock)`` to take times from a simulated clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Hashable, Iterable, Iterator

__all__ = ["OUTCOMES", "History", "Op", "outcome_of"]

#: the three outcomes, and the names other tools use for them
OUTCOMES = {
    "ok": "ok", "success": "ok", "succeeded": "ok", "done": "ok", "committed": "ok",
    "fail": "fail", "failed": "fail", "failure": "fail", "error": "fail", "rejected": "fail",
    "unknown": "unknown", "info": "unknown", "ambiguous": "unknown", "timeout": "unknown",
    "pending": "unknown", "indeterminate": "unknown",
}


def outcome_of(value: Any) -> str:
    """``"ok"``, ``"fail"`` or ``"unknown"`` for any of the names in :data:`OUTCOMES` or a bool."""
    if value is True:
        return "ok"
    if value is False:
        return "fail"
    if value is None:
        return "unknown"
    name = str(value).strip().lower()
    if name not in OUTCOMES:
        raise ValueError(f"unknown outcome {value!r}: use one of ok, fail, unknown "
                         f"(or {', '.join(sorted(OUTCOMES))})")
    return OUTCOMES[name]


def _fmt(t: float | None) -> str:
    return "?" if t is None else f"{t:g}"


@dataclass(frozen=True)
class Op:
    """One operation: ``process`` called ``f(key, value)`` from ``start`` to ``end`` and got ``result``.

    ``end`` is ``None`` for a call that never returned (its outcome is then
    ``"unknown"``). ``index`` is the operation's position in the history it was
    first added to; sub-histories keep it, so ``#7`` names the same operation
    in a full history and in its shortest failing part. ``meta`` holds anything
    else (an attempt number, a message group, a status code).
    """

    process: Hashable
    f: str
    key: Any = None
    value: Any = None
    start: float = 0.0
    end: float | None = None
    outcome: str = "ok"
    result: Any = None
    index: int = -1
    meta: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "outcome", outcome_of(self.outcome))
        if self.end is not None and self.end < self.start:
            raise ValueError(f"{self.label()} by {self.process!r} ends at {self.end} "
                             f"before it starts at {self.start}")
        if self.end is None and self.outcome != "unknown":
            raise ValueError(f"{self.label()} by {self.process!r} has no end time, so its "
                             f"outcome can only be 'unknown', not {self.outcome!r}")

    def __hash__(self) -> int:
        return hash((self.index, self.process, self.f, self.start))

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def deadline(self) -> float:
        """The latest time the operation can have taken effect: ``end``, or infinity if unknown.

        A call whose outcome is unknown may still be in flight after the client
        gave up, so it may take effect at any time after its start.
        """
        return math.inf if self.outcome == "unknown" or self.end is None else self.end

    def precedes(self, other: "Op") -> bool:
        """True if this operation returned before ``other`` was called (real-time order)."""
        return self.deadline < other.start

    def label(self, width: int = 18) -> str:
        """A short label: ``write x 1``, ``read x → 0``, ``send g1 m1`` (values cut at ``width``)."""
        parts = [str(self.f)]
        if self.key is not None:
            parts.append(_short(self.key, width))
        if self.value is not None:
            parts.append(_short(self.value, width))
        text = " ".join(parts)
        if self.result is not None or (self.f == "read" and self.ok):
            text += f" → {_short(self.result, width)}"
        return text

    def describe(self) -> str:
        """``read x → 0 by b at t=3–4 (ok)``: the operation in a sentence."""
        return (f"{self.label()} by {self.process} at t={_fmt(self.start)}–{_fmt(self.end)}"
                f" ({self.outcome})")

    def line(self) -> str:
        """One aligned row of a history table."""
        times = f"[{_fmt(self.start)}, {_fmt(self.end)}]"
        return (f"#{self.index:<3} {str(self.process):<10} {self.label(width=60):<24} {times:<14} "
                f"{self.outcome}")


def _short(value: Any, width: int = 18) -> str:
    text = repr(value) if isinstance(value, str) and (not value or " " in value) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


class History:
    """An ordered collection of :class:`Op`, with a Jepsen-style builder.

    ``History(ops)`` numbers operations that have no index yet. A history is
    read like a list (``len(h)``, ``h[0]``, ``for op in h``); :meth:`subset`,
    :meth:`where` and :meth:`without` give sub-histories that keep indexes.
    """

    def __init__(self, ops: Iterable[Op] = (), *, clock=None):
        self._ops: list[Op] = []
        self._pending: dict[Hashable, int] = {}
        self._clock = clock
        self._tick = 0.0
        for op in ops:
            self.add(op)

    # -- building -----------------------------------------------------------------------

    def _time(self, time: float | None) -> float:
        if time is None:
            time = self._clock.now() if self._clock is not None else self._tick
        self._tick = max(self._tick, float(time) + 1)
        return float(time)

    def add(self, op: Op) -> Op:
        """Append ``op`` (numbered if it has no index yet) and return it."""
        if op.index < 0:
            op = replace(op, index=len(self._ops))
        if op.end is not None:
            self._tick = max(self._tick, op.end + 1)
        self._tick = max(self._tick, op.start + 1)
        self._ops.append(op)
        return op

    def op(self, process: Hashable, f: str, key: Any = None, value: Any = None, *,
           start: float | None = None, end: float | None = None, outcome: str = "ok",
           result: Any = None, **meta) -> Op:
        """Add a complete operation; without times it takes one tick (``start``, ``start + 1``)."""
        start = self._time(start)
        if end is None and outcome_of(outcome) != "unknown":
            end = self._time(None)
        return self.add(Op(process, f, key, value, start, end, outcome, result, meta=meta))

    def invoke(self, process: Hashable, f: str, key: Any = None, value: Any = None, *,
               time: float | None = None, **meta) -> Op:
        """``process`` calls ``f(key, value)``; complete it later with :meth:`ok`, :meth:`fail` or :meth:`info`.

        A process does one thing at a time, as in Jepsen: use one process per
        concurrent client or thread.
        """
        if process in self._pending:
            busy = self._ops[self._pending[process]]
            raise ValueError(f"process {process!r} already has an operation in flight "
                             f"({busy.label()} since t={_fmt(busy.start)}); complete it with "
                             f"ok/fail/info first, or use another process for concurrent calls")
        op = self.add(Op(process, f, key, value, self._time(time), None, "unknown", meta=meta))
        self._pending[process] = op.index
        return op

    def _complete(self, process: Hashable, outcome: str, result: Any, time: float | None,
                  meta: dict) -> Op:
        if process not in self._pending:
            raise ValueError(f"process {process!r} has no operation in flight to complete; "
                             f"call invoke({process!r}, ...) first")
        i = self._pending.pop(process)
        old = self._ops[i]
        end = self._time(time)
        self._ops[i] = replace(old, end=end, outcome=outcome,
                               result=old.result if result is None else result,
                               meta={**old.meta, **meta})
        return self._ops[i]

    def ok(self, process: Hashable, result: Any = None, *, time: float | None = None, **meta) -> Op:
        """``process``'s call returned successfully with ``result``."""
        return self._complete(process, "ok", result, time, meta)

    def fail(self, process: Hashable, result: Any = None, *, time: float | None = None, **meta) -> Op:
        """``process``'s call definitely did not take effect."""
        return self._complete(process, "fail", result, time, meta)

    def info(self, process: Hashable, result: Any = None, *, time: float | None = None, **meta) -> Op:
        """``process``'s call ended without an answer: it may or may not have taken effect."""
        return self._complete(process, "unknown", result, time, meta)

    # -- reading --------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Op]:
        return iter(self._ops)

    def __len__(self) -> int:
        return len(self._ops)

    def __getitem__(self, i: int) -> Op:
        return self._ops[i]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, History) and self._ops == other._ops

    __hash__ = None  # a builder is mutable

    @property
    def ops(self) -> tuple[Op, ...]:
        return tuple(self._ops)

    @property
    def processes(self) -> list[Hashable]:
        """The processes in order of first appearance."""
        return list(dict.fromkeys(op.process for op in self._ops))

    @property
    def keys(self) -> list[Any]:
        """The keys in order of first appearance (``None`` included if some op has no key)."""
        return list(dict.fromkeys(op.key for op in self._ops))

    def by_index(self, index: int) -> Op:
        for op in self._ops:
            if op.index == index:
                return op
        raise KeyError(f"no operation #{index} in this history")

    def subset(self, ops: Iterable[Op]) -> "History":
        """The operations of this history that are in ``ops``, in history order, indexes kept."""
        keep = {op.index for op in ops}
        return History(op for op in self._ops if op.index in keep)

    def where(self, predicate: Callable[[Op], bool] | None = None, **fields) -> "History":
        """The sub-history of operations matching ``predicate`` and ``fields`` (``f=("read", "write")``)."""
        def match(op: Op) -> bool:
            for name, wanted in fields.items():
                got = getattr(op, name)
                if isinstance(wanted, (tuple, list, set, frozenset)):
                    if got not in wanted:
                        return False
                elif got != wanted:
                    return False
            return predicate is None or predicate(op)
        return History(op for op in self._ops if match(op))

    def without(self, *, process: Hashable = None, key: Any = None) -> "History":
        """This history less one process's (or one key's) operations."""
        return History(op for op in self._ops
                       if not ((process is not None and op.process == process)
                               or (key is not None and op.key == key)))

    def span(self) -> tuple[float, float]:
        """(earliest start, latest known time)."""
        if not self._ops:
            return 0.0, 1.0
        times = [op.start for op in self._ops] + [op.end for op in self._ops if op.end is not None]
        return min(times), max(times)

    def table(self, limit: int = 40) -> str:
        """The history as aligned text rows, at most ``limit`` of them."""
        rows = [op.line() for op in self._ops[:limit]]
        if len(self._ops) > limit:
            rows.append(f"... and {len(self._ops) - limit} more operations")
        return "\n".join(rows)

    def __repr__(self) -> str:
        return f"History({len(self._ops)} operations)"

    def __str__(self) -> str:
        return self.table()

    def to_dataframe(self):
        """The history as a pandas DataFrame (one row per operation, ``meta`` keys as columns)."""
        import pandas as pd

        rows = [{"index": op.index, "process": op.process, "f": op.f, "key": op.key,
                 "value": op.value, "result": op.result, "start": op.start, "end": op.end,
                 "outcome": op.outcome, **op.meta} for op in self._ops]
        return pd.DataFrame(rows)
