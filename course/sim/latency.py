"""The one latency convention of the course: seconds, and random draws from a numpy Generator.

Two shapes of latency model, both in seconds (plots and tables may show ms):

* **per operation**, ``f(operation: str) -> seconds``: what a call costs by its
  name, as :func:`course.runtime.faults.add_latency` and
  :class:`course.sim.cache.SimulatedTimeRedis` take it. A plain number means
  the same for every operation (:func:`per_operation`).
* **a distribution**, ``d(rng, size=None) -> seconds``: a random delay drawn
  from a seeded ``np.random.Generator``, one float (``size=None``) or an array
  of shape ``size``. Replication lag and shard-call latency are distributions::

      lag = Lognormal(median=0.1, sigma=0.6)
      lag(np.random.default_rng(1))              # one delay, in seconds
      lag(np.random.default_rng(1), 1000)        # an array of 1000 delays
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Protocol, Union

import numpy as np

__all__ = ["Constant", "Distribution", "Exponential", "Lognormal", "PerOperation", "Uniform",
           "as_distribution", "per_operation"]

PerOperation = Callable[[str], float]


class Distribution(Protocol):
    """A random delay in seconds: one float for ``size=None``, else an array of that shape."""

    def __call__(self, rng: np.random.Generator, size=None) -> float | np.ndarray: ...


def per_operation(latency: float | PerOperation) -> PerOperation:
    """A per-operation latency from seconds (the same for every operation) or such a function."""
    if callable(latency):
        return latency
    seconds = float(latency)
    return lambda _operation: seconds


@dataclass(frozen=True)
class Constant:
    """Always ``seconds``."""

    seconds: float

    def __post_init__(self):
        if self.seconds < 0:
            raise ValueError(f"a delay cannot be negative, got {self.seconds}")

    def __call__(self, rng: np.random.Generator, size=None) -> float | np.ndarray:
        return float(self.seconds) if size is None else np.full(size, float(self.seconds))


@dataclass(frozen=True)
class Exponential:
    """``floor`` plus an exponential delay of the given mean: memoryless, with a long tail."""

    mean: float
    floor: float = 0.0

    def __post_init__(self):
        if self.mean <= 0 or self.floor < 0:
            raise ValueError(f"need mean > 0 and floor >= 0, got mean={self.mean}, floor={self.floor}")

    def __call__(self, rng: np.random.Generator, size=None) -> float | np.ndarray:
        return self.floor + rng.exponential(self.mean, size)


@dataclass(frozen=True)
class Lognormal:
    """A log-normal delay: most draws near ``median``, a heavy tail of slow ones (shape ``sigma``)."""

    median: float
    sigma: float = 1.0

    def __post_init__(self):
        if self.median <= 0 or self.sigma < 0:
            raise ValueError(f"need median > 0 and sigma >= 0, got median={self.median}, sigma={self.sigma}")

    def __call__(self, rng: np.random.Generator, size=None) -> float | np.ndarray:
        return rng.lognormal(math.log(self.median), self.sigma, size)


@dataclass(frozen=True)
class Uniform:
    """A delay drawn uniformly from [low, high]: a latency with a hard upper bound."""

    low: float
    high: float

    def __post_init__(self):
        if not 0 <= self.low <= self.high:
            raise ValueError(f"need 0 <= low <= high, got low={self.low}, high={self.high}")

    def __call__(self, rng: np.random.Generator, size=None) -> float | np.ndarray:
        return rng.uniform(self.low, self.high, size)


def as_distribution(latency: Union[Distribution, float]) -> Distribution:
    """A distribution from a number of seconds (:class:`Constant`) or a distribution."""
    return latency if callable(latency) else Constant(float(latency))
