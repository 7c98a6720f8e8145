"""botocore's own retry backoff, waited on a clock of the course.

Between the attempts of one call botocore sleeps (``time.sleep``) as long as the
client's retry handler says. On a simulated clock that wait must be simulated too:
:class:`ClockBackoff` stands in for the client's retry handler, asks the original
handler whether and after how long to retry, waits that long on the clock, and
tells botocore to retry at once::

    clock = SimulatedClock()
    backoff = ClockBackoff(client.meta.events, "dynamodb", clock.sleep)
    client.put_item(...)          # throttled twice: the clock advances by botocore's backoff
    backoff.restore()

Every retry decision stays botocore's (mode legacy, standard or adaptive, max
attempts, retry quota). The client's handler is found by the unique id botocore
registers it under, in the emitter's registry (a private attribute; the tests in
tests/runtime pin it to the botocore version in use).

The adaptive mode's client-side rate limiter is another matter: after a throttle its
token bucket makes the next requests wait in real time, whatever the clock.
"""

from __future__ import annotations

from typing import Callable

__all__ = ["ClockBackoff"]


class ClockBackoff:
    """The retry handler of one client, with its delays waited by ``sleep``."""

    def __init__(self, events, service_id: str, sleep: Callable[[float], None]):
        self._sleep = sleep
        self._events = events
        self._event = f"needs-retry.{service_id}"
        self._unique_id = f"retry-config-{service_id}"
        entry = events._emitter._unique_id_handlers.get(self._unique_id)
        self._original = entry["handler"] if entry else None
        if self._original is not None:
            self._swap(self._original, self)

    def __call__(self, **kwargs):
        delay = self._original(**kwargs)
        if not delay:
            return delay  # no retry (None, False), or an immediate one (0)
        self._sleep(delay)
        return 0

    def restore(self) -> None:
        """Put the client's own retry handler back."""
        if self._original is not None:
            self._swap(self, self._original)

    def _swap(self, old, new) -> None:
        self._events.unregister(self._event, old, unique_id=self._unique_id)
        self._events.register(self._event, new, unique_id=self._unique_id)
