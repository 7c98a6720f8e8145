"""Fault injection on boto3 clients: rules, a seed, a clock, and the history of every request.

    clock = SimulatedClock()
    with inject(ddb, [throttle(operations="PutItem", probability=0.2),
                      ambiguous(nth=3),
                      latency(0.008)], seed=7, clock=clock) as inj:
        run_the_experiment(ddb)
    inj.history_frame()      # one row per request: call, attempt, outcome, start, end, ...
    inj.calls_frame()        # one row per call, as the caller saw it

``inject`` takes a client, a boto3 resource, or several (one history across services).
The same seed and the same sequence of calls fail the same requests; ``inj.seed``
holds the seed drawn when none is given, to replay a run. With a simulated clock,
injected latency and botocore's retry backoff advance the clock and no real time
passes; without one they take real time (``time.sleep``). One exception: in botocore's
adaptive retry mode a throttled client slows itself down in real time (its token bucket).
"""

from __future__ import annotations

import difflib
import itertools
import random
import threading
import time
from typing import Hashable, Iterable

from course.runtime.faults.gate import Gate
from course.runtime.faults.history import Attempt, calls_frame, frame
from course.runtime.faults.rules import Rule
from course.runtime.faults.schedule import Decision, Schedule

__all__ = ["Injector", "inject"]


def inject(clients, rules: Iterable[Rule] = (), seed: Hashable | None = None, clock=None) -> Injector:
    """Inject the faults of ``rules`` into the calls of ``clients`` until ``remove()``."""
    return Injector(clients, rules, seed=seed, clock=clock)


class Injector:
    """Faults on some clients, and the record of their requests. Also a context manager.

    ``clock`` is anything with ``now()`` and ``sleep(seconds)``, such as
    :class:`course.clock.SimulatedClock`; None means real time.
    """

    def __init__(self, clients, rules: Iterable[Rule] = (), seed: Hashable | None = None, clock=None):
        self.rules = tuple(rules)
        for rule in self.rules:
            if not isinstance(rule, Rule):
                raise TypeError(f"a rule comes from faults.throttle(), faults.latency(), ...: not {rule!r}")
        self.seed = random.SystemRandom().randrange(2**32) if seed is None else seed
        self.clock = clock
        self.history: list[Attempt] = []
        self._schedule = Schedule(self.rules, self.seed)
        self._calls = itertools.count(1)
        self._lock = threading.Lock()
        targets = _clients(clients)
        _check(self.rules, [client.meta.service_model for client in targets])
        self._gates: list[Gate] = []
        try:
            for client in targets:
                gate = Gate.of(client)
                gate.attach(self)
                self._gates.append(gate)
        except BaseException:
            self.remove()
            raise

    def remove(self) -> None:
        """Stop injecting; the clients behave as before. The history stays."""
        for gate in self._gates:
            gate.detach(self)
        self._gates = []

    def history_frame(self):
        """The history as a pandas DataFrame, one row per request (see :class:`Attempt`)."""
        return frame(self.history)

    def calls_frame(self):
        """The history as its callers saw it: one row per call, its attempts taken together."""
        return calls_frame(self.history)

    def __enter__(self) -> Injector:
        return self

    def __exit__(self, *_exc) -> None:
        self.remove()

    def __repr__(self) -> str:
        services = sorted({gate.service for gate in self._gates})
        return (f"<faults.Injector on {services or 'no clients (removed)'}: {len(self.rules)} rules, "
                f"seed={self.seed!r}, {len(self.history)} requests seen>")

    # -- called by the gates, per request ---------------------------------
    def begin(self, call: dict, service: str, operation: str, attempt: int) -> tuple[Attempt, Decision]:
        """Decide what happens to a request, record it, and wait its latency."""
        now = self._now()
        decision = self._schedule.decide(service, operation, now)
        with self._lock:
            numbers = call.setdefault("numbers", {})
            if self not in numbers:
                numbers[self] = next(self._calls)
            record = Attempt(numbers[self], attempt, service, operation, call["params"], start=now,
                             latency=decision.latency)
            self.history.append(record)
        if decision.latency:
            (time.sleep if self.clock is None else self.clock.sleep)(decision.latency)
        return record, decision

    def end(self, record: Attempt, **outcome) -> None:
        """Complete a request's record when its response (or failure) arrives."""
        for name, value in outcome.items():
            setattr(record, name, value)
        record.end = self._now()

    def _now(self) -> float:
        return time.monotonic() if self.clock is None else self.clock.now()


def _clients(target) -> list:
    """The distinct boto3 clients in ``target``: a client, a resource, or an iterable of them."""
    found: dict[int, object] = {}
    for item in ([target] if hasattr(target, "meta") else target):
        client = getattr(item.meta, "client", item)
        found.setdefault(id(client), client)
    if not found:
        raise ValueError("inject faults into at least one boto3 client")
    return list(found.values())


def _check(rules: tuple[Rule, ...], models: list) -> None:
    """Refuse rules that can never fire on these clients: a misspelt service or operation."""
    services = {model.service_name for model in models}
    for rule in rules:
        select = rule.select
        if select.services is not None and not select.services & services:
            raise ValueError(f"{rule.kind} rule selects services {sorted(select.services)}, "
                             f"but the clients are {sorted(services)}")
        covered = [m for m in models if select.services is None or m.service_name in select.services]
        known = {name for model in covered for name in model.operation_names}
        for operation in sorted((select.operations or set()) - known):
            close = difflib.get_close_matches(operation, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{rule.kind} rule selects operation {operation!r}, which "
                             f"{sorted(services)} do not have{hint}")
