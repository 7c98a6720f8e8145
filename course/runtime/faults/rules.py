"""Fault rules: a fault, and which requests it hits.

Every constructor takes the same selection keywords (:class:`Select`)::

    rules = [
        throttle(operations=["PutItem"], probability=0.2),   # DynamoDB's own code, 1 PutItem in 5
        ambiguous(services="dynamodb", nth=3),               # the 3rd request: applied, then a timeout
        server_error(status=503, first=2),                   # the first two requests: 503
        latency(0.05, window=(60.0, 120.0)),                 # 50 ms more from t=60 s to t=120 s
        duplicate(operations="SendMessage", probability=0.1),
    ]

A rule counts the requests it covers (its services and operations) from 1; a retry
is a new request. Rules are independent: each counts and draws on its own, latencies
add up, and when several faults fire on one request the first in the list wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from course.runtime.faults.effects import (Ambiguous, Duplicate, Error, Latency, ServerError,
                                           Throttle)

__all__ = ["Rule", "Select", "ambiguous", "duplicate", "error", "latency", "server_error", "throttle"]


def _names(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset([value] if isinstance(value, str) else value)


def _smallest(numbers: frozenset[int] | range) -> int:
    return min(numbers[0], numbers[-1]) if isinstance(numbers, range) else min(numbers)


@dataclass(frozen=True)
class Select:
    """Which requests a rule hits; every condition given must hold.

    - ``services``: boto3 service names (``"dynamodb"``, ``"sqs"``, ...), one or several
    - ``operations``: API operation names (``"PutItem"``), one or several
    - ``probability``: the chance that a request meeting the other conditions is hit (seeded)
    - ``nth``: the n-th covered request (1-based), or several (a collection or a ``range``)
    - ``first``: the first k covered requests
    - ``window``: ``(start, end)``: requests sent at ``start <= clock.now() < end``
    """

    services: frozenset[str] | None = None
    operations: frozenset[str] | None = None
    probability: float = 1.0
    nth: frozenset[int] | range | None = None
    first: int | None = None
    window: tuple[float, float] | None = None

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "services", _names(self.services))
        set_(self, "operations", _names(self.operations))
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability must be between 0 and 1, not {self.probability}")
        if isinstance(self.nth, int):
            set_(self, "nth", frozenset([self.nth]))
        elif self.nth is not None and not isinstance(self.nth, range):
            set_(self, "nth", frozenset(self.nth))
        if self.nth is not None and (not self.nth or _smallest(self.nth) < 1):
            raise ValueError(f"nth counts requests from 1, got {self.nth}")
        if self.first is not None and self.first < 0:
            raise ValueError(f"first must be a count, not {self.first}")
        if self.window is not None:
            start, end = self.window
            if end < start:
                raise ValueError(f"a window ends after it starts, not {self.window}")
            set_(self, "window", (float(start), float(end)))

    def covers(self, service: str, operation: str) -> bool:
        """Whether the rule counts this request at all."""
        return ((self.services is None or service in self.services)
                and (self.operations is None or operation in self.operations))

    def admits(self, n: int, now: float) -> bool:
        """Whether the ``n``-th covered request, sent at ``now``, meets the count and time conditions."""
        return ((self.nth is None or n in self.nth)
                and (self.first is None or n <= self.first)
                and (self.window is None or self.window[0] <= now < self.window[1]))


@dataclass(frozen=True)
class Rule:
    """A fault (an effect from :mod:`course.runtime.faults.effects`) and its selection."""

    fault: Error | Ambiguous | Duplicate | Latency
    select: Select = field(default_factory=Select)

    @property
    def kind(self) -> str:
        return self.fault.kind


def throttle(code: str | None = None, status: int | None = None, **select) -> Rule:
    """The service's own throttling error (DynamoDB ``ProvisionedThroughputExceededException``,
    S3 ``SlowDown`` 503, ...; see ``responses.THROTTLING``), or ``code``/``status``."""
    return Rule(Throttle(code, status), Select(**select))


def server_error(status: int = 500, code: str | None = None, **select) -> Rule:
    """A 5xx from the service: its internal error (500) or ``ServiceUnavailable`` (503)."""
    return Rule(ServerError(code, status), Select(**select))


def error(code: str, status: int = 400, **select) -> Rule:
    """Any AWS error ``code`` with HTTP ``status``; the request is not delivered."""
    return Rule(Error(code, status), Select(**select))


def ambiguous(ending: str = "timeout", **select) -> Rule:
    """The request is applied, then the caller sees a read timeout (or, with
    ``ending="server_error"``, a 500): it cannot know that the write happened."""
    return Rule(Ambiguous(ending), Select(**select))


def duplicate(**select) -> Rule:
    """The request is delivered twice, as an at-least-once network may."""
    return Rule(Duplicate(), Select(**select))


def latency(seconds: float | Callable[[str], float] = 0.0,
            distribution: Callable[[np.random.Generator], float] | None = None, **select) -> Rule:
    """Extra seconds per request: a number, ``f(operation) -> seconds``, or a
    :mod:`course.sim.latency` distribution drawn from the injector's seed."""
    return Rule(Latency(seconds, distribution), Select(**select))
