"""One-line latency and errors on a client, the first tools of the course's notebooks.

    remove = add_latency(ddb, lambda operation: 0.008, clock=clock)   # 8 ms per request
    add_errors(ddb, rate=0.1, seed=7)                                  # 1 request in 10 fails
    remove()                                                           # the latency is gone

Each is :func:`~course.runtime.faults.injector.inject` with one rule, and returns its
``remove``.
"""

from __future__ import annotations

from typing import Callable

from course.runtime.faults.injector import inject
from course.runtime.faults.rules import error as error_rule
from course.runtime.faults.rules import latency as latency_rule

__all__ = ["add_errors", "add_latency"]


def add_latency(client, latency: Callable[[str], float] | float, clock=None,
                operations: list[str] | None = None) -> Callable[[], None]:
    """Add latency (seconds, or a function of the operation name) to each request.

    With a simulated ``clock`` the clock advances instead of sleeping. Returns a
    function that removes the latency again.
    """
    return inject(client, [latency_rule(latency, operations=operations)], clock=clock).remove


def add_errors(client, rate: float, code: str = "ThrottlingException", status: int = 400,
               seed: int | None = None, operations: list[str] | None = None) -> Callable[[], None]:
    """Fail a fraction ``rate`` of requests (seeded) with the AWS error ``code``, unapplied.

    Returns a function that removes the errors again.
    """
    return inject(client, [error_rule(code, status, probability=rate, operations=operations)],
                  seed=seed).remove
