"""One primary and its replicas on a timeline, as in Amazon RDS: lag, stale reads, failover.

A *synchronous* replica (the Multi-AZ standby) has every write before the
primary acknowledges it; an *asynchronous* replica (a read replica) applies
each write after a lag, in log order. Reads from a replica can be stale; a
failover that promotes an asynchronous replica loses the acknowledged writes
it had not applied yet (the data loss that RPO talks about).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from course.sim.latency import Distribution, as_distribution

__all__ = ["FailoverReport", "Replica", "ReplicatedDatabase", "Version"]


@dataclass(frozen=True)
class Replica:
    """A node fed from the primary's log.

    ``sync=True`` models a synchronous standby: the primary acknowledges a write
    only once the standby has it (``lag`` is then ignored). ``readable=False``
    models a standby that serves no reads, like the standby of an RDS Multi-AZ
    DB instance deployment.
    """

    name: str
    lag: Distribution | float = 0.1   # seconds, or a distribution of seconds
    sync: bool = False
    readable: bool = True


@dataclass(frozen=True)
class Version:
    """One write in the primary's log, as a reader sees it."""

    key: str
    value: object
    seq: int              # position in the log, 1-based
    written_at: float     # when the client sent it
    committed_at: float   # when the primary acknowledged it


@dataclass(frozen=True)
class FailoverReport:
    """What a failover did: who took over, and which writes did not survive."""

    at: float
    old_primary: str
    new_primary: str
    lost: tuple[Version, ...]         # acknowledged to the client, then gone
    in_flight: tuple[Version, ...]    # never acknowledged (the client saw an error)

    @property
    def lost_count(self) -> int:
        return len(self.lost)

    @property
    def data_loss_window(self) -> float:
        """Seconds of acknowledged writes lost: failover time minus the oldest lost commit."""
        return self.at - self.lost[0].committed_at if self.lost else 0.0


@dataclass
class _Node:
    spec: Replica
    applied: list[float] = field(default_factory=list)  # applied[i]: when log entry i became visible
    lag_level: float = 0.0                               # the replica's current lag (async only)
    next_change: float | None = None                     # when that level is redrawn


class ReplicatedDatabase:
    """A primary and its replicas on one timeline (see the module docstring).

    ``replicas`` are :class:`Replica` specs or plain names (asynchronous,
    readable, with the default ``lag``). ``sync_delay`` is the extra time a
    write waits for a synchronous standby's acknowledgement (one network round
    trip to another Availability Zone); it applies only when a synchronous
    replica exists.

    A replica's lag is a property of the replica at a moment (a busy replica
    stays behind for a while), not of each write: each asynchronous replica
    draws a lag *level* from its lag model and keeps it for an exponentially
    distributed time with mean ``lag_period`` seconds; a write committed at
    ``t`` reaches the replica at ``t`` + the level at ``t``. So the lag model
    is the distribution of the replica's lag over time, like a ``ReplicaLag``
    graph. ``lag_period=0`` draws a fresh lag for every write instead. Either
    way the replica replays the log in order, so a write never appears before
    the one committed ahead of it.
    """

    def __init__(self, replicas: Sequence[Replica | str] = ("replica-1",), lag: Distribution | float = 0.1,
                 sync_delay: float = 0.002, seed: int | None = 0, primary: str = "primary",
                 lag_period: float = 1.0):
        if sync_delay < 0 or lag_period < 0:
            raise ValueError(f"sync_delay and lag_period cannot be negative, got {sync_delay}, {lag_period}")
        self._rng = np.random.default_rng(seed)
        self.sync_delay = float(sync_delay)
        self.lag_period = float(lag_period)
        self.primary = primary
        self._nodes: dict[str, _Node] = {primary: _Node(Replica(primary, lag=0.0))}
        self._lags: dict[str, Distribution] = {}
        for spec in replicas:
            if isinstance(spec, str):
                spec = Replica(spec, lag=lag)
            if spec.name in self._nodes:
                raise ValueError(f"two nodes are called {spec.name!r}; give each a unique name")
            self._nodes[spec.name] = _Node(spec)
            self._lags[spec.name] = as_distribution(spec.lag)
        self._log: list[Version] = []
        self._by_key: dict[str, list[int]] = {}
        self._last_write = -math.inf
        self._epoch = -math.inf          # time of the last failover: history before it is gone
        self.lost: list[Version] = []
        self.failovers: list[FailoverReport] = []

    # ---- topology

    @classmethod
    def from_rds(cls, rds_client, identifier: str, lag: Distribution | float = 0.1,
                 sync_delay: float = 0.002, seed: int | None = 0,
                 lag_period: float = 1.0) -> "ReplicatedDatabase":
        """The topology of an RDS DB instance as ``describe_db_instances`` reports it.

        A Multi-AZ DB instance gets a synchronous standby that serves no reads
        (named ``<identifier>-standby``); each read replica becomes an
        asynchronous, readable replica with the given ``lag``.
        """
        described = rds_client.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
        replicas: list[Replica] = []
        if described.get("MultiAZ"):
            replicas.append(Replica(f"{identifier}-standby", lag=0.0, sync=True, readable=False))
        for name in described.get("ReadReplicaDBInstanceIdentifiers", []):
            replicas.append(Replica(name, lag=lag))
        return cls(replicas, sync_delay=sync_delay, seed=seed, primary=identifier, lag_period=lag_period)

    @property
    def replicas(self) -> list[Replica]:
        """The current replicas (not the primary), in creation order."""
        return [n.spec for name, n in self._nodes.items() if name != self.primary]

    @property
    def log(self) -> list[Version]:
        """Every surviving write, in commit order."""
        return list(self._log)

    def _node(self, name: str | None) -> _Node:
        name = self.primary if name is None else name
        if name not in self._nodes:
            raise KeyError(f"no node {name!r}; the nodes are {list(self._nodes)}")
        return self._nodes[name]

    def _has_sync_replica(self) -> bool:
        return any(n.spec.sync for name, n in self._nodes.items() if name != self.primary)

    # ---- writes

    def write(self, key: str, value: object, at: float) -> Version:
        """The client sends a write to the primary at time ``at``; returns the acknowledged version."""
        at = float(at)
        if at < self._last_write:
            raise ValueError(f"writes must come in time order: {at} is before the previous write at {self._last_write}")
        if at < self._epoch:
            raise ValueError(f"a failover happened at {self._epoch}; write at that time or later")
        self._last_write = at
        committed = at + (self.sync_delay if self._has_sync_replica() else 0.0)
        version = Version(key, value, len(self._log) + 1, at, committed)
        index = len(self._log)
        self._log.append(version)
        self._by_key.setdefault(key, []).append(index)
        for name, node in self._nodes.items():
            if name == self.primary or node.spec.sync:
                node.applied.append(committed)
            else:
                previous = node.applied[-1] if node.applied else -math.inf
                # A replica replays the log in order: an entry cannot appear before the one ahead of it.
                node.applied.append(max(previous, committed + self._lag_at(name, node, committed)))
        return version

    def _lag_at(self, name: str, node: _Node, t: float) -> float:
        """The replica's lag level at time ``t``, redrawn when its holding time is over."""
        if self.lag_period == 0 or node.next_change is None or t >= node.next_change:
            node.lag_level = max(0.0, self._lags[name](self._rng))
            # Level changes form a Poisson process: memoryless, so the next one is t + Exp(period).
            node.next_change = t + (self._rng.exponential(self.lag_period) if self.lag_period else 0.0)
        return node.lag_level

    # ---- reads and lag

    def applied_times(self, node: str | None = None) -> list[float]:
        """When each log entry became visible on ``node`` (on the primary: its commit time)."""
        return list(self._node(node).applied)

    def applied_through(self, node: str | None, at: float) -> int:
        """How many log entries ``node`` had applied by time ``at`` (a log position)."""
        return bisect.bisect_right(self._node(node).applied, float(at))

    def read(self, key: str, at: float, node: str | None = None) -> Version | None:
        """The version of ``key`` that ``node`` (default: the primary) returned at time ``at``."""
        target = self._node(node)
        if not target.spec.readable:
            raise PermissionError(f"{target.spec.name!r} is a standby that serves no reads; "
                                  "read from the primary or a read replica")
        if at < self._epoch:
            raise ValueError(f"a failover happened at {self._epoch}; the old primary's history is gone")
        indices = self._by_key.get(key, [])
        position = bisect.bisect_left(indices, self.applied_through(node, at))
        return self._log[indices[position - 1]] if position else None

    def value(self, key: str, at: float, node: str | None = None, default: object = None) -> object:
        """The value of ``key`` that ``node`` returned at time ``at`` (``default`` if none)."""
        version = self.read(key, at, node)
        return default if version is None else version.value

    def is_stale(self, key: str, at: float, node: str) -> bool:
        """Did ``node`` return an older version of ``key`` than the primary had at time ``at``?"""
        mine, primary = self.read(key, at, node), self.read(key, at)
        return (mine.seq if mine else 0) != (primary.seq if primary else 0)

    def replica_lag(self, node: str, at: float) -> float:
        """Seconds ``node`` is behind at time ``at``.

        The age of the oldest write the primary had acknowledged by ``at`` that
        ``node`` had not applied yet (0.0 when caught up). This is close to what
        MySQL reports as ``Seconds_Behind_Master`` and RDS as ``ReplicaLag``.
        """
        committed = self.applied_through(None, at)
        applied = self.applied_through(node, at)
        if applied >= committed:
            return 0.0
        return float(at) - self._log[applied].committed_at

    def mean_lag(self, node: str) -> float:
        """The mean time from commit on the primary to apply on ``node``, over every write so far.

        In-order replay makes this larger than the lag model's mean when the
        lag level drops (the replica first catches up on older writes).
        """
        applied = self._node(node).applied
        if not applied:
            return 0.0
        return math.fsum(a - v.committed_at for a, v in zip(applied, self._log)) / len(applied)

    # ---- failover

    def _promotion_target(self, promote: str | None) -> str:
        if promote is not None:
            if promote == self.primary or promote not in self._nodes:
                raise KeyError(f"cannot promote {promote!r}; the replicas are {[r.name for r in self.replicas]}")
            return promote
        if not self.replicas:
            raise RuntimeError("no replica to fail over to")
        sync = [r.name for r in self.replicas if r.sync]
        return sync[0] if sync else self.replicas[0].name

    def writes_lost_if_failover(self, at: float, promote: str | None = None) -> list[Version]:
        """The acknowledged writes a failover at ``at`` to ``promote`` would lose (nothing changes)."""
        target = self._promotion_target(promote)
        committed = self.applied_through(None, at)
        return self._log[self.applied_through(target, at):committed]

    def failover(self, at: float, promote: str | None = None) -> FailoverReport:
        """The primary dies at ``at`` and ``promote`` takes over (default: a synchronous standby).

        Whatever the promoted replica had not applied by ``at`` is gone: the
        acknowledged part is reported as ``lost``, writes still waiting for a
        standby's acknowledgement as ``in_flight``. The other replicas are
        re-pointed at the new primary and keep only what it has (real engines
        may need such replicas rebuilt). Record every write up to ``at`` first.
        """
        at = float(at)
        if at < self._last_write:
            raise ValueError(f"record the failover after the last write (at {self._last_write}), not at {at}")
        target = self._promotion_target(promote)
        keep = self.applied_through(target, at)
        committed = self.applied_through(None, at)
        report = FailoverReport(at, self.primary, target, tuple(self._log[keep:committed]),
                                tuple(self._log[committed:]))
        del self._log[keep:]
        for key in list(self._by_key):
            self._by_key[key] = [i for i in self._by_key[key] if i < keep]
            if not self._by_key[key]:
                del self._by_key[key]
        del self._nodes[self.primary]
        for node in self._nodes.values():
            del node.applied[keep:]
        promoted = self._nodes[target]
        promoted.spec = Replica(target, lag=0.0)
        self._lags.pop(target, None)
        self.primary = target
        self._epoch = at
        self.lost.extend(report.lost)
        self.failovers.append(report)
        return report
