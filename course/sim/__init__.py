"""Chapter simulations: the behaviour moto does not model, explicit and labelled.

Shared building blocks: :mod:`~course.sim.clock` (the one simulated clock).
One module per chapter, imported in one line, e.g. ``from course.sim import partitioning``:

- :mod:`~course.sim.partitioning` (01): DynamoDB-style hash partitions, load and throttling
- :mod:`~course.sim.replication` (02): replica lag, failover, global tables
- :mod:`~course.sim.cache` (03): ElastiCache on fakeredis, on a simulated clock
- :mod:`~course.sim.cdn` (04): CloudFront edges, cache policies, invalidations
- :mod:`~course.sim.tail_latency` (14): fan-out latency and hedged requests
- :mod:`~course.sim.mapreduce` (18): map, shuffle and reduce over S3 objects
"""
