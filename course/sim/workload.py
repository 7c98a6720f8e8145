"""The traffic of the course's experiments: Zipf popularity and Poisson arrivals, seeded.

Every simulator and notebook draws its requests here, from a numpy Generator
the caller seeds (``rng = np.random.default_rng(seed)``)::

    rng = np.random.default_rng(7)
    times = poisson_arrivals(rng, rate=40, duration=600)   # sorted, in seconds
    items = zipf_items(rng, 2000, len(times), s=1.0)       # item 0 is the most popular

The same generator, called in the same order, gives the same requests.
"""

from __future__ import annotations

import numpy as np

__all__ = ["poisson_arrivals", "zipf_items", "zipf_popularity"]


def zipf_popularity(n_items: int, s: float = 1.0) -> np.ndarray:
    """P(item k) proportional to 1 / k**s for k = 1..n; index 0 is the most popular item.

    ``s = 0`` is uniform; the larger ``s``, the more the head dominates.
    """
    if n_items < 1:
        raise ValueError(f"need at least one item, not {n_items}")
    if s < 0:
        raise ValueError(f"the Zipf exponent s must be >= 0, not {s}")
    weights = np.arange(1, n_items + 1, dtype=float) ** -s
    return weights / weights.sum()


def zipf_items(rng: np.random.Generator, n_items: int, size: int, s: float = 1.0) -> np.ndarray:
    """``size`` item indexes in 0..n_items-1, drawn independently by :func:`zipf_popularity`."""
    return rng.choice(n_items, size=size, p=zipf_popularity(n_items, s))


def poisson_arrivals(rng: np.random.Generator, rate: float, duration: float) -> np.ndarray:
    """The arrival times, in increasing order, of a Poisson process of ``rate`` per second over [0, duration).

    The number of arrivals is Poisson(rate × duration); given that number, the
    times are independent and uniform over the interval.
    """
    if rate < 0 or duration <= 0:
        raise ValueError(f"need rate >= 0 and duration > 0, got rate={rate}, duration={duration}")
    count = int(rng.poisson(rate * duration))
    return np.sort(rng.uniform(0.0, duration, count))
