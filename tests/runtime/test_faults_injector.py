"""Fault injection end to end on moto: what is applied, what the caller sees, what is recorded."""

from __future__ import annotations

import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

import course
from course import faults
from course.clock import RealClock, SimulatedClock


def config(**retries) -> Config:
    return Config(retries=retries or {"mode": "standard", "total_max_attempts": 1})


def new_table(ddb, name="t") -> None:
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")


@pytest.fixture()
def sandbox():
    return course.sandbox.start(quiet=True)


@pytest.fixture()
def ddb(sandbox):
    client = boto3.client("dynamodb", config=config())
    new_table(client)
    return client


def put(ddb, key="a", **kwargs):
    return ddb.put_item(TableName="t", Item={"k": {"S": key}}, **kwargs)


def stored(ddb, key="a"):
    return ddb.get_item(TableName="t", Key={"k": {"S": key}}).get("Item")


def add_one(ddb, key="n"):
    ddb.update_item(TableName="t", Key={"k": {"S": key}}, UpdateExpression="ADD v :one",
                    ExpressionAttributeValues={":one": {"N": "1"}})


def counter(ddb, key="n") -> int:
    return int(stored(ddb, key)["v"]["N"])


def rows(inj, *columns):
    return [tuple(getattr(a, c) for c in columns) for a in inj.history]


# -- what is applied ------------------------------------------------------------------
def test_a_throttled_write_is_not_applied(ddb):
    with faults.inject(ddb, [faults.throttle(operations="PutItem")]) as inj:
        with pytest.raises(ddb.exceptions.ProvisionedThroughputExceededException):
            put(ddb)
    assert stored(ddb) is None, "the service refused the request: nothing was written"
    assert rows(inj, "outcome", "delivered") == [("ProvisionedThroughputExceededException", 0)]


def test_an_ambiguous_write_is_applied_although_the_caller_sees_a_timeout(ddb):
    with faults.inject(ddb, [faults.ambiguous(operations="PutItem")]) as inj:
        with pytest.raises(ReadTimeoutError):
            put(ddb)
    assert stored(ddb) == {"k": {"S": "a"}}, "moto applied it once"
    assert rows(inj, "outcome", "injected", "delivered", "status") == [("ambiguous", "ambiguous", 1, None)]


def test_an_ambiguous_write_can_end_in_a_500_instead(ddb):
    with faults.inject(ddb, [faults.ambiguous("server_error")]) as inj:
        with pytest.raises(ClientError) as caught:
            put(ddb)
    assert caught.value.response["Error"]["Code"] == "InternalServerError"
    assert stored(ddb) == {"k": {"S": "a"}}
    assert rows(inj, "outcome", "delivered", "status") == [("ambiguous", 1, 500)]


def test_botocores_own_retry_applies_an_ambiguous_write_a_second_time(sandbox):
    """The teaching point: the SDK retries what it cannot know was applied."""
    ddb = boto3.client("dynamodb", config=config(mode="standard", total_max_attempts=3))
    new_table(ddb)
    with faults.inject(ddb, [faults.ambiguous(first=1)], clock=SimulatedClock()) as inj:
        add_one(ddb)                                   # the caller sees success ...
    assert counter(ddb) == 2, "... and the increment was applied twice"
    assert rows(inj, "call", "attempt", "outcome", "delivered") == [(1, 1, "ambiguous", 1), (1, 2, "ok", 1)]

    with faults.inject(ddb, [faults.ambiguous(first=1)], clock=SimulatedClock()) as inj:
        with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
            put(ddb, "b", ConditionExpression="attribute_not_exists(k)")
    assert stored(ddb, "b") == {"k": {"S": "b"}}, "the create 'failed', yet its item is there"
    assert rows(inj, "outcome", "delivered") == [("ambiguous", 1), ("ConditionalCheckFailedException", 1)]


def test_a_duplicated_message_is_enqueued_twice(sandbox):
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    with faults.inject(sqs, [faults.duplicate(operations="SendMessage")]) as inj:
        sent = sqs.send_message(QueueUrl=url, MessageBody="order 17")
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in received] == ["order 17", "order 17"]
    assert sent["MessageId"] in {m["MessageId"] for m in received}, "the caller got one of the two ids"
    assert rows(inj, "operation", "outcome", "injected", "delivered") == [("SendMessage", "ok", "duplicate", 2)]
    assert inj.history[0].response["MessageId"] == sent["MessageId"]


def test_a_duplicated_upload_sends_its_whole_body_twice(sandbox, tmp_path):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="bkt")
    path = tmp_path / "body"
    path.write_bytes(b"0123456789" * 1000)
    puts = []
    s3.meta.events.register("before-send", lambda request, **kw: puts.append(request.method))
    with faults.inject(s3, [faults.duplicate(operations="PutObject")]) as inj, path.open("rb") as body:
        s3.put_object(Bucket="bkt", Key="k", Body=body)
    assert s3.get_object(Bucket="bkt", Key="k")["Body"].read() == path.read_bytes()
    assert inj.history[0].params["Body"] == "<BufferedReader>"
    assert inj.history[0].delivered == 2


# -- botocore's retry modes ---------------------------------------------------------------
@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
@pytest.mark.parametrize("retries, attempts", [
    ({"max_attempts": 3}, 4),           # max_attempts counts the retries, after the first attempt
    ({"total_max_attempts": 3}, 3),     # total_max_attempts counts them all
    ({"max_attempts": 1}, 2),
    ({"max_attempts": 0}, 1),           # no retry: the caller sees the error at once
])
def test_the_sdk_retries_as_its_mode_and_max_attempts_say(sandbox, mode, retries, attempts):
    ddb = boto3.client("dynamodb", config=Config(retries={"mode": mode, **retries}))
    # adaptive mode slows the client down in real time after a throttle (botocore's token
    # bucket): a 503, which it retries without slowing down, keeps this test fast
    rule = faults.server_error(503) if mode == "adaptive" else faults.throttle()
    with faults.inject(ddb, [rule], clock=SimulatedClock()) as inj, pytest.raises(ClientError):
        ddb.list_tables()
    assert rows(inj, "call", "attempt") == [(1, n) for n in range(1, attempts + 1)]


def test_the_sdks_backoff_waits_on_the_simulated_clock(sandbox):
    ddb = boto3.client("dynamodb", config=config(mode="legacy", total_max_attempts=4))
    clock = SimulatedClock()
    started = time.perf_counter()
    with faults.inject(ddb, [faults.throttle()], clock=clock) as inj, pytest.raises(ClientError):
        ddb.list_tables()
    # botocore's legacy DynamoDB backoff: 0.05 s, doubling
    assert [a.start for a in inj.history] == pytest.approx([0.0, 0.05, 0.15, 0.35])
    assert clock.now() == pytest.approx(0.35)
    assert time.perf_counter() - started < 0.3, "no real time passed"


def test_the_sdks_backoff_waits_real_time_on_the_real_clock(sandbox):
    ddb = boto3.client("dynamodb", config=config(mode="legacy", total_max_attempts=2))
    with faults.inject(ddb, [faults.throttle()]) as inj, pytest.raises(ClientError):
        ddb.list_tables()
    first, second = inj.history
    assert second.start - first.end >= 0.05 - 0.005, "botocore slept its 0.05 s"


# -- schedules ----------------------------------------------------------------------------
def test_a_time_window_follows_the_clock(ddb):
    clock = SimulatedClock()
    with faults.inject(ddb, [faults.throttle(window=(10.0, 20.0))], clock=clock) as inj:
        for _ in range(6):
            try:
                put(ddb)
            except ClientError:
                pass
            clock.advance(5.0)
    assert [(a.start, a.outcome == "ok") for a in inj.history] == [
        (0.0, True), (5.0, True), (10.0, False), (15.0, False), (20.0, True), (25.0, True)]


def test_a_seed_replays_the_same_run(sandbox):
    def run(seed):
        course.sandbox.start(quiet=True)
        ddb = boto3.client("dynamodb", config=config(mode="standard", total_max_attempts=3))
        new_table(ddb)
        rules = [faults.throttle(probability=0.3), faults.ambiguous(operations="UpdateItem", probability=0.2)]
        with faults.inject(ddb, rules, seed=seed, clock=SimulatedClock()) as inj:
            for _ in range(30):
                try:
                    add_one(ddb)
                except (ClientError, ReadTimeoutError):
                    pass
        return inj, rows(inj, "call", "attempt", "outcome", "delivered"), counter(ddb)

    first, history, count = run(seed=None)
    assert {"ok", "ambiguous", "ProvisionedThroughputExceededException"} <= {r[2] for r in history}
    assert run(first.seed)[1:] == (history, count), "the drawn seed replays the run exactly"
    assert run(first.seed + 1)[1] != history


def test_latency_and_faults_compose(ddb):
    clock = SimulatedClock()
    rules = [faults.latency(0.010), faults.latency(0.5, operations="GetItem"),
             faults.throttle(operations="PutItem", nth=2)]
    with faults.inject(ddb, rules, clock=clock) as inj:
        put(ddb)
        with pytest.raises(ClientError):
            put(ddb)
        stored(ddb)
    assert rows(inj, "operation", "latency", "outcome") == [
        ("PutItem", 0.010, "ok"), ("PutItem", 0.010, "ProvisionedThroughputExceededException"),
        ("GetItem", 0.510, "ok")]
    assert [a.end - a.start for a in inj.history] == pytest.approx([0.010, 0.010, 0.510])


# -- the history --------------------------------------------------------------------------
def test_the_history_keeps_the_arguments_that_matter_without_large_bodies(sandbox):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="bkt")
    with faults.inject(s3, []) as inj:
        s3.put_object(Bucket="bkt", Key="k", Body=b"x" * 5000, Metadata={"note": "y" * 500})
        body = s3.get_object(Bucket="bkt", Key="k")["Body"].read()
    assert body == b"x" * 5000, "the response body is left for the caller"
    put_, get = inj.history
    assert put_.params["Bucket"] == "bkt" and put_.params["Key"] == "k"
    assert put_.params["Body"] == "<5000 bytes>"
    assert put_.params["Metadata"]["note"].endswith("<500 chars>")
    assert put_.response["ETag"]
    assert get.response["Body"] == "<StreamingChecksumBody>", "a streamed body is not read"


def test_one_history_across_clients_and_a_frame_for_plots(sandbox):
    ddb, sqs = boto3.client("dynamodb", config=config()), boto3.client("sqs")
    new_table(ddb)
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    clock = SimulatedClock()
    with faults.inject([ddb, sqs], [faults.latency(0.25, services="sqs")], clock=clock) as inj:
        put(ddb)
        sqs.send_message(QueueUrl=url, MessageBody="m")
        stored(ddb)
    frame = inj.history_frame()
    assert list(frame.columns) == ["call", "attempt", "service", "operation", "params", "start", "latency",
                                   "injected", "delivered", "outcome", "status", "end", "response"]
    assert frame[["call", "service", "operation", "status"]].values.tolist() == [
        [1, "dynamodb", "PutItem", 200], [2, "sqs", "SendMessage", 200], [3, "dynamodb", "GetItem", 200]]
    assert frame["start"].tolist() == [0.0, 0.0, 0.25]


def test_the_calls_frame_shows_each_call_as_its_caller_saw_it(sandbox):
    ddb = boto3.client("dynamodb", config=config(mode="standard", total_max_attempts=3))
    new_table(ddb)
    rules = [faults.ambiguous(operations="UpdateItem", nth=1), faults.throttle(operations="UpdateItem", nth=2)]
    with faults.inject(ddb, rules, clock=SimulatedClock()) as inj:
        add_one(ddb)
        add_one(ddb)
    calls = inj.calls_frame()
    assert calls[["call", "operation", "attempts", "delivered", "outcome"]].values.tolist() == [
        [1, "UpdateItem", 3, 2, "ok"], [2, "UpdateItem", 1, 1, "ok"]]
    assert counter(ddb) == 3


# -- attaching and removing ------------------------------------------------------------------
def test_removing_restores_the_client(ddb):
    inj = faults.inject(ddb, [faults.throttle()])
    with pytest.raises(ClientError):
        put(ddb)
    inj.remove()
    put(ddb)
    assert stored(ddb) == {"k": {"S": "a"}}, "requests reach moto again"
    assert len(inj.history) == 1, "and are no longer recorded"
    inj.remove()  # twice is harmless


def test_injectors_on_one_client_stack_and_come_off_in_any_order(ddb):
    clock = SimulatedClock()
    slow = faults.inject(ddb, [faults.latency(0.1)], clock=clock)
    failing = faults.inject(ddb, [faults.throttle(operations="PutItem")], clock=clock)
    with pytest.raises(ClientError):
        put(ddb)
    assert clock.now() == pytest.approx(0.1)
    slow.remove()
    with pytest.raises(ClientError):
        put(ddb)
    assert clock.now() == pytest.approx(0.1), "the latency is gone, the errors are not"
    assert stored(ddb) is None
    failing.remove()
    put(ddb)
    assert stored(ddb) is not None
    with pytest.raises(ValueError, match="one client, one clock"):
        with faults.inject(ddb, [], clock=SimulatedClock()), faults.inject(ddb, [], clock=SimulatedClock()):
            pass
    with faults.inject(ddb, []), faults.inject(ddb, [], clock=RealClock()):
        pass  # real clocks are all the same clock


def test_a_resource_works_as_its_client(sandbox):
    table_client = boto3.client("dynamodb", config=config())
    new_table(table_client)
    table = boto3.resource("dynamodb", config=config()).Table("t")
    with faults.inject(table.meta.client, [faults.throttle()]) as inj, pytest.raises(ClientError):
        table.put_item(Item={"k": "a"})
    with faults.inject(boto3.resource("dynamodb", config=config()), [faults.throttle()]) as inj:
        assert inj.rules and "dynamodb" in repr(inj)


@pytest.mark.parametrize("rule, message", [
    (faults.throttle(operations="Putitem"), "did you mean 'PutItem'"),
    (faults.throttle(services="dynamo"), "services"),
    (faults.throttle(services="dynamodb", operations="SendMessage"), "'SendMessage', which"),
])
def test_rules_that_can_never_fire_are_refused(ddb, rule, message):
    with pytest.raises(ValueError, match=message):
        faults.inject(ddb, [rule])
    put(ddb)
    assert stored(ddb) is not None, "a refused injector leaves the client as it was"


def test_only_rules_are_accepted(ddb):
    with pytest.raises(TypeError, match="faults.throttle"):
        faults.inject(ddb, [0.5])


# -- moto on 127.0.0.1, threads -------------------------------------------------------------
def test_over_http_faults_apply_and_threads_keep_their_calls_apart():
    sandbox = course.sandbox.start(quiet=True, server=True)
    try:
        ddb = sandbox.client("dynamodb", config=config(mode="standard", total_max_attempts=5))
        new_table(ddb)
        rules = [faults.ambiguous(operations="UpdateItem", probability=0.2),
                 faults.duplicate(operations="UpdateItem", probability=0.2),
                 faults.throttle(operations="UpdateItem", probability=0.2)]
        failed = []

        def client_thread():
            for _ in range(10):
                try:
                    add_one(ddb)
                except (ClientError, ReadTimeoutError) as exc:  # out of attempts
                    failed.append(exc)

        with faults.inject(ddb, rules, seed=3, clock=SimulatedClock()) as inj:
            threads = [threading.Thread(target=client_thread) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        calls = inj.calls_frame()
        assert len(calls) == 40 and (calls["outcome"] != "ok").sum() == len(failed)
        assert counter(ddb) == calls["delivered"].sum() > 40, "every delivery was applied, some twice"
        for _call, attempts in inj.history_frame().groupby("call")["attempt"]:
            assert list(attempts) == list(range(1, len(attempts) + 1)), "a call's attempts, in order"
    finally:
        course.sandbox.start(quiet=True)
