"""What a fault does to one request on its way to the service.

An effect gets the request's :class:`~course.runtime.faults.gate.Wire` and either
answers in the service's place or delivers the request and then misbehaves::

    Throttle().apply(wire)        # never delivered: the service's own throttling error
    Ambiguous().apply(wire)       # delivered (moto applies it), then a read timeout
    Duplicate().apply(wire)       # delivered twice; the caller gets the second answer

:class:`Latency` is not applied to the request: the injector waits on its clock
before the request goes on (see :mod:`course.runtime.faults.schedule`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np
from botocore.exceptions import ReadTimeoutError

from course.runtime.faults.responses import error_response, server_error, throttle_error

__all__ = ["Ambiguous", "Duplicate", "Error", "Latency", "ServerError", "Throttle"]

AMBIGUOUS_ENDINGS = ("timeout", "server_error")


@dataclass(frozen=True)
class Error:
    """Answer with the AWS error ``code`` and HTTP ``status``; the request is not delivered."""

    code: str
    status: int = 400
    kind: ClassVar[str] = "error"

    def resolve(self, service: str, protocol: str) -> tuple[str, int]:
        """The (code, status) this error takes on ``service``."""
        return self.code, self.status

    def apply(self, wire):
        code, status = self.resolve(wire.service, wire.protocol)
        return error_response(wire.service_model, code, status, url=wire.request.url)


@dataclass(frozen=True)
class Throttle(Error):
    """The service's own throttling error (``responses.THROTTLING``), unless given."""

    code: str | None = None
    status: int | None = None
    kind: ClassVar[str] = "throttle"

    def resolve(self, service: str, protocol: str) -> tuple[str, int]:
        code, status = throttle_error(service, protocol)
        return self.code or code, self.status or status


@dataclass(frozen=True)
class ServerError(Error):
    """A 5xx: the service's internal error (500) or ``ServiceUnavailable`` (503)."""

    code: str | None = None
    status: int = 500
    kind: ClassVar[str] = "server_error"

    def __post_init__(self):
        if not 500 <= self.status <= 599:
            raise ValueError(f"a server error has a 5xx status, not {self.status}")

    def resolve(self, service: str, protocol: str) -> tuple[str, int]:
        return self.code or server_error(service, self.status), self.status


@dataclass(frozen=True)
class Ambiguous:
    """Deliver the request, then fail: a read ``timeout`` or a ``server_error`` (500).

    The service has applied the request; the caller cannot tell, and botocore
    retries both endings, applying the request again.
    """

    ending: str = "timeout"
    kind: ClassVar[str] = "ambiguous"

    def __post_init__(self):
        if self.ending not in AMBIGUOUS_ENDINGS:
            raise ValueError(f"an ambiguous failure ends in one of {AMBIGUOUS_ENDINGS}, not {self.ending!r}")

    def apply(self, wire):
        wire.deliver()
        if self.ending == "timeout":
            raise ReadTimeoutError(endpoint_url=wire.request.url)
        return ServerError().apply(wire)


@dataclass(frozen=True)
class Duplicate:
    """Deliver the request twice (at-least-once delivery); the caller gets the second answer."""

    kind: ClassVar[str] = "duplicate"

    def apply(self, wire):
        wire.deliver()
        return wire.deliver()


@dataclass(frozen=True)
class Latency:
    """Extra seconds before the request goes on: a number, ``f(operation)``, or a
    ``distribution(rng)`` drawn with a seeded numpy Generator (a :mod:`course.sim.latency`
    distribution, say)."""

    seconds: float | Callable[[str], float] = 0.0
    distribution: Callable[[np.random.Generator], float] | None = None
    kind: ClassVar[str] = "latency"

    def __post_init__(self):
        if not callable(self.seconds) and self.seconds < 0:
            raise ValueError(f"a delay cannot be negative, got {self.seconds}")

    def draw(self, operation: str, rng: np.random.Generator) -> float:
        if self.distribution is not None:
            return max(0.0, float(self.distribution(rng)))
        seconds = self.seconds(operation) if callable(self.seconds) else self.seconds
        return max(0.0, float(seconds))
