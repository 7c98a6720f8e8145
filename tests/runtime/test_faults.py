"""Injected latency and errors: the behaviour moto does not produce."""

from __future__ import annotations

import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import course
from course.runtime import faults
from course.clock import SimulatedClock


@pytest.fixture()
def table():
    course.sandbox.start(quiet=True)
    ddb = boto3.client("dynamodb", config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    ddb.create_table(TableName="t", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    return ddb


def test_latency_advances_a_simulated_clock_per_operation(table):
    clock = SimulatedClock()
    remove = faults.add_latency(table, lambda op: 0.010 if op == "GetItem" else 0.002, clock=clock)
    table.put_item(TableName="t", Item={"k": {"S": "a"}})
    table.get_item(TableName="t", Key={"k": {"S": "a"}})
    assert clock.now() == pytest.approx(0.012)
    remove()
    table.get_item(TableName="t", Key={"k": {"S": "a"}})
    assert clock.now() == pytest.approx(0.012), "removing the latency stops it"


def test_latency_can_target_some_operations_only(table):
    clock = SimulatedClock()
    seen = []
    faults.add_latency(table, lambda op: seen.append(op) or 0.5, clock=clock, operations=["Query"])
    table.put_item(TableName="t", Item={"k": {"S": "a"}})
    assert clock.now() == 0, "an operation that is not targeted gets no latency"
    found = table.query(TableName="t", KeyConditionExpression="k = :k",
                        ExpressionAttributeValues={":k": {"S": "a"}})
    assert found["Count"] == 1, "the delayed call still reaches moto"
    assert clock.now() == pytest.approx(0.5), "the targeted operation advances the clock"
    table.get_item(TableName="t", Key={"k": {"S": "a"}})
    table.query(TableName="t", KeyConditionExpression="k = :k",
                ExpressionAttributeValues={":k": {"S": "a"}})
    assert clock.now() == pytest.approx(1.0), "once per targeted call, never for the others"
    assert seen == ["Query", "Query"], "the latency function is asked with the operation's name"


def test_errors_fail_the_given_fraction_of_calls_reproducibly(table):
    faults.add_errors(table, rate=0.3, seed=11, operations=["GetItem"])
    outcomes = []
    for _ in range(200):
        try:
            table.get_item(TableName="t", Key={"k": {"S": "a"}})
            outcomes.append("ok")
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ThrottlingException"
            outcomes.append("throttled")
    assert 40 <= outcomes.count("throttled") <= 80
    table.put_item(TableName="t", Item={"k": {"S": "b"}})  # other operations unaffected


def test_error_rate_is_checked():
    with pytest.raises(ValueError, match="between 0 and 1"):
        faults.add_errors(boto3.client("sqs"), rate=2)


def test_an_injected_error_is_not_applied(table):
    faults.add_errors(table, rate=1.0, operations=["PutItem"])
    with pytest.raises(ClientError):
        table.put_item(TableName="t", Item={"k": {"S": "a"}})
    assert "Item" not in table.get_item(TableName="t", Key={"k": {"S": "a"}}), \
        "the service answered with an error: the write never happened"


def test_errors_take_the_services_protocol():
    course.sandbox.start(quiet=True)
    sns = boto3.client("sns", config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    faults.add_errors(sns, rate=1.0, code="InternalError", status=500)
    with pytest.raises(sns.exceptions.InternalErrorException) as caught:
        sns.list_topics()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_latency_without_a_clock_takes_real_time(table):
    remove = faults.add_latency(table, 0.03)
    started = time.perf_counter()
    table.get_item(TableName="t", Key={"k": {"S": "a"}})
    assert time.perf_counter() - started >= 0.03
    remove()


def test_latency_on_a_clock_and_errors_without_one_share_the_client(table):
    """The two shortcuts together: botocore's retries back off on the one clock there is."""
    course.sandbox.start(quiet=True)
    ddb = boto3.client("dynamodb", config=Config(retries={"total_max_attempts": 3, "mode": "legacy"}))
    clock = SimulatedClock()
    faults.add_latency(ddb, lambda op: 0.008, clock=clock)
    faults.add_errors(ddb, rate=1.0, seed=7)
    with pytest.raises(ClientError):
        ddb.list_tables()
    assert clock.now() == pytest.approx(3 * 0.008 + 0.05 + 0.10), "3 latencies, 2 of DynamoDB's backoffs"
