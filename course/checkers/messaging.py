"""Messaging invariants: nothing lost, no effect applied twice, FIFO order within a group.

A messaging history uses three operation names; ``value`` is the message id
(or idempotency key), ``key`` the MessageGroupId (``None`` for a standard queue):

- ``send``: a producer sent the message (ok, fail, or unknown when the call
  timed out: it may or may not be on the queue);
- ``receive``: a consumer was handed the message (at-least-once: maybe twice);
- ``process``: the message's *effect* was applied (a row written, an email sent).

Each check also takes plain lists, for tests that only have ids::

    assert_nothing_lost(sent=["m1", "m2", "m3"], processed=["m1", "m3"])   # m2 lost
    assert_no_duplicate_effects(["m1", "m2", "m1"])                        # m1 twice
    assert_fifo_per_group(sent=[("g1", "a"), ("g1", "b"), ("g2", "c")],
                          processed=[("g2", "c"), ("g1", "b"), ("g1", "a")])  # b before a

Delivery may repeat (``receive`` twice is fine); effects must not.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Hashable, Iterable, Mapping

from course.checkers.history import History, Op
from course.checkers.result import Result, Violation

__all__ = ["assert_fifo_per_group", "assert_no_duplicate_effects", "assert_nothing_lost",
           "check_fifo_per_group", "check_no_duplicate_effects", "check_nothing_lost",
           "effects_history", "message_history"]

ID_FIELDS = ("idempotency_key", "IdempotencyKey", "message_id", "MessageId", "key", "id")


def _at(op: Op) -> str:
    """Where the op is: ``at t=2–3``, or ``as sent[1]`` for an op built from a plain list."""
    if "log" in op.meta:
        return f"as {op.meta['log']}[{op.meta['position']}]"
    return f"at t={op.start:g}" if op.end in (None, op.start) else f"at t={op.start:g}–{op.end:g}"


def _split(item: Any) -> tuple[Any, Any]:
    """(group, id) from a ``(group, id)`` pair, or (None, id)."""
    if isinstance(item, tuple) and len(item) == 2:
        return item
    return None, item


def message_history(sent: Iterable[Any], processed: Iterable[Any], *,
                    producer: Hashable = "producer", consumer: Hashable = "consumer") -> History:
    """A sequential history: ``sent`` ids (or ``(group, id)`` pairs) in send order, then ``processed`` in order."""
    h = History()
    for i, item in enumerate(sent):
        group, mid = _split(item)
        h.op(producer, "send", group, mid, log="sent", position=i)
    for i, item in enumerate(processed):
        group, mid = _split(item)
        h.op(consumer, "process", group, mid, log="processed", position=i)
    return h


def _as_messages(sent: Any, processed: Iterable[Any] | None) -> History:
    """``sent`` is a whole History, or the sent ids when ``processed`` is given."""
    if processed is None:
        if not isinstance(sent, History):
            raise TypeError("pass a History, or both sent=[...] and processed=[...]")
        return sent
    return message_history(sent, processed)


def effects_history(effects: Any, key: str | None = None) -> History:
    """A history of ``process`` operations from an effect log.

    ``effects`` is a :class:`History` (its ``process`` operations are used), a
    pandas DataFrame or a list of dicts (the id in column ``key``, by default the
    first of :data:`ID_FIELDS` present; optional ``process``/``consumer``,
    ``start``, ``end``, ``outcome`` columns), or a plain list of ids.
    """
    if isinstance(effects, History):
        return effects.where(f="process")
    if hasattr(effects, "to_dict") and hasattr(effects, "columns"):
        effects = effects.to_dict("records")
    h = History()
    for i, item in enumerate(effects):
        if isinstance(item, Op):
            h.add(item)
            continue
        if not isinstance(item, Mapping):
            h.op("sink", "process", None, item, start=i, end=i, log="effects", position=i)
            continue
        name = key or next((k for k in ID_FIELDS if k in item), None)
        if name is None or name not in item:
            raise KeyError(f"effect {item!r} has no id: pass key='<the id column>' "
                           f"(tried {list(ID_FIELDS)})")
        who = item.get("process", item.get("consumer", "sink"))
        start = item.get("start", i)
        where = {} if "start" in item else {"log": "effects", "position": i}
        h.op(who, "process", item.get("group"), item[name], start=start,
             end=item.get("end", start), outcome=item.get("outcome", "ok"), **where)
    return h


# -- nothing lost ---------------------------------------------------------------------------

def check_nothing_lost(sent: Any, processed: Iterable[Any] | None = None, *,
                       done: tuple[str, ...] = ("process",)) -> Result:
    """Every message whose send succeeded is processed at least once (``done`` names the ops that count)."""
    history = _as_messages(sent, processed)
    handled = {op.value for op in history if op.f in done and op.ok}
    violations, seen = [], set()
    for op in history:
        if op.f == "send" and op.ok and op.value not in handled and op.value not in seen:
            seen.add(op.value)
            violations.append(Violation(
                "lost", f"{op.value} was sent by {op.process} {_at(op)} (ok) "
                        f"and never processed", (op,)))
    return Result("nothing lost",
                  "Every message whose send was acknowledged must be processed at least once "
                  "(sends that failed or timed out are not owed).",
                  history, violations, recheck=lambda h: check_nothing_lost(h, done=done))


def assert_nothing_lost(sent: Any, processed: Iterable[Any] | None = None, *,
                        done: tuple[str, ...] = ("process",)) -> Result:
    """Raise :class:`HistoryError` naming each acknowledged send that was never processed."""
    return check_nothing_lost(sent, processed, done=done).assert_holds()


# -- no duplicate effects -------------------------------------------------------------------

def check_no_duplicate_effects(effects: Any, key: str | None = None) -> Result:
    """Each message id (idempotency key) has its effect applied at most once (ok ``process`` ops)."""
    history = effects_history(effects, key)
    applied: dict[Any, list[Op]] = defaultdict(list)
    for op in history:
        if op.f == "process" and op.ok:
            applied[op.value].append(op)
    violations = []
    for mid, ops in applied.items():
        if len(ops) > 1:
            where = " and ".join(f"by {op.process} {_at(op)}" for op in ops)
            violations.append(Violation(
                "duplicate-effect", f"{mid} was applied {len(ops)} times: {where}", tuple(ops)))
    return Result("no duplicate effects",
                  "Delivery is at-least-once, so a consumer sees some messages twice; their "
                  "effects must still apply at most once per message id (idempotent consumer).",
                  history, violations, recheck=check_no_duplicate_effects)


def assert_no_duplicate_effects(effects: Any, key: str | None = None) -> Result:
    """Raise :class:`HistoryError` naming each message id whose effect was applied more than once."""
    return check_no_duplicate_effects(effects, key).assert_holds()


# -- FIFO within a message group -------------------------------------------------------------

def check_fifo_per_group(sent: Any, processed: Iterable[Any] | None = None, *,
                         done: str = "process") -> Result:
    """Within each group (``key``), messages are first processed in the order they were sent.

    Send order is real-time order: ``a`` is sent before ``b`` when ``a``'s send
    returned before ``b``'s began (concurrent sends have no order). Processing
    order is the start of each message's first ``done`` operation. Messages of
    different groups may be processed in any order.
    """
    history = _as_messages(sent, processed)
    first: dict[Any, Op] = {}
    sends: dict[Any, list[Op]] = defaultdict(list)
    for op in history:
        if op.f == "send" and op.outcome != "fail":
            sends[op.key].append(op)
        elif op.f == done and op.ok:
            mine = first.get(op.value)
            if mine is None or (op.start, op.index) < (mine.start, mine.index):
                first[op.value] = op
    violations = []
    for group, group_sends in sends.items():
        for b in group_sends:
            pb = first.get(b.value)
            if pb is None:
                continue
            for a in group_sends:
                pa = first.get(a.value)
                if a is b or pa is None or not a.precedes(b):
                    continue
                if (pb.start, pb.index) < (pa.start, pa.index):
                    violations.append(Violation(
                        "fifo-order",
                        f"group {group}: {b.value} (sent {_at(b)}) was processed by {pb.process} "
                        f"{_at(pb)}, before {a.value} (sent earlier, {_at(a)}; processed by "
                        f"{pa.process} {_at(pa)})", (a, b, pa, pb)))
                    break
    return Result("FIFO order per message group",
                  "Within one MessageGroupId, messages must be processed in the order they were "
                  "sent; across groups any order is allowed.",
                  history, violations, recheck=lambda h: check_fifo_per_group(h, done=done))


def assert_fifo_per_group(sent: Any, processed: Iterable[Any] | None = None, *,
                          done: str = "process") -> Result:
    """Raise :class:`HistoryError` naming each message processed before one sent earlier in its group."""
    return check_fifo_per_group(sent, processed, done=done).assert_holds()
