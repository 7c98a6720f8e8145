"""Latency and errors that moto does not produce, injected where boto3 sends requests.

moto answers every call at once and never fails on its own. Experiments about
slow or failing dependencies add that behaviour explicitly through botocore's
event hooks, on one client, so the notebook says what is simulated::

    clock = course.sim.clock.SimulatedClock()
    course.faults.add_latency(ddb, lambda op: 0.008, clock=clock)   # 8 ms per call
    course.faults.add_errors(ddb, rate=0.1, seed=7)                  # 10% throttled

With a ``SimulatedClock`` no real time passes: the clock advances by each
call's latency, so a notebook can simulate minutes of traffic in a second.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Callable

from botocore.awsrequest import AWSResponse


def _event(client, operations) -> list[str]:
    service = client.meta.service_model.service_id.hyphenize()
    if not operations:
        return [f"before-send.{service}"]
    return [f"before-send.{service}.{op}" for op in operations]


def _operation(event_name: str) -> str:
    """'before-send.dynamodb.GetItem' -> 'GetItem'."""
    return event_name.split(".")[2] if event_name.count(".") >= 2 else ""


def add_latency(client, latency: Callable[[str], float] | float, clock=None,
                operations: list[str] | None = None) -> Callable[[], None]:
    """Add latency (seconds, or a function of the operation name) to each call.

    With ``clock`` the clock advances instead of sleeping. Returns a function
    that removes the latency again.
    """
    pick = latency if callable(latency) else (lambda _op: latency)

    def handler(request, **kwargs):
        seconds = max(0.0, float(pick(_operation(kwargs.get("event_name", "")))))
        if clock is not None:
            clock.advance(seconds)
        else:
            time.sleep(seconds)
        return None  # let the request go on to moto

    return _register(client, operations, handler)


def add_errors(client, rate: float, code: str = "ThrottlingException", status: int = 400,
               seed: int | None = None, operations: list[str] | None = None) -> Callable[[], None]:
    """Fail a fraction ``rate`` of calls with the AWS error ``code`` (seeded)."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be between 0 and 1, not {rate}")
    rng = random.Random(seed)
    lock = threading.Lock()

    def handler(request, **kwargs):
        with lock:
            fail = rng.random() < rate
        if not fail:
            return None
        body = (f'{{"__type":"{code}","message":"Injected by course.faults: {code}"}}').encode()
        return AWSResponse(request.url, status, {"x-amzn-ErrorType": code,
                                                 "Content-Type": "application/x-amz-json-1.0"},
                           _Raw(body))

    return _register(client, operations, handler)


class _Raw:
    """The minimal raw-body object botocore reads an AWSResponse from."""

    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_kwargs):
        yield self._body

    def read(self, *_args, **_kwargs) -> bytes:
        return self._body


def _register(client, operations, handler) -> Callable[[], None]:
    events = _event(client, operations)
    for event in events:
        client.meta.events.register_first(event, handler)

    def remove() -> None:
        for event in events:
            client.meta.events.unregister(event, handler)

    return remove
