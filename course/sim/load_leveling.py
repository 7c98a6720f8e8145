"""Queue-based load leveling on simulated time (chapter 07): a burst against consumers of fixed capacity.

Requests arrive as a Poisson process whose rate changes by segments (a *profile*:
``[(seconds, requests per second), ...]``). Each consumer handles one message at a
time, for a service time drawn from a :mod:`course.sim.latency` distribution. Two
ways of letting them in:

* **with a queue** (Amazon SQS in the chapter): every request is stored and waits,
  first in first out, until a consumer is free; nothing is turned away;
* **without a queue**: a request that finds every consumer busy is rejected (an HTTP
  503 or a throttling error), as a service of fixed capacity must do.

:func:`run_fixed` simulates a fixed number of consumers with SimPy; :func:`autoscale`
lets a scaling policy change the number every metric period, from the metrics a
CloudWatch dashboard of the queue shows (visible messages, messages sent and
deleted, consumers in service), with a launch delay for new consumers::

    rng = np.random.default_rng(7)
    times = profile_arrivals(rng, [(60, 3), (90, 40), (750, 3)])
    run = run_fixed(times, consumers=4, service=Exponential(0.5), rng=rng, horizon=900)
    run.rejected_fraction, run.wait_percentiles([50, 99]), run.backlog_at([100, 200])

Everything runs on simulated time: minutes of load take milliseconds. moto's SQS
is not used here (a receive costs time that grows with the queue's depth), so the
queues of thousands of messages are SimPy stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import simpy

from course.clock import SimulatedClock
from course.sim.latency import Distribution, as_distribution
from course.sim.workload import poisson_arrivals

__all__ = ["Run", "ScalingRun", "autoscale", "profile_arrivals", "profile_duration", "run_fixed"]

Profile = Sequence[tuple[float, float]]
Policy = Callable[[list], tuple]


def profile_duration(profile: Profile) -> float:
    """The total length of a profile, in seconds."""
    return float(sum(duration for duration, _rate in profile))


def profile_arrivals(rng: np.random.Generator, profile: Profile) -> np.ndarray:
    """Sorted arrival times (s) of a Poisson process whose rate follows ``profile``, segment by segment."""
    times, start = [], 0.0
    for duration, rate in profile:
        if duration <= 0 or rate < 0:
            raise ValueError(f"each segment needs a duration > 0 and a rate >= 0, got ({duration}, {rate})")
        times.append(start + poisson_arrivals(rng, rate, duration) if rate > 0 else np.empty(0))
        start += duration
    return np.concatenate(times) if times else np.empty(0)


@dataclass
class Run:
    """What happened to every request: when it arrived, started, finished, or that it was rejected.

    ``start`` and ``finish`` are NaN for a request that was rejected or had not got
    that far when the simulation ended (at ``horizon``).
    """

    arrival: np.ndarray
    start: np.ndarray
    finish: np.ndarray
    rejected: np.ndarray
    horizon: float
    queued: bool
    consumers: int | None = None

    @property
    def n(self) -> int:
        return int(self.arrival.size)

    @property
    def rejected_fraction(self) -> float:
        return float(self.rejected.mean()) if self.n else 0.0

    @property
    def completed(self) -> int:
        return int(np.isfinite(self.finish).sum())

    @property
    def unfinished(self) -> int:
        """Accepted requests not finished at the horizon (waiting, or being processed)."""
        return int((~self.rejected & ~np.isfinite(self.finish)).sum())

    def waits(self) -> np.ndarray:
        """Seconds each accepted request waited before a consumer took it.

        A request still waiting at the horizon counts with the time it had waited so far
        (a lower bound), so a backlog that never drains shows up as long waits.
        """
        accepted = ~self.rejected
        started = np.where(np.isfinite(self.start), self.start, self.horizon)
        return (started - self.arrival)[accepted]

    def latencies(self) -> np.ndarray:
        """Seconds from arrival to the end of processing for accepted requests (lower bound if unfinished)."""
        accepted = ~self.rejected
        ended = np.where(np.isfinite(self.finish), self.finish, self.horizon)
        return (ended - self.arrival)[accepted]

    def wait_percentiles(self, qs=(50, 95, 99)) -> dict:
        waits = self.waits()
        return {q: float(np.percentile(waits, q)) if waits.size else 0.0 for q in qs}

    def latency_percentiles(self, qs=(50, 95, 99)) -> dict:
        latencies = self.latencies()
        return {q: float(np.percentile(latencies, q)) if latencies.size else 0.0 for q in qs}

    def backlog_at(self, times) -> np.ndarray:
        """Messages waiting in the queue (arrived and accepted, not yet started) at each of ``times``."""
        times = np.asarray(times, dtype=float)
        accepted = np.sort(self.arrival[~self.rejected])
        started = np.sort(self.start[np.isfinite(self.start)])
        return (np.searchsorted(accepted, times, side="right")
                - np.searchsorted(started, times, side="right")).astype(int)

    def drained_at(self, after: float = 0.0) -> float:
        """The first whole second from ``after`` on at which no message waits in the queue (inf if none)."""
        grid = np.arange(after, self.horizon + 1e-9, 1.0)
        empty = np.nonzero(self.backlog_at(grid) == 0)[0]
        return float(grid[empty[0]]) if empty.size else float("inf")


def _service_times(service, rng: np.random.Generator, n: int) -> np.ndarray:
    times = np.asarray(as_distribution(service)(rng, n), dtype=float).reshape(n)
    if (times < 0).any():
        raise ValueError("service times cannot be negative")
    return times


def _environment(clock: SimulatedClock | None) -> simpy.Environment:
    return clock.simpy_environment() if clock is not None else simpy.Environment()


def run_fixed(arrival: np.ndarray, consumers: int, service: Distribution | float, rng: np.random.Generator,
              *, queue: bool = True, horizon: float | None = None, clock: SimulatedClock | None = None) -> Run:
    """Serve ``arrival`` (sorted times, s) with ``consumers`` consumers, with a queue or without one.

    With ``queue=True`` requests wait in FIFO order (SQS holds any backlog); with
    ``queue=False`` a request that finds no idle consumer is rejected. Service times
    are drawn from ``service`` (seconds, or a distribution) with ``rng``. The simulation
    stops at ``horizon`` (default: the last arrival plus an hour).
    """
    if consumers < 1:
        raise ValueError(f"need at least one consumer, not {consumers}")
    arrival = np.asarray(arrival, dtype=float)
    n = arrival.size
    horizon = float(horizon if horizon is not None else (arrival[-1] if n else 0.0) + 3600.0)
    service_times = _service_times(service, rng, n)
    start, finish = np.full(n, np.nan), np.full(n, np.nan)
    rejected = np.zeros(n, dtype=bool)
    env = _environment(clock)
    origin = env.now
    store = simpy.Store(env)

    def producer():
        for i, t in enumerate(arrival):
            yield env.timeout(origin + t - env.now)
            if not queue and not store.get_queue:      # nobody idle and nowhere to wait
                rejected[i] = True
                continue
            store.put(i)

    def consumer():
        while True:
            i = yield store.get()
            start[i] = env.now - origin
            yield env.timeout(service_times[i])
            finish[i] = env.now - origin

    for _ in range(consumers):
        env.process(consumer())
    env.process(producer())
    env.run(until=origin + horizon)
    return Run(arrival, start, finish, rejected, horizon, queue, consumers)


@dataclass
class ScalingRun:
    """An autoscaled run: the requests, the metric samples the policy saw, and what it decided."""

    run: Run
    samples: list = field(default_factory=list)      # one dict per metric period
    decisions: list = field(default_factory=list)    # {"time", "desired", "overloaded"} per period

    def desired(self) -> np.ndarray:
        return np.array([d["desired"] for d in self.decisions], dtype=int)

    def in_service(self) -> np.ndarray:
        return np.array([s["consumers"] for s in self.samples], dtype=int)

    def direction_changes(self, after: float = 0.0) -> int:
        """How often the fleet switched between growing and shrinking (decisions after ``after`` s)."""
        kept = [(s["desired"], d["desired"]) for s, d in zip(self.samples, self.decisions) if d["time"] > after]
        steps = [kept[0][0]] + [new for _before, new in kept] if kept else []
        moves = [np.sign(b - a) for a, b in zip(steps, steps[1:]) if b != a]
        return int(sum(1 for a, b in zip(moves, moves[1:]) if a != b))

    def first_overload(self) -> float:
        """The time of the first period the policy reported overload (inf if never)."""
        return next((d["time"] for d in self.decisions if d["overloaded"]), float("inf"))


def autoscale(policy: Policy, arrival: np.ndarray, service: Distribution | float, rng: np.random.Generator, *,
              horizon: float, period: float = 60.0, warmup: float = 60.0, initial: int = 1,
              min_consumers: int = 1, max_consumers: int = 16, clock: SimulatedClock | None = None) -> ScalingRun:
    """Serve ``arrival`` from a queue with a fleet that ``policy`` resizes at the end of every ``period``.

    ``policy(samples)`` gets every metric sample so far (oldest first) and returns
    ``(desired, overloaded)``. Each sample is a dict: ``time``; ``visible`` (messages
    waiting, like ApproximateNumberOfMessagesVisible); ``in_flight`` (being processed);
    ``sent`` and ``deleted`` (messages that arrived and were finished during the period);
    ``consumers`` (consumers in service); ``desired`` (the fleet size last asked for,
    launching consumers included); ``period`` (seconds). As an Auto Scaling group does, the
    simulation clamps ``desired`` to [min_consumers, max_consumers]; a new consumer starts
    taking messages ``warmup`` seconds after it was asked for; a consumer removed on scale-in
    stops at once if idle, or after its current message.
    """
    arrival = np.asarray(arrival, dtype=float)
    n = arrival.size
    service_times = _service_times(service, rng, n)
    start, finish = np.full(n, np.nan), np.full(n, np.nan)
    env = _environment(clock)
    origin = env.now
    store = simpy.Store(env)
    waiting: dict = {}                              # consumer process -> its pending get request
    busy: set = set()
    fleet: dict = {}                                # consumers started and not stopped (ordered: deterministic)
    launching: list = []
    retire: set = set()
    result = ScalingRun(Run(arrival, start, finish, np.zeros(n, dtype=bool), float(horizon), True))

    def consumer():
        me = env.active_process
        while me not in retire:
            request = waiting[me] = store.get()
            try:
                i = yield request
            except simpy.Interrupt:                 # retired while idle
                if request.triggered:               # a message arrived in the same instant: hand it back
                    store.put(request.value)
                else:
                    request.cancel()
                retire.discard(me)
                fleet.pop(me, None)
                return
            finally:
                waiting.pop(me, None)
            busy.add(me)
            start[i] = env.now - origin
            yield env.timeout(service_times[i])
            finish[i] = env.now - origin
            busy.discard(me)
        retire.discard(me)
        fleet.pop(me, None)

    def launch():
        try:
            yield env.timeout(warmup)
        except simpy.Interrupt:                     # cancelled before it started
            return
        launching.remove(env.active_process)
        fleet[env.process(consumer())] = True

    def in_service() -> list:
        return [p for p in fleet if p not in retire]

    def resize(desired: int):
        current = len(in_service()) + len(launching)
        for _ in range(desired - current):
            launching.append(env.process(launch()))
        for _ in range(current - desired):
            idle = [p for p, request in waiting.items() if p not in retire and not request.triggered]
            if launching:
                launching.pop().interrupt()
            elif idle:
                retire.add(idle[-1])
                idle[-1].interrupt()
            else:                                   # stops after the message it has
                retire.add(next(p for p in in_service()))

    def producer():
        for i, t in enumerate(arrival):
            yield env.timeout(origin + t - env.now)
            store.put(i)

    def controller():
        desired = max(min_consumers, min(max_consumers, initial))
        while True:
            yield env.timeout(period)
            yield env.timeout(0)                    # after the consumers that finish warming up at this instant
            now = env.now - origin
            sample = {"time": now, "visible": len(store.items), "in_flight": len(busy),
                      "sent": int(((arrival > now - period) & (arrival <= now)).sum()),
                      "deleted": int(((finish > now - period) & (finish <= now)).sum()),
                      "consumers": len(in_service()), "desired": desired, "period": period}
            result.samples.append(sample)
            asked, overloaded = policy([dict(s) for s in result.samples])
            desired = max(min_consumers, min(max_consumers, int(asked)))
            result.decisions.append({"time": now, "desired": desired, "asked": int(asked),
                                     "overloaded": bool(overloaded)})
            resize(desired)

    for _ in range(max(min_consumers, min(max_consumers, initial))):
        fleet[env.process(consumer())] = True
    env.process(producer())
    env.process(controller())
    env.run(until=origin + horizon + 1e-6)          # the last period's sample is taken at the horizon
    return result
