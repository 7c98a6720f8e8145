"""Replication behaviour that moto does not model: lag, stale reads, failover, last writer wins.

moto stores what you ask for (an RDS instance with ``MultiAZ=True``, its read
replicas, a DynamoDB ``ReplicaUpdates`` request) but keeps a single copy of the
data: nothing lags, nothing fails over, and no second Region ever holds the
table. The course simulates those behaviours here, explicitly, in simulated
time (seconds as floats, no real waiting) and seeded (a numpy Generator), so
every run gives the same numbers. Lags are seconds, or distributions of
seconds from :mod:`course.sim.latency`.

Two models:

:class:`ReplicatedDatabase` (:mod:`~course.sim.replication.database`)
    One primary whose log feeds replicas, as in Amazon RDS. A *synchronous*
    replica (the Multi-AZ standby) has every write before the primary
    acknowledges it; an *asynchronous* replica (a read replica) applies each
    write after a random lag, in log order. Reads from a replica can be stale;
    a failover that promotes an asynchronous replica loses the acknowledged
    writes it had not applied yet (the data loss that RPO talks about)::

        db = ReplicatedDatabase([Replica("standby", sync=True, readable=False),
                                 Replica("reader-1", lag=0.2)], seed=1)
        db.write("acct-7", 120, at=0.0)
        db.read("acct-7", at=0.05, node="reader-1")      # None: not applied yet
        db.replica_lag("reader-1", at=0.05)              # 0.048 s behind (acked at 0.002)
        db.failover(at=0.05, promote="reader-1").lost    # the write is gone

    The database is a *timeline*: record writes in time order, then ask what
    any node returned at any later or earlier time.

:class:`GlobalTable` (:mod:`~course.sim.replication.global_table`)
    Multi-active Regions, as in a DynamoDB global table in its default mode
    (multi-Region eventual consistency): every Region accepts writes, each
    write reaches the other Regions after a lag, and concurrent writes to one
    item are settled by *last writer wins* (:func:`lww_winner`).
"""

from course.sim.replication.database import FailoverReport, Replica, ReplicatedDatabase, Version
from course.sim.replication.global_table import GlobalTable, RegionalWrite, lww_order, lww_winner

__all__ = [
    "FailoverReport", "GlobalTable", "RegionalWrite", "Replica", "ReplicatedDatabase", "Version",
    "lww_order", "lww_winner",
]
