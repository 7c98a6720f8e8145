"""Execution environments: cold starts, warm reuse, idle expiry, reserved and account concurrency."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

import course


def test_cold_start_then_warm_reuse_labelled_in_context_and_log(aws, rt):
    course.lambdas.configure(init_s=0.8)
    labels = []
    aws.function("fn", lambda e, c: labels.append(c.cold_start))
    first = aws.lam.invoke(FunctionName="fn", Payload=b"{}", LogType="Tail")
    assert rt.clock.now() == pytest.approx(0.8)  # the caller waited for the init
    second = aws.lam.invoke(FunctionName="fn", Payload=b"{}", LogType="Tail")
    assert labels == [True, False] and rt.environments.cold_starts["fn"] == 1
    assert "Init Duration: 800.00 ms" in base64.b64decode(first["LogResult"]).decode()
    assert "Init Duration" not in base64.b64decode(second["LogResult"]).decode()
    assert [i.cold_start for i in rt.history] == [True, False]


def test_idle_environments_expire_after_the_configured_time(aws, rt):
    course.lambdas.configure(idle_expiry_s=300)
    aws.function("fn", lambda e, c: c.cold_start)
    invoke = lambda: json.loads(aws.lam.invoke(FunctionName="fn", Payload=b"{}")["Payload"].read())
    assert invoke() is True
    rt.clock.advance(299)
    assert invoke() is False
    rt.clock.advance(301)
    assert invoke() is True and rt.environments.cold_starts["fn"] == 2


def test_reserved_concurrency_zero_throttles_synchronous_invoke_with_429(aws):
    aws.function("fn", lambda e, c: "ran")
    aws.lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as error:
        aws.lam.invoke(FunctionName="fn", Payload=b"{}")
    assert error.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_an_overlapping_synchronous_call_beyond_the_reservation_is_throttled(aws):
    outcomes = []

    def handler(event, context):
        if event.get("outer"):
            try:
                aws.lam.invoke(FunctionName="fn", Payload=b"{}")
                outcomes.append("inner ran")
            except ClientError as error:
                outcomes.append(error.response["Error"]["Code"])
        return "ok"

    aws.function("fn", handler)
    aws.lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=1)
    aws.lam.invoke(FunctionName="fn", Payload=b'{"outer": true}')
    aws.lam.delete_function_concurrency(FunctionName="fn")
    aws.lam.invoke(FunctionName="fn", Payload=b'{"outer": true}')
    assert outcomes == ["TooManyRequestsException", "inner ran"]


def _busy_queue(aws, reserved=None, batches=6, duration_s=5.0):
    starts = []
    aws.function("worker", lambda e, c: starts.append(course.lambdas.runtime().clock.now()),
                 duration_s=duration_s, Timeout=30)
    if reserved is not None:
        aws.lam.put_function_concurrency(FunctionName="worker", ReservedConcurrentExecutions=reserved)
    url, arn = aws.queue("jobs")
    aws.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", BatchSize=1)
    for i in range(batches):
        aws.sqs.send_message(QueueUrl=url, MessageBody=str(i))
    return url, starts


def test_poll_based_invocations_wait_for_reserved_concurrency(aws, rt):
    url, starts = _busy_queue(aws, reserved=2)
    assert course.lambdas.poll_once() == 2  # the third batch finds no free environment
    course.lambdas.drain()
    assert len(starts) == 6 and aws.count(url) == (0, 0)
    assert rt.environments.cold_starts["worker"] == 2
    assert max(starts.count(t) for t in starts) == 2


def test_the_account_limit_caps_unreserved_functions(aws, rt):
    course.lambdas.configure(account_limit=3)
    url, starts = _busy_queue(aws)
    assert course.lambdas.poll_once() == 3
    course.lambdas.drain()
    assert len(starts) == 6 and rt.environments.cold_starts["worker"] == 3


def test_throttled_async_events_run_later_and_are_not_counted_as_failures(aws, rt):
    starts = []
    aws.function("slow", lambda e, c: starts.append(rt.clock.now()), duration_s=10, Timeout=30)
    aws.lam.put_function_concurrency(FunctionName="slow", ReservedConcurrentExecutions=1)
    for _ in range(3):
        aws.lam.invoke(FunctionName="slow", InvocationType="Event", Payload=b"{}")
    course.lambdas.drain()
    assert starts == pytest.approx([0.0, 10.25, 20.25])
    assert rt.async_invocations.failed == []
