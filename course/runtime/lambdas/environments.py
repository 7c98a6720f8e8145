"""Execution environments: cold starts, warm reuse, idle expiry and concurrency limits.

An invocation runs in an environment of its function. A free warm one is reused;
otherwise a new one is made (a *cold start*: it pays ``init_s`` of simulated init
time and its handler is loaded afresh). An environment is busy from the start of
an invocation until the start plus init plus the invocation's simulated duration;
the number of busy environments is the concurrency, limited by the function's
reserved concurrency (``put_function_concurrency``) or else by what the account
limit leaves unreserved. Over the limit, :class:`Throttled` is raised.
Environments idle for ``idle_expiry_s`` are reclaimed::

    pool = Environments(clock, init_s=0.3, idle_expiry_s=600, account_limit=1000)
    env, cold = pool.acquire(spec, load_handler)     # cold is True the first time
    pool.release(env, busy_until=clock.now() + 0.3 + 0.05)
    pool.cold_starts["resize"]                       # 1
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from course.runtime.lambdas import functions

__all__ = ["Environment", "Environments", "Throttled"]


class Throttled(Exception):
    """No concurrency left for the function: AWS's TooManyRequestsException (HTTP 429)."""

    def __init__(self, function_name: str, reason: str):
        super().__init__(f"Rate Exceeded. ({reason} for {function_name})")
        self.reason = reason


@dataclass
class Environment:
    """One execution environment of a function, holding its loaded handler."""

    id: str
    function: str
    handler: Callable
    created_at: float
    busy_until: float = math.inf
    invocations: int = 0


class Environments:
    """The execution environments of every function, on one clock."""

    def __init__(self, clock, init_s: float = 0.25, idle_expiry_s: float = 600.0,
                 account_limit: int = 1000):
        self.clock = clock
        self.init_s = init_s
        self.idle_expiry_s = idle_expiry_s
        self.account_limit = account_limit
        self.cold_starts: Counter[str] = Counter()
        self._envs: dict[str, list[Environment]] = {}
        self._ids = itertools.count(1)

    def acquire(self, spec, load: Callable) -> tuple[Environment, bool]:
        """A free environment for ``spec`` and whether it is new (cold); raises Throttled."""
        now = self.clock.now()
        self._expire(now)
        for env in self._envs.get(spec.name, []):
            if env.busy_until <= now:
                env.busy_until = math.inf
                return env, False
        self._check_capacity(spec, now)
        env = Environment(id=f"{spec.name}-env-{next(self._ids)}", function=spec.name,
                          handler=load(spec), created_at=now)
        self._envs.setdefault(spec.name, []).append(env)
        self.cold_starts[spec.name] += 1
        return env, True

    def release(self, env: Environment, busy_until: float) -> None:
        env.busy_until = busy_until
        env.invocations += 1

    def in_use(self, function_name: str) -> int:
        """How many of the function's environments are busy now (its concurrency)."""
        now = self.clock.now()
        return sum(env.busy_until > now for env in self._envs.get(function_name, []))

    def live(self, function_name: str) -> list[Environment]:
        """The function's environments that have not expired."""
        self._expire(self.clock.now())
        return list(self._envs.get(function_name, []))

    def next_free(self) -> float | None:
        """The next time a busy environment becomes free, if any."""
        now = self.clock.now()
        times = [e.busy_until for envs in self._envs.values() for e in envs
                 if now < e.busy_until < math.inf]
        return min(times, default=None)

    def _expire(self, now: float) -> None:
        for name, envs in self._envs.items():
            envs[:] = [e for e in envs if e.busy_until + self.idle_expiry_s > now]

    def _check_capacity(self, spec, now: float) -> None:
        if spec.reserved_concurrency is not None:
            if self.in_use(spec.name) >= spec.reserved_concurrency:
                raise Throttled(spec.name, "ReservedFunctionConcurrentInvocationLimitExceeded")
            return
        reserved = functions.all_reserved(spec.region)
        unreserved = self.account_limit - sum(reserved.values())
        used = sum(self.in_use(name) for name in self._envs if name not in reserved)
        if used >= unreserved:
            raise Throttled(spec.name, "ConcurrentInvocationLimitExceeded")
