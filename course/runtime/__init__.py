"""The learner's runtime: what every notebook's first cell switches on.

- :mod:`~course.runtime.sandbox`: mocked AWS (moto) with fake credentials, one region, reset on re-run
- :mod:`~course.runtime.netguard`: refuses every connection that would leave this machine
- :mod:`~course.runtime.motoserver` and :mod:`~course.runtime.moto_turn`: moto on 127.0.0.1
  for threads and processes, one request at a time
- :mod:`~course.runtime.faults`: seeded fault injection on any boto3 client (throttling with each
  service's real codes, 5xx, latency, ambiguous failures, duplicates) with a history of every call
- :mod:`~course.runtime.lambdas`: the local Lambda runtime standing in for the Lambda service
  (moto stores functions but never runs them without Docker)

Notebooks reach them as ``course.sandbox``, ``course.netguard``, ``course.faults`` and
``course.lambdas``. Time comes from :mod:`course.clock`; history checkers for hidden tests
are in :mod:`course.checkers`.
"""
