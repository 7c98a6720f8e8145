"""At-least-once delivery on the simulated clock: an SQS-like queue and consumers that crash.

moto's visibility timeouts run in real time and its receive slows down with queue depth,
so experiments with thousands of messages and minutes of timeouts are simulated here, on
the course's clock with SimPy, following SQS's documented rules::

    from course.sim import delivery
    from course.sim.latency import Lognormal

    messages = delivery.order_events(np.random.default_rng(7), n_orders=200)
    run = delivery.simulate(messages,
                            delivery.QueueSettings(visibility_timeout=30, fifo=False),
                            delivery.Consumers(count=4, processing=Lognormal(6, 0.8),
                                               crash_after_effect=0.01, dedupe="none"),
                            seed=7)
    run.effects              # one dict per applied effect (message_id, group, process, start, end)
    run.deliveries           # DataFrame: one row per receive, with its outcome
    run.first_effects()      # [(group, message_id), ...] in the order effects first happened

The rules, as SQS documents them (the sim takes the pessimistic reading where SQS says "might"):

- ``ReceiveMessage`` hides a message for the visibility timeout; it comes back unless deleted.
  Each receive adds one to its receive count and gets a new receipt handle.
- A standard queue hands out the earliest-sent visible message (best-effort order). A FIFO
  queue hands out only the first undeleted message of a message group, and none of a group
  while one of its messages is in flight.
- With a dead-letter queue, a message whose receive count already equals ``max_receive_count``
  is moved there by the next receive instead of being delivered.
- ``DeleteMessage`` with an out-of-date receipt handle (the message was received again
  since) succeeds but leaves the message on the queue.

A consumer receives one message (long polling: it waits until one is available), processes
it for a time drawn from ``processing``, applies the message's *effect* and deletes it. It
may crash before the effect or after it (before the delete) and restart ``restart_s`` later.
How it guards the effect is ``dedupe``:

- ``"none"``: every completed processing applies the effect;
- ``"check-then-act"``: reads "already applied?" when processing starts, skips the message
  if so, and otherwise applies the effect at the end, unconditionally;
- ``"conditional"``: applies the effect only if it was not applied before, checked and written
  in one atomic step (a DynamoDB conditional write).

The duplicates that standard queues rarely deliver by themselves are not modelled: what the
sim shows comes from timeouts and crashes alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import simpy

from course.clock import SimulatedClock
from course.sim.latency import Distribution, Lognormal

__all__ = ["Consumers", "Message", "QueueSettings", "Run", "order_events", "simulate"]

DEDUPE_MODES = ("none", "check-then-act", "conditional")
MAX_VISIBILITY_S = 43_200  # 12 hours, SQS's maximum


@dataclass(frozen=True)
class Message:
    """A message as the producer sent it: its id, message group (the entity it is about), send time."""

    id: str
    group: str | None
    sent_at: float
    poison: bool = False  # every attempt to process it fails at once


@dataclass(frozen=True)
class QueueSettings:
    """A queue's settings: visibility timeout (s), FIFO or standard, and an optional redrive policy."""

    visibility_timeout: float = 30.0
    fifo: bool = False
    max_receive_count: int | None = None  # None: no dead-letter queue

    def __post_init__(self):
        if not 0 <= self.visibility_timeout <= MAX_VISIBILITY_S:
            raise ValueError(f"a visibility timeout is 0 to {MAX_VISIBILITY_S} s, not {self.visibility_timeout}")
        if self.max_receive_count is not None and not 1 <= self.max_receive_count <= 1000:
            raise ValueError(f"maxReceiveCount is 1 to 1000, not {self.max_receive_count}")


@dataclass(frozen=True)
class Consumers:
    """How many consumers, how long a message takes, how often they fail, and how they guard effects.

    ``fail_rate``: a processing attempt fails (an exception: no effect, no delete) and the
    consumer moves on. ``crash_before_effect`` / ``crash_after_effect``: the consumer dies
    (before the effect, at a random point of the processing; or after the effect, before the
    delete) and takes ``restart_s`` to come back. Probabilities are per delivery.
    """

    count: int = 4
    processing: Distribution = Lognormal(6.0, 0.8)
    fail_rate: float = 0.0
    crash_before_effect: float = 0.0
    crash_after_effect: float = 0.0
    restart_s: float = 10.0
    dedupe: str = "none"

    def __post_init__(self):
        if self.count < 1:
            raise ValueError(f"need at least one consumer, not {self.count}")
        if self.dedupe not in DEDUPE_MODES:
            raise ValueError(f"dedupe is one of {DEDUPE_MODES}, not {self.dedupe!r}")
        for name in ("fail_rate", "crash_before_effect", "crash_after_effect"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} is a probability, not {getattr(self, name)}")


@dataclass
class Run:
    """What happened: the messages sent, every receive, every effect, and where each message ended."""

    sent: list[Message]
    deliveries: pd.DataFrame
    effects: list[dict]
    deleted_at: dict[str, float] = field(default_factory=dict)
    dead_lettered_at: dict[str, float] = field(default_factory=dict)
    end: float = 0.0

    def first_effects(self) -> list[tuple[str | None, str]]:
        """``(group, message_id)`` of each message with an effect, in the order its first effect happened."""
        first: dict[str, dict] = {}
        for effect in self.effects:
            first.setdefault(effect["message_id"], effect)
        ordered = sorted(first.values(), key=lambda e: (e["end"], e["seq"]))
        return [(e["group"], e["message_id"]) for e in ordered]

    def duplicate_effects(self) -> int:
        """Effects applied beyond the first, over all messages."""
        return len(self.effects) - len({e["message_id"] for e in self.effects})

    def delays(self) -> np.ndarray:
        """Seconds from each message's send to its first effect (messages with an effect)."""
        sent_at = {m.id: m.sent_at for m in self.sent}
        first: dict[str, float] = {}
        for effect in self.effects:
            first.setdefault(effect["message_id"], effect["end"])
        return np.array([first[m] - sent_at[m] for m in first])

    def unfinished(self) -> list[str]:
        """Messages neither deleted nor dead-lettered when the simulation stopped."""
        return [m.id for m in self.sent if m.id not in self.deleted_at and m.id not in self.dead_lettered_at]


class _Queue:
    """The queue's state: pending messages in send order, their visibility, counts and handles."""

    def __init__(self, env: simpy.Environment, settings: QueueSettings):
        self.env, self.settings = env, settings
        self.pending: list[Message] = []  # sent, not deleted, not dead-lettered; in send order
        self.hidden_until: dict[str, float] = {}
        self.receive_count: dict[str, int] = {}
        self.handle: dict[str, int] = {}
        self.deleted_at: dict[str, float] = {}
        self.dead_lettered_at: dict[str, float] = {}
        self.changed = env.event()

    def _notify(self) -> None:
        if not self.changed.triggered:
            self.changed.succeed()
        self.changed = self.env.event()

    def send(self, message: Message) -> None:
        self.pending.append(message)
        self._notify()

    def receive(self) -> tuple[Message, int] | None:
        """The next deliverable message and its receipt handle, or None."""
        now, heads_seen = self.env.now, set()
        for message in list(self.pending):
            if self.settings.fifo:
                if message.group in heads_seen:
                    continue  # only the first undeleted message of a group can be delivered
                heads_seen.add(message.group)
            if self.hidden_until.get(message.id, 0.0) > now:
                continue
            count = self.receive_count.get(message.id, 0)
            limit = self.settings.max_receive_count
            if limit is not None and count >= limit:
                self.pending.remove(message)
                self.dead_lettered_at[message.id] = now
                heads_seen.discard(message.group)  # the group's next message is now its head
                continue
            self.receive_count[message.id] = count + 1
            self.handle[message.id] = self.handle.get(message.id, 0) + 1
            self.hidden_until[message.id] = now + self.settings.visibility_timeout
            return message, self.handle[message.id]
        return None

    def delete(self, message: Message, handle: int) -> bool:
        """Delete with a receipt handle; an out-of-date handle leaves the message (False)."""
        if message.id in self.deleted_at or self.handle.get(message.id) != handle:
            return False
        self.pending.remove(message)
        self.deleted_at[message.id] = self.env.now
        self._notify()
        return True

    def next_visible_in(self) -> float | None:
        """Seconds until the next in-flight message becomes visible again (None: nothing in flight)."""
        now = self.env.now
        waits = [self.hidden_until[m.id] - now for m in self.pending if self.hidden_until.get(m.id, 0.0) > now]
        return min(waits) if waits else None


def simulate(messages: list[Message], queue: QueueSettings, consumers: Consumers, *, seed: int = 0,
             until: float | None = None, clock: SimulatedClock | None = None) -> Run:
    """Send ``messages`` at their times and let ``consumers`` work the queue until it is empty.

    Stops when every message is deleted or dead-lettered, or at ``until`` seconds (default:
    one day after the last send) if messages keep coming back.
    """
    rng = np.random.default_rng(seed)
    env = (clock or SimulatedClock()).simpy_environment()
    start = env.now
    state = _Queue(env, queue)
    ordered = sorted(messages, key=lambda m: m.sent_at)
    rows: list[dict] = []
    effects: list[dict] = []
    applied: set[str] = set()
    all_done = env.event()

    busy = [0]  # consumers in the middle of a message: the run ends when they are done too

    def finished() -> bool:
        return busy[0] == 0 and len(state.deleted_at) + len(state.dead_lettered_at) == len(ordered)

    def producer():
        for message in ordered:
            if message.sent_at > env.now - start:
                yield env.timeout(start + message.sent_at - env.now)
            state.send(message)

    def consumer(name: str):
        while True:
            got = state.receive()
            if finished() and not all_done.triggered:
                all_done.succeed()
            if got is None:
                wait = state.next_visible_in()
                events = [state.changed] + ([env.timeout(wait)] if wait is not None else [])
                yield env.any_of(events)
                continue
            message, handle = got
            row = {"message_id": message.id, "group": message.group, "consumer": name,
                   "receive_count": state.receive_count[message.id], "received_at": env.now - start}
            rows.append(row)
            busy[0] += 1
            outcome = yield from _work(name, message, handle)
            busy[0] -= 1
            row.update(outcome=outcome, ended_at=env.now - start)
            if finished() and not all_done.triggered:
                all_done.succeed()
            if outcome.startswith("crashed"):
                yield env.timeout(consumers.restart_s)

    def _work(name: str, message: Message, handle: int):
        if message.poison or rng.random() < consumers.fail_rate:
            yield env.timeout(0.1 if message.poison else float(consumers.processing(rng)) / 2)
            return "failed"
        seen_at_start = message.id in applied
        if consumers.dedupe == "check-then-act" and seen_at_start:
            state.delete(message, handle)
            return "skipped-duplicate"
        duration = float(consumers.processing(rng))
        if rng.random() < consumers.crash_before_effect:
            yield env.timeout(duration * rng.random())
            return "crashed-before-effect"
        began = env.now - start
        yield env.timeout(duration)
        if consumers.dedupe != "conditional" or message.id not in applied:
            effects.append({"message_id": message.id, "group": message.group, "process": name,
                            "start": began, "end": env.now - start, "seq": len(effects)})
            applied.add(message.id)
            outcome = "applied"
        else:
            outcome = "duplicate-skipped"
        if rng.random() < consumers.crash_after_effect:
            return "crashed-after-effect"
        return outcome if state.delete(message, handle) else f"{outcome}, stale delete"

    env.process(producer())
    for i in range(consumers.count):
        env.process(consumer(f"consumer-{i + 1}"))
    last = ordered[-1].sent_at if ordered else 0.0
    limit = start + (until if until is not None else last + 86_400.0)
    if ordered:
        env.run(until=env.any_of([all_done, env.timeout(limit - env.now)]))
    columns = ["message_id", "group", "consumer", "receive_count", "received_at", "outcome", "ended_at"]
    return Run(sent=ordered, deliveries=pd.DataFrame(rows, columns=columns), effects=effects,
               deleted_at={k: v - start for k, v in state.deleted_at.items()},
               dead_lettered_at={k: v - start for k, v in state.dead_lettered_at.items()},
               end=env.now - start)


def order_events(rng: np.random.Generator, n_orders: int, events_per_order: int = 5,
                 orders_per_second: float = 0.06, mean_gap_s: float = 4.0,
                 customer_of: Callable[[int], str] | None = None) -> list[Message]:
    """Messages about orders: each order's events sent in sequence, ``mean_gap_s`` apart on average.

    Orders start as a Poisson process; message ids are ``o0007-e2`` (order 7, its 3rd event),
    and each message's group is its order id, or ``customer_of(order_number)`` if given.
    """
    if n_orders < 1 or events_per_order < 1:
        raise ValueError(f"need at least one order and one event, got {n_orders}, {events_per_order}")
    starts = np.cumsum(rng.exponential(1.0 / orders_per_second, n_orders))
    gaps = rng.exponential(mean_gap_s, (n_orders, events_per_order))
    gaps[:, 0] = 0.0
    times = starts[:, None] + np.cumsum(gaps, axis=1)
    messages = [Message(f"o{i:04d}-e{k}", customer_of(i) if customer_of else f"o{i:04d}", float(times[i, k]))
                for i in range(n_orders) for k in range(events_per_order)]
    return sorted(messages, key=lambda m: (m.sent_at, m.id))
