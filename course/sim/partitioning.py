"""DynamoDB's partitions, simulated: where keys land and how much each partition can take.

moto keeps a whole DynamoDB table in one Python dictionary: it has no partitions,
no per-partition throughput limits and never throttles. Real DynamoDB hashes each
item's partition key and stores the item on the partition that owns that hash
value; each partition owns a contiguous range of the hash space, splits in two
when it grows too big or too busy, and serves at most 3,000 read units and 1,000
write units per second. The sharding notebook (``01-sharding``) measures skew
with this model, and says so::

    from course.sim.partitioning import PartitionMap, measure_load

    table = PartitionMap(8)                      # 8 partitions, equal hash ranges
    table.partition_of("2025-11-28")             # -> the partition that owns this key
    owners = table.partitions_of(keys)           # one partition per request
    load = measure_load(owners, seconds, table.n_partitions)
    load.throttled_fraction                      # share of writes over 1,000 WCU/s

What is a stand-in: DynamoDB's hash function is internal and unpublished; MD5 of
the key's UTF-8 bytes plays its role here (any well-mixed stable hash spreads keys
the same way). Burst capacity, adaptive capacity's reallocation of table
capacity and split for heat are not modelled: none of them lifts a single
partition above its ceiling, which is what the model enforces.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

HASH_BITS = 128
HASH_SPACE = 1 << HASH_BITS
PARTITION_RCU = 3_000  # read units per second one partition can serve
PARTITION_WCU = 1_000  # write units per second one partition can serve


def key_hash(key: str) -> int:
    """The stand-in for DynamoDB's internal hash: MD5 of the UTF-8 bytes, as a 128-bit integer."""
    if not isinstance(key, str):
        raise TypeError(f"partition keys here are strings, not {type(key).__name__}")
    return int.from_bytes(hashlib.md5(key.encode("utf-8")).digest(), "big")


@dataclass(frozen=True)
class HashRange:
    """The slice ``[start, end)`` of the hash space that one partition owns."""

    partition: int
    start: int
    end: int

    @property
    def share(self) -> float:
        """The fraction of the hash space (so, on average, of all keys) in this range."""
        return (self.end - self.start) / HASH_SPACE


class PartitionMap:
    """Partitions that each own a contiguous range of the hash space, as in DynamoDB.

    ``PartitionMap(n)`` starts with ``n`` equal ranges, partitions ``0 .. n-1`` in
    hash order. :meth:`split` halves one range and gives the upper half to a new
    partition numbered ``n``, so partition numbers never change meaning.
    """

    def __init__(self, n_partitions: int = 4, *, ranges: Sequence[HashRange] | None = None):
        if ranges is None:
            if not isinstance(n_partitions, int) or n_partitions < 1:
                raise ValueError(f"a table needs at least one partition, not {n_partitions!r}")
            bounds = [i * HASH_SPACE // n_partitions for i in range(n_partitions + 1)]
            ranges = [HashRange(i, bounds[i], bounds[i + 1]) for i in range(n_partitions)]
        ranges = sorted(ranges, key=lambda r: r.start)
        if ranges[0].start != 0 or ranges[-1].end != HASH_SPACE or any(
            a.end != b.start for a, b in zip(ranges, ranges[1:])
        ):
            raise ValueError("the ranges must cover the hash space without gaps or overlaps")
        ids = sorted(r.partition for r in ranges)
        if ids != list(range(len(ranges))):
            raise ValueError(f"partitions must be numbered 0..{len(ranges) - 1}, got {ids}")
        self._ranges: tuple[HashRange, ...] = tuple(ranges)
        self._starts = [r.start for r in self._ranges]

    @property
    def n_partitions(self) -> int:
        return len(self._ranges)

    @property
    def ranges(self) -> tuple[HashRange, ...]:
        """The hash ranges in hash order."""
        return self._ranges

    def partition_of(self, key: str) -> int:
        """The partition that stores ``key``: the one whose range holds the key's hash."""
        return self._ranges[bisect.bisect_right(self._starts, key_hash(key)) - 1].partition

    def partitions_of(self, keys: Iterable[str]) -> np.ndarray:
        """The partition of every key, as an integer array (each distinct key is hashed once)."""
        keys = np.asarray(list(keys) if not isinstance(keys, np.ndarray) else keys, dtype=str)
        if keys.size == 0:
            return np.empty(0, dtype=np.int64)
        distinct, where = np.unique(keys, return_inverse=True)
        owners = np.fromiter((self.partition_of(str(k)) for k in distinct), dtype=np.int64,
                             count=len(distinct))
        return owners[where.reshape(keys.shape)]

    def split(self, partition: int) -> "PartitionMap":
        """A new map in which ``partition``'s range is halved; the upper half becomes a new partition."""
        if not 0 <= partition < self.n_partitions:
            raise ValueError(f"no partition {partition}; partitions are 0..{self.n_partitions - 1}")
        ranges = []
        for r in self._ranges:
            if r.partition == partition:
                if r.end - r.start < 2:
                    raise ValueError(f"partition {partition} owns a single hash value and cannot split")
                middle = (r.start + r.end) // 2
                ranges += [HashRange(partition, r.start, middle),
                           HashRange(self.n_partitions, middle, r.end)]
            else:
                ranges.append(r)
        return PartitionMap(ranges=ranges)

    def __repr__(self) -> str:
        return f"PartitionMap({self.n_partitions} partitions)"


def moved_fraction(before: np.ndarray, after: np.ndarray) -> float:
    """The fraction of keys whose partition differs between two placements."""
    before, after = np.asarray(before), np.asarray(after)
    if before.shape != after.shape:
        raise ValueError("compare placements of the same keys")
    return float(np.mean(before != after)) if before.size else 0.0


@dataclass(frozen=True)
class Load:
    """Units of work asked of each partition in each second, against a per-partition ceiling."""

    per_second: np.ndarray  # shape (n_partitions, n_seconds): units requested
    limit: float

    @property
    def n_partitions(self) -> int:
        return self.per_second.shape[0]

    @property
    def requested(self) -> float:
        return float(self.per_second.sum())

    @property
    def served(self) -> np.ndarray:
        """Units each partition served each second: at most ``limit``."""
        return np.minimum(self.per_second, self.limit)

    @property
    def throttled(self) -> float:
        """Units refused because their partition was over its ceiling in that second."""
        return float(np.maximum(self.per_second - self.limit, 0).sum())

    @property
    def throttled_fraction(self) -> float:
        return self.throttled / self.requested if self.requested else 0.0

    def mean_rate(self) -> np.ndarray:
        """Units per second asked of each partition, averaged over the run."""
        return self.per_second.mean(axis=1)

    def peak_rate(self) -> np.ndarray:
        """The busiest second of each partition."""
        return self.per_second.max(axis=1)

    @property
    def skew(self) -> float:
        """Busiest partition's mean rate over the average partition's: 1.0 is perfectly even."""
        rates = self.mean_rate()
        return float(rates.max() / rates.mean()) if rates.mean() else 1.0


def measure_load(partitions: Sequence[int], seconds: Sequence[int], n_partitions: int,
                 limit: float = PARTITION_WCU, units: Sequence[float] | float = 1.0) -> Load:
    """Count the units each partition is asked for in each second.

    ``partitions[i]`` and ``seconds[i]`` say where and when request ``i`` arrives;
    ``units`` is what it costs (1 WCU for a write of up to 1 KB). Units above
    ``limit`` in one partition and one second are throttled, as DynamoDB does
    at its per-partition ceiling (1,000 WCU or 3,000 RCU per second).
    """
    partitions = np.asarray(partitions, dtype=np.int64)
    seconds = np.asarray(seconds, dtype=np.int64)
    if partitions.shape != seconds.shape:
        raise ValueError("give one partition and one second per request")
    if partitions.size and (partitions.min() < 0 or partitions.max() >= n_partitions):
        raise ValueError(f"partition numbers must be in 0..{n_partitions - 1}")
    if seconds.size and seconds.min() < 0:
        raise ValueError("seconds count from 0")
    weights = np.broadcast_to(np.asarray(units, dtype=float), partitions.shape)
    n_seconds = int(seconds.max()) + 1 if seconds.size else 1
    flat = np.bincount(partitions * n_seconds + seconds, weights=weights,
                       minlength=n_partitions * n_seconds)
    return Load(per_second=flat.reshape(n_partitions, n_seconds), limit=float(limit))
