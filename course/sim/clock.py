"""The one simulated clock of the course's experiments: time that moves only when told to.

Simulators, fault injection (:func:`course.faults.add_latency` with ``clock=``) and
learners' code share one clock, so minutes of simulated traffic run in milliseconds.
"""

from __future__ import annotations

import threading


class SimulatedClock:
    """A clock that only moves when told to (thread-safe)."""

    def __init__(self, start: float = 0.0):
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._now += seconds
            return self._now
