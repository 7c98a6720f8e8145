"""Which rules fire on each request: per-rule counts and seeded random streams.

    schedule = Schedule([throttle(probability=0.2), latency(0.01)], seed=7)
    decision = schedule.decide("dynamodb", "PutItem", now=clock.now())
    decision.latency        # 0.01: seconds to wait before the request goes on
    decision.fault          # the first fault that fired (an effect), or None

The same seed and the same sequence of requests give the same decisions. Each rule
counts and draws on its own stream (seeded by the seed and its place in the list), so
a rule appended to the list leaves the choices of the rules before it as they were.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Hashable, Iterable

import numpy as np

from course.runtime.faults.rules import Rule

__all__ = ["Decision", "Schedule"]


@dataclass(frozen=True)
class Decision:
    """What happens to one request: extra latency, then at most one fault."""

    latency: float = 0.0
    fault: object | None = None


class Schedule:
    """The rules' state for one injector (thread-safe)."""

    def __init__(self, rules: Iterable[Rule], seed: Hashable):
        self.rules = tuple(rules)
        self._counts = [0] * len(self.rules)
        self._random = [random.Random(f"{seed}/{i}") for i in range(len(self.rules))]
        self._numpy = [np.random.default_rng(random.Random(f"{seed}/{i}/numpy").getrandbits(64))
                       if getattr(rule.fault, "distribution", None) is not None else None
                       for i, rule in enumerate(self.rules)]
        self._lock = threading.Lock()

    def decide(self, service: str, operation: str, now: float) -> Decision:
        """Count this request against every rule that covers it; return what fired."""
        latency, fault = 0.0, None
        with self._lock:
            for i, rule in enumerate(self.rules):
                if not self._fires(i, service, operation, now):
                    continue
                if rule.kind == "latency":
                    latency += rule.fault.draw(operation, self._numpy[i])
                elif fault is None:
                    fault = rule.fault
        return Decision(latency, fault)

    def _fires(self, i: int, service: str, operation: str, now: float) -> bool:
        select = self.rules[i].select
        if not select.covers(service, operation):
            return False
        self._counts[i] += 1
        if not select.admits(self._counts[i], now):
            return False
        return select.probability >= 1.0 or self._random[i].random() < select.probability
