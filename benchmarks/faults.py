"""Print what fault injection costs per call, and how fast simulated time runs (a benchmark, not a test).

    .venv/bin/python benchmarks/faults.py [CALLS]

1. Cost: CALLS (default 1000) GetItem calls on in-process moto, plain, then with an
   injector whose rules are checked on every call and never fire; the median of
   five rounds each, in microseconds per call.
2. Simulated-to-real ratio: ten simulated minutes of a writer that retries with
   capped exponential backoff (its own, and botocore's standard mode) against an
   injected throttling schedule (20% of PutItems, all of them from t=120 s to
   t=240 s), 8 ms per request, every wait on a SimulatedClock; timed with
   time.perf_counter.
"""

from __future__ import annotations

import random
import statistics
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import course
from course import faults
from course.clock import SimulatedClock

ROUNDS = 5


def new_table(config: Config | None = None):
    course.sandbox.start(quiet=True)
    ddb = boto3.client("dynamodb", config=config)
    ddb.create_table(TableName="t", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName="t", Item={"k": {"S": "a"}, "v": {"N": "1"}})
    return ddb


def microseconds_per_get(ddb, calls: int) -> float:
    key = {"k": {"S": "a"}}
    ddb.get_item(TableName="t", Key=key)  # warm botocore's caches
    started = time.perf_counter()
    for _ in range(calls):
        ddb.get_item(TableName="t", Key=key)
    return (time.perf_counter() - started) / calls * 1e6


def cost(calls: int) -> None:
    ddb = new_table()
    never = [faults.throttle(operations="GetItem", probability=0.0),
             faults.ambiguous(operations="GetItem", window=(1e9, 2e9)),
             faults.server_error(operations="GetItem", nth=10**9)]
    plain, injected = [], []
    for _ in range(ROUNDS):
        plain.append(microseconds_per_get(ddb, calls))
        with faults.inject(ddb, never, seed=0):
            injected.append(microseconds_per_get(ddb, calls))
    p, i = statistics.median(plain), statistics.median(injected)
    print(f"1. {calls} GetItem calls on in-process moto, median of {ROUNDS} rounds:")
    print(f"   plain                         {p:8.1f} us/call")
    print(f"   injector, 3 rules, none fire  {i:8.1f} us/call")
    print(f"   cost of injection             {i - p:8.1f} us/call ({(i - p) / p:+.1%})")


def writer(ddb, clock: SimulatedClock, until: float, rng: random.Random) -> dict[str, int]:
    """A learner's writer: 10 writes a second, capped exponential backoff with full jitter."""
    written = gave_up = 0
    failures = 0
    while clock.now() < until:
        try:
            ddb.put_item(TableName="t", Item={"k": {"S": f"item-{written}"}})
            written, failures = written + 1, 0
            clock.sleep(0.1)
        except ClientError:
            gave_up, failures = gave_up + 1, failures + 1
            clock.sleep(rng.uniform(0, min(30.0, 0.1 * 2 ** failures)))
    return {"written": written, "calls that ran out of SDK retries": gave_up}


def ratio() -> None:
    ddb = new_table(Config(retries={"mode": "standard", "total_max_attempts": 3}))
    clock = SimulatedClock()
    rules = [faults.throttle(operations="PutItem", probability=0.2),
             faults.throttle(operations="PutItem", window=(120.0, 240.0)),
             faults.latency(0.008)]
    started = time.perf_counter()
    with faults.inject(ddb, rules, seed=1, clock=clock) as inj:
        counts = writer(ddb, clock, until=600.0, rng=random.Random(1))
    real = time.perf_counter() - started
    outcomes = inj.history_frame()["outcome"].value_counts().to_dict()
    print("2. Ten simulated minutes of writes with backoff against injected throttling:")
    print(f"   simulated {clock.now():.1f} s in {real:.2f} s real: ratio {clock.now() / real:,.0f} to 1")
    print(f"   {len(inj.history)} requests; {counts}; outcomes {outcomes}")


if __name__ == "__main__":
    cost(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
    ratio()
