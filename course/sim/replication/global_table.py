"""Multi-active Regions that settle conflicts by last writer wins, as in a DynamoDB global table.

In its default mode (multi-Region eventual consistency) every Region of a
global table accepts writes, each write reaches the other Regions after a lag,
and concurrent writes to one item are settled by *last writer wins*
(:func:`lww_winner`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from course.sim.latency import Distribution, as_distribution

__all__ = ["GlobalTable", "RegionalWrite", "lww_order", "lww_winner"]


@dataclass(frozen=True)
class RegionalWrite:
    """A write accepted by one Region of a global table."""

    key: str
    value: object
    region: str
    timestamp: float
    seq: int = 0          # order in which the table recorded it (for reports only)


def lww_order(write: RegionalWrite) -> tuple[float, str]:
    """The order last writer wins uses: later timestamp wins; on a tie, the Region name sorting last."""
    return (write.timestamp, write.region)


def lww_winner(writes: Iterable[RegionalWrite]) -> RegionalWrite | None:
    """The write last writer wins keeps (None for no writes); independent of input order."""
    return max(writes, key=lww_order, default=None)


class GlobalTable:
    """Regions that all accept writes and settle conflicts by last writer wins.

    A write accepted in one Region is visible there at once and reaches each
    other Region after a lag drawn from ``lag`` (seconds, or a distribution of
    seconds from :mod:`course.sim.latency`). A Region serves the winner, by
    :func:`lww_winner`, among the writes it has received so far; once every
    write has arrived everywhere, all Regions agree.

    DynamoDB global tables in their default mode (multi-Region eventual
    consistency) resolve conflicts per item by last writer wins on an internal
    timestamp; AWS does not document its tie-break, so this model's tie-break
    (the Region name) is the course's choice.
    """

    def __init__(self, regions: Sequence[str], lag: Distribution | float = 0.5, seed: int | None = 0):
        if len(set(regions)) < 2 or len(set(regions)) != len(regions):
            raise ValueError(f"a global table needs two or more distinct Regions, got {list(regions)}")
        self.regions = list(regions)
        self._lag = as_distribution(lag)
        self._rng = np.random.default_rng(seed)
        self._writes: dict[str, list[tuple[RegionalWrite, dict[str, float]]]] = {}
        self._count = 0

    def put(self, region: str, key: str, value: object, at: float) -> RegionalWrite:
        """Write ``key`` in ``region`` at time ``at`` (that Region's clock is the timestamp)."""
        if region not in self.regions:
            raise KeyError(f"no replica in {region!r}; the Regions are {self.regions}")
        self._count += 1
        write = RegionalWrite(key, value, region, float(at), self._count)
        arrivals = {r: float(at) if r == region else float(at) + max(0.0, self._lag(self._rng))
                    for r in self.regions}
        self._writes.setdefault(key, []).append((write, arrivals))
        return write

    def get(self, region: str, key: str, at: float) -> RegionalWrite | None:
        """The write ``region`` served for ``key`` at time ``at`` (None: no item yet)."""
        if region not in self.regions:
            raise KeyError(f"no replica in {region!r}; the Regions are {self.regions}")
        return lww_winner(w for w, arrivals in self._writes.get(key, []) if arrivals[region] <= at)

    def value(self, region: str, key: str, at: float, default: object = None) -> object:
        write = self.get(region, key, at)
        return default if write is None else write.value

    def converged(self, key: str) -> RegionalWrite | None:
        """The write every Region serves once replication has settled."""
        return lww_winner(w for w, _ in self._writes.get(key, []))

    def converged_at(self, key: str) -> float:
        """The time from which every Region serves :meth:`converged` for ``key``."""
        entries = self._writes.get(key, [])
        if not entries:
            return 0.0
        final = self.converged(key)
        latest = 0.0
        for region in self.regions:
            # The Region serves the final write once it has arrived; later arrivals cannot beat it.
            latest = max(latest, next(a[region] for w, a in entries if w == final))
        return latest

    def conflicts(self, key: str | None = None) -> list[tuple[RegionalWrite, RegionalWrite]]:
        """(loser, winner) pairs of concurrent writes where last writer wins discarded the loser.

        Two writes from different Regions are concurrent when each was accepted
        before the other reached its Region: neither writer saw the other's
        value, so the loser's update is silently lost.
        """
        keys = [key] if key is not None else list(self._writes)
        found = []
        for k in keys:
            entries = self._writes.get(k, [])
            for a, arrivals_a in entries:
                for b, arrivals_b in entries:
                    if a.region == b.region or lww_order(a) >= lww_order(b):
                        continue
                    concurrent = b.timestamp < arrivals_a[b.region] and a.timestamp < arrivals_b[a.region]
                    if concurrent:
                        found.append((a, b))
        return found
