"""Chapter simulations: the behaviour moto does not model, explicit and labelled.

Shared building blocks, one copy each, used by every simulator and notebook:

- :mod:`course.clock` (shared with the runtime): the one simulated clock (``SimulatedClock``)
- :mod:`~course.sim.workload`: Zipf popularity and Poisson arrivals, from a seeded numpy Generator
- :mod:`~course.sim.latency`: the latency convention: seconds; per-operation functions and
  distributions drawn from a numpy Generator
- :mod:`~course.sim.calls`: counting a boto3 client's calls through botocore's event hooks
- :mod:`~course.sim.fresh_interpreter`: calling a function in a new Python process

One module or package per chapter, imported in one line, e.g. ``from course.sim import cdn``:

- :mod:`~course.sim.peers` (00): client-server against peer-to-peer file distribution
- :mod:`~course.sim.partitioning` (01): DynamoDB-style hash partitions, load and throttling
- :mod:`~course.sim.replication` (02): replica lag, failover, global tables
- :mod:`~course.sim.cache` (03): ElastiCache on fakeredis, on a simulated clock
- :mod:`~course.sim.cdn` (04): CloudFront edges, cache policies, invalidations
- :mod:`~course.sim.pubsub` (05): synchronous calls against publishing once, on the simulated clock
- :mod:`~course.sim.delivery` (06): SQS delivery rules (visibility timeout, redelivery, FIFO groups)
- :mod:`~course.sim.load_leveling` (07): a burst against a fixed-capacity service, with and without a queue (SimPy)
- :mod:`~course.sim.tail_latency` (14): fan-out latency and hedged requests
- :mod:`~course.sim.mapreduce` (18): map, shuffle and reduce over S3 objects
"""
