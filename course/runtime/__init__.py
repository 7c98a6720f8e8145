"""The learner's runtime: what every notebook's first cell switches on.

- :mod:`~course.runtime.sandbox`: mocked AWS (moto) with fake credentials, one region, reset on re-run
- :mod:`~course.runtime.netguard`: refuses every connection that would leave this machine
- :mod:`~course.runtime.motoserver`: moto on 127.0.0.1 for threads and processes
- :mod:`~course.runtime.faults`: latency and errors injected where boto3 sends requests

Notebooks reach them as ``course.sandbox``, ``course.netguard`` and ``course.faults``.
"""
