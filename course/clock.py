"""The one notion of time of the course's experiments: a simulated clock, or the real one.

Code that waits or reads the time takes a clock (or its ``now`` and ``sleep``), so it
runs on simulated time in the course and unchanged on real time outside it::

    def retry(call, clock, attempts=5, base=0.1):
        for attempt in range(attempts):
            try:
                return call()
            except TimeoutError:
                clock.sleep(base * 2 ** attempt)        # simulated: no real time passes

    clock = SimulatedClock()
    clock.call_at(30.0, lambda: print("TTL expired at", clock.now()))
    clock.sleep(45.0)                                   # prints "TTL expired at 30.0"
    retry(flaky_call, RealClock())                      # the same function on the wall clock

A SimPy environment can run on the same clock, so processes and queues simulated with
SimPy share one time line with fault injection (:mod:`course.faults`) and timers::

    env = clock.simpy_environment()
    env.process(customer(env, counter))
    env.run(until=600.0)                                # clock.now() == 600.0 afterwards
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Any, Callable, Protocol, runtime_checkable

import simpy

__all__ = ["Clock", "ClockEnvironment", "RealClock", "SimulatedClock", "Timer"]


@runtime_checkable
class Clock(Protocol):
    """What code under test needs from a clock: the time, and a way to wait."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class RealClock:
    """The wall clock behind the :class:`Clock` interface: ``time.monotonic`` and ``time.sleep``.

    All real clocks are equal: they show the same time.
    """

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RealClock)

    def __hash__(self) -> int:
        return hash(RealClock)

    def __repr__(self) -> str:
        return "RealClock()"


class Timer:
    """A callback due at a time on a :class:`SimulatedClock`; ``cancel()`` before it is due."""

    def __init__(self, when: float, callback: Callable[..., Any], args: tuple):
        self.when, self.callback, self.args = when, callback, args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __repr__(self) -> str:
        state = " cancelled" if self.cancelled else ""
        return f"<Timer at t={self.when}{state}: {self.callback!r}>"


class SimulatedClock:
    """A clock that moves only when told to (thread-safe).

    ``advance`` and ``sleep`` move it forward, never back. Timers run inside the call
    that moves the clock past them, in time order, each seeing ``now()`` equal to its
    time; they hold the clock while they run, so they must not wait for other threads.
    """

    def __init__(self, start: float = 0.0):
        self._now = float(start)
        self._lock = threading.RLock()
        self._timers: list[tuple[float, int, Timer]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock ``seconds`` forward, run the timers due by then; return the new time."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back: advance({seconds})")
        with self._lock:
            return self._move_to(self._now + seconds)

    def advance_to(self, when: float) -> float:
        """Move the clock forward to exactly ``when``, run the timers due by then."""
        with self._lock:
            if when < self._now:
                raise ValueError(f"a clock cannot go back: it is {self._now}, not {when}")
            return self._move_to(float(when))

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of simulated time: :meth:`advance`, shaped like ``time.sleep``."""
        self.advance(seconds)

    def call_at(self, when: float, callback: Callable[..., Any], *args: Any) -> Timer:
        """Run ``callback(*args)`` when the clock reaches ``when`` (if already past: at its next move)."""
        timer = Timer(float(when), callback, args)
        with self._lock:
            heapq.heappush(self._timers, (timer.when, next(self._order), timer))
        return timer

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        """Run ``callback(*args)`` ``delay`` seconds from now."""
        if delay < 0:
            raise ValueError(f"a delay cannot be negative, got {delay}")
        with self._lock:
            return self.call_at(self._now + delay, callback, *args)

    def simpy_environment(self) -> simpy.Environment:
        """A SimPy environment whose time is this clock's (see :class:`ClockEnvironment`)."""
        return ClockEnvironment(self)

    def _move_to(self, when: float) -> float:
        while self._timers and self._timers[0][0] <= when:
            due, _, timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                self._now = max(self._now, due)
                timer.callback(*timer.args)
        self._now = max(self._now, when)
        return self._now

    def __repr__(self) -> str:
        return f"SimulatedClock(now={self._now})"


class ClockEnvironment(simpy.Environment):
    """A ``simpy.Environment`` that keeps its time on a :class:`SimulatedClock`.

    Stepping to an event moves the clock to the event's time (running the clock's
    timers on the way), and ``env.now`` is ``clock.now()``. When something else moves
    the clock while a process runs (injected latency, say), SimPy sees the new time,
    and events that fell due meanwhile run at once, late, in their order.
    """

    def __init__(self, clock: SimulatedClock):
        self.clock = clock
        super().__init__(initial_time=clock.now())

    @property
    def _now(self) -> float:
        return self.clock.now()

    @_now.setter
    def _now(self, when: float) -> None:
        if when > self.clock.now():
            self.clock.advance_to(when)
