"""Faults that moto does not produce, injected where boto3 sends requests: ``course.faults``.

moto answers every call at once and never fails on its own. Experiments about
throttling, slow or failing dependencies, lost acknowledgements and duplicates add
that behaviour explicitly, on botocore's event hooks, so the notebook says what is
simulated::

    from course import faults
    clock = SimulatedClock()
    inj = faults.inject(ddb, [faults.throttle(operations="PutItem", probability=0.2),
                              faults.ambiguous(operations="PutItem", nth=3),
                              faults.latency(0.008)], seed=7, clock=clock)
    ...                             # 20% of PutItems throttled with DynamoDB's own error code,
                                    # the 3rd applied but unacknowledged, 8 ms each
    inj.history_frame()             # every request: call, attempt, outcome, start, end, ...
    inj.remove()

    faults.add_latency(ddb, 0.008, clock=clock)      # the one-line forms
    faults.add_errors(ddb, rate=0.1, seed=7)

Modules: :mod:`.rules` (what and when), :mod:`.effects` (what a fault does to a
request), :mod:`.responses` (errors in each protocol, each service's codes),
:mod:`.schedule` (seeded decisions), :mod:`.gate` (the hooks on a client, delivery to
moto), :mod:`.backoff` (botocore's retry waits on the clock), :mod:`.history` (the
record), :mod:`.injector` (``inject``), :mod:`.shortcuts` (``add_latency``, ``add_errors``).
"""

from course.runtime.faults.history import Attempt
from course.runtime.faults.injector import Injector, inject
from course.runtime.faults.rules import (Rule, Select, ambiguous, duplicate, error, latency,
                                         server_error, throttle)
from course.runtime.faults.shortcuts import add_errors, add_latency

__all__ = ["Attempt", "Injector", "Rule", "Select", "add_errors", "add_latency", "ambiguous",
           "duplicate", "error", "inject", "latency", "server_error", "throttle"]
