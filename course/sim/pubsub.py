"""Calling subscribers synchronously against publishing once, under a slow and a down subscriber (05).

moto delivers a published message at once and takes no time, so what decoupling
does to a producer's latency and availability cannot be measured on the sandbox.
This module simulates it with SimPy on the course's virtual clock
(:class:`course.clock.SimulatedClock`): orders arrive as a Poisson process at a
checkout service that serves at most ``workers`` requests at a time (its threads);
each order does its own work, then either

- ``"sync"``: calls every downstream service in turn and fails when one fails
  (a call fails at once when the service is down, or after ``call_timeout``
  seconds when it answers too slowly);
- ``"sync-best-effort"``: the same calls, but a failed call of a service listed in
  ``optional`` is skipped (its work is lost) instead of failing the order;
- ``"pubsub"``: publishes one event (``publish`` seconds) and returns; each
  subscriber's queue keeps its copy until that subscriber's consumers, ``concurrency``
  at a time, process it.

Faults are windows on the virtual clock (:class:`Fault`): during a ``"slow"`` window
a service's calls take ``latency`` seconds instead of their usual draw; during a
``"down"`` window they fail at once, and its consumers stop reading their queue.
A customer who waits more than ``give_up`` seconds in total (queueing for a thread
included) counts as failed::

    scenario = pubsub.Scenario(faults=(pubsub.Fault("email", 120, 300, "slow", Lognormal(2.5, 0.3)),
                                       pubsub.Fault("email", 390, 510, "down")))
    runs = {design: pubsub.simulate(scenario, design) for design in pubsub.DESIGNS}
    pubsub.per_bin(runs["sync"], 10)        # availability and latency per 10 s of arrivals

Times are seconds of simulated time, latencies :mod:`course.sim.latency` distributions.
The SNS publish itself is assumed always to succeed (its own failures and retries are
left out); SQS's own delivery delay is left out too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from course.clock import SimulatedClock
from course.sim import workload
from course.sim.latency import Distribution, Lognormal

__all__ = ["DESIGNS", "Fault", "Run", "Scenario", "per_bin", "phase_table", "simulate"]

DESIGNS = ("sync", "sync-best-effort", "pubsub")
PERCENTILE_METHOD = "inverted_cdf"  # nearest rank: a percentile is an observed value


@dataclass(frozen=True)
class Fault:
    """``service`` is ``kind`` ("slow" or "down") from ``start`` to ``end`` (seconds of virtual time).

    A slow service takes ``latency`` (a distribution) per call instead of its usual latency.
    """

    service: str
    start: float
    end: float
    kind: str
    latency: Distribution | None = None

    def __post_init__(self):
        if self.kind not in ("slow", "down"):
            raise ValueError(f"a fault is 'slow' or 'down', not {self.kind!r}")
        if self.end <= self.start:
            raise ValueError(f"a fault window ends after it starts: ({self.start}, {self.end})")
        if self.kind == "slow" and self.latency is None:
            raise ValueError("a slow fault needs its latency distribution")

    def covers(self, service: str, t: float) -> bool:
        return self.service == service and self.start <= t < self.end


def _services() -> dict[str, Distribution]:
    return {"inventory": Lognormal(0.040, 0.3), "email": Lognormal(0.060, 0.3),
            "loyalty": Lognormal(0.030, 0.3)}


@dataclass(frozen=True)
class Scenario:
    """Everything one run needs; the defaults are the notebook's checkout.

    ``services`` maps each downstream service (in call order) to its usual latency;
    ``concurrency`` is how many messages each subscriber processes at once.
    """

    rate: float = 5.0                      # orders per second
    duration: float = 720.0                # seconds of arrivals
    workers: int = 10                      # checkout requests served at once (threads)
    own_work: Distribution = Lognormal(0.020, 0.3)     # the order's own write
    publish: Distribution = Lognormal(0.020, 0.3)      # one SNS Publish
    call_timeout: float = 3.0              # the HTTP client's timeout per downstream call
    fail_fast: float = 0.005               # a call to a service that is down (connection refused)
    give_up: float = 10.0                  # the customer waits at most this long
    services: dict[str, Distribution] = field(default_factory=_services)
    concurrency: dict[str, int] = field(default_factory=lambda: {"inventory": 5, "email": 5, "loyalty": 5})
    optional: tuple[str, ...] = ("email", "loyalty")
    faults: tuple[Fault, ...] = ()
    seed: int = 5

    def fault_at(self, service: str, t: float) -> Fault | None:
        return next((f for f in self.faults if f.covers(service, t)), None)


@dataclass
class Run:
    """What one design did: ``requests`` (one row per order, as the customer saw it),
    ``deliveries`` (one row per order and subscriber whose work was done or lost) and
    ``backlog`` (messages waiting in each subscriber's queue, sampled every second)."""

    design: str
    scenario: Scenario
    requests: pd.DataFrame
    deliveries: pd.DataFrame
    backlog: pd.DataFrame


def simulate(scenario: Scenario, design: str, clock: SimulatedClock | None = None) -> Run:
    """Run ``design`` ("sync", "sync-best-effort" or "pubsub") on ``scenario``, on ``clock`` (a new one by default).

    Every design sees the same orders (arrival times drawn from ``scenario.seed``).
    """
    if design not in DESIGNS:
        raise ValueError(f"design is one of {DESIGNS}, not {design!r}")
    clock = clock or SimulatedClock()
    env = clock.simpy_environment()
    t0 = env.now
    arrivals = workload.poisson_arrivals(np.random.default_rng([scenario.seed, 0]), scenario.rate,
                                         scenario.duration)
    rng = np.random.default_rng([scenario.seed, 1])
    pool = simpy.Resource(env, capacity=scenario.workers)
    requests: list[dict] = []
    deliveries: list[dict] = []
    queues = {name: simpy.Store(env) for name in scenario.services}

    def call(service: str):
        """One downstream call; returns (ok, why) after the time it takes."""
        fault = scenario.fault_at(service, env.now - t0)
        if fault is not None and fault.kind == "down":
            yield env.timeout(scenario.fail_fast)
            return False, f"{service} down"
        latency = float((fault.latency if fault is not None else scenario.services[service])(rng))
        if latency > scenario.call_timeout:
            yield env.timeout(scenario.call_timeout)
            return False, f"{service} timed out"
        yield env.timeout(latency)
        return True, ""

    def order(number: int, arrival: float):
        yield env.timeout(arrival - (env.now - t0))
        ticket = pool.request()
        got = yield ticket | env.timeout(scenario.give_up)
        if ticket not in got:
            ticket.cancel()
            requests.append({"order": number, "arrival": arrival, "latency": scenario.give_up,
                             "ok": False, "why": "no free thread"})
            return
        yield env.timeout(float(scenario.own_work(rng)))
        ok, why = True, ""
        if design == "pubsub":
            yield env.timeout(float(scenario.publish(rng)))
            for name, queue in queues.items():
                queue.put((number, env.now - t0))
        else:
            for service in scenario.services:
                done, reason = yield from call(service)
                if done:
                    deliveries.append({"order": number, "service": service, "published": env.now - t0,
                                       "processed": env.now - t0, "lost": False})
                elif design == "sync-best-effort" and service in scenario.optional:
                    deliveries.append({"order": number, "service": service, "published": env.now - t0,
                                       "processed": np.nan, "lost": True})
                else:
                    ok, why = False, reason
                    break
        pool.release(ticket)
        latency = env.now - t0 - arrival
        if ok and latency > scenario.give_up:
            ok, why = False, "customer gave up"
        requests.append({"order": number, "arrival": arrival, "latency": min(latency, scenario.give_up),
                         "ok": ok, "why": why})

    def consumer(service: str):
        queue = queues[service]
        while True:
            fault = scenario.fault_at(service, env.now - t0)
            if fault is not None and fault.kind == "down":
                yield env.timeout(fault.end - (env.now - t0))      # not reading while down
                continue
            number, published = yield queue.get()
            fault = scenario.fault_at(service, env.now - t0)        # the state now, not when we began to wait
            while fault is not None and fault.kind == "down":      # got it just as the service went down:
                yield env.timeout(fault.end - (env.now - t0))      # it waits, in flight, until the service is back
                fault = scenario.fault_at(service, env.now - t0)
            yield env.timeout(float((fault.latency if fault is not None else scenario.services[service])(rng)))
            deliveries.append({"order": number, "service": service, "published": published,
                               "processed": env.now - t0, "lost": False})

    samples: list[dict] = []

    def monitor():
        while True:
            samples.append({"time": env.now - t0, **{name: len(q.items) for name, q in queues.items()}})
            yield env.timeout(1.0)

    for number, arrival in enumerate(arrivals):
        env.process(order(number, float(arrival)))
    if design == "pubsub":
        for service, k in scenario.concurrency.items():
            for _ in range(k):
                env.process(consumer(service))
    env.process(monitor())
    horizon = scenario.duration + scenario.give_up + 600.0
    env.run(until=t0 + horizon)
    return Run(design, scenario,
               pd.DataFrame(requests).sort_values("order", ignore_index=True),
               pd.DataFrame(deliveries, columns=["order", "service", "published", "processed", "lost"]),
               pd.DataFrame(samples).set_index("time"))


def _percentile(values: pd.Series, q: float) -> float:
    return float(np.percentile(values, q, method=PERCENTILE_METHOD)) if len(values) else np.nan


def per_bin(run: Run, bin_s: float = 10.0) -> pd.DataFrame:
    """Per ``bin_s`` seconds of arrivals: orders, availability (share ok), p50 and p99 latency in seconds.

    Latency is what every customer waited, failures included (a customer who gave up waited ``give_up``).
    """
    r = run.requests.assign(bin=(run.requests["arrival"] // bin_s) * bin_s)
    grouped = r.groupby("bin")
    return pd.DataFrame({"orders": grouped.size(),
                         "availability": grouped["ok"].mean(),
                         "p50_s": grouped["latency"].apply(lambda s: _percentile(s, 50)),
                         "p99_s": grouped["latency"].apply(lambda s: _percentile(s, 99))})


def phase_table(run: Run, phases: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """One row per named phase ``(start, end)`` of arrivals: the producer's figures, and the
    subscribers' work done late or lost for those orders (``max_delay_s``: the longest wait
    between publishing and processing, any subscriber)."""
    rows = []
    for name, (start, end) in phases.items():
        r = run.requests[(run.requests["arrival"] >= start) & (run.requests["arrival"] < end)]
        d = run.deliveries[run.deliveries["order"].isin(r["order"])]
        done = d[~d["lost"]]
        rows.append({"phase": name, "orders": len(r), "availability": r["ok"].mean(),
                     "p50_s": _percentile(r["latency"], 50), "p99_s": _percentile(r["latency"], 99),
                     "work_lost": int(d["lost"].sum()),
                     "max_delay_s": float((done["processed"] - done["published"]).max()) if len(done) else np.nan})
    return pd.DataFrame(rows).set_index("phase")
