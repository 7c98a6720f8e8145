"""All the resilience tools together: an SQS consumer under injected faults, judged by a checker.

A shop's payment queue: the producer sends four orders, each consumer receives them
and records each payment in a DynamoDB ledger. Two faults are injected, seeded:

- SQS delivers the 2nd SendMessage twice (at-least-once delivery);
- the 3rd DynamoDB write is *ambiguous*: moto applies it, the caller sees a read
  timeout, and the SDK's own retry sends it again.

The naive consumer (an unconditional update) records a payment more than once and
the checker says which, drawing the shortest failing history; the idempotent one
(an idempotency record written in the same transaction, with a condition) passes.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import course
from course import checkers, faults
from course.clock import SimulatedClock

ORDERS = [("o1", 30), ("o2", 45), ("o3", 12), ("o4", 99)]
RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 3})


@pytest.fixture()
def shop():
    course.sandbox.start(quiet=True)
    clock = SimulatedClock()
    sqs, ddb = boto3.client("sqs", config=RETRIES), boto3.client("dynamodb", config=RETRIES)
    url = sqs.create_queue(QueueName="payments")["QueueUrl"]
    for table, key in (("ledger", "account"), ("processed", "order")):
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}])
    rules = [faults.duplicate(services="sqs", operations="SendMessage", nth=2),
             faults.ambiguous(services="dynamodb", operations=["UpdateItem", "TransactWriteItems"], nth=3),
             faults.latency(0.010)]
    with faults.inject([sqs, ddb], rules, seed=7, clock=clock) as injector:
        yield sqs, ddb, url, clock, injector
    course.sandbox.start(quiet=True).stop()


def record_payment_naively(ddb, order: str, amount: int, at: float) -> None:
    ddb.update_item(TableName="ledger", Key={"account": {"S": "shop"}},
                    UpdateExpression="ADD balance :a SET entries = list_append(if_not_exists(entries, :none), :e)",
                    ExpressionAttributeValues={":a": {"N": str(amount)}, ":none": {"L": []},
                                               ":e": {"L": [{"S": json.dumps([order, at])}]}})


def record_payment_idempotently(ddb, order: str, amount: int, at: float) -> None:
    """The payment and its idempotency record in one transaction; a repeat is a no-op."""
    try:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "processed", "Item": {"order": {"S": order}},
                     "ConditionExpression": "attribute_not_exists(#o)",
                     "ExpressionAttributeNames": {"#o": "order"}}},
            {"Update": {"TableName": "ledger", "Key": {"account": {"S": "shop"}},
                        "UpdateExpression": "ADD balance :a SET entries = "
                                            "list_append(if_not_exists(entries, :none), :e)",
                        "ExpressionAttributeValues": {
                            ":a": {"N": str(amount)}, ":none": {"L": []},
                            ":e": {"L": [{"S": json.dumps([order, at])}]}}}},
        ])
    except ClientError as error:
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
        if error.response["Error"]["Code"] != "TransactionCanceledException" or \
                "ConditionalCheckFailed" not in reasons:
            raise  # a real failure: the message stays on the queue and comes back


def run_shop(shop, record) -> tuple[list[str], list[dict]]:
    """Send the orders, consume the queue with ``record``; (sent order ids, ledger effects)."""
    sqs, ddb, url, clock, _ = shop
    for order, amount in ORDERS:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"order": order, "amount": amount}))
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            body = json.loads(message["Body"])
            record(ddb, body["order"], body["amount"], clock.now())
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    item = ddb.get_item(TableName="ledger", Key={"account": {"S": "shop"}})["Item"]
    effects = []
    for entry in item["entries"]["L"]:
        order, at = json.loads(entry["S"])
        effects.append({"message_id": order, "process": "ledger", "start": at, "end": at + 0.010})
    return [order for order, _ in ORDERS], effects


def test_the_faults_fire_as_scheduled_and_the_sdk_retries_the_ambiguous_write(shop):
    run_shop(shop, record_payment_naively)
    calls = shop[4].history_frame()
    sends = calls[calls["operation"] == "SendMessage"]
    assert sends["injected"].fillna("").tolist() == ["", "duplicate", "", ""]
    assert sends["delivered"].tolist() == [1, 2, 1, 1], "the 2nd order reaches the queue twice"
    ambiguous = calls[calls["injected"] == "ambiguous"]
    assert list(zip(ambiguous["operation"], ambiguous["attempt"], ambiguous["outcome"])) == \
        [("UpdateItem", 1, "ambiguous")]
    retry = calls[(calls["call"] == ambiguous["call"].iloc[0]) & (calls["attempt"] == 2)]
    assert retry["outcome"].tolist() == ["ok"], "botocore retries the timed-out write once"


def test_a_naive_consumer_applies_payments_twice_and_the_checker_draws_it(shop, artifacts):
    sent, effects = run_shop(shop, record_payment_naively)
    checkers.assert_nothing_lost(sent=sent, processed=[e["message_id"] for e in effects])
    with pytest.raises(checkers.HistoryError) as failure:
        checkers.assert_no_duplicate_effects(effects)
    message = str(failure.value)
    assert "o2 was applied" in message, message          # the duplicated message
    twice = [op.value for op in failure.value.ops]
    assert len(twice) >= 2 and len(set(twice)) == 1 and len(failure.value.history) <= len(effects)
    figure = failure.value.plot(artifacts / "worked-example-timeline.png")
    assert (artifacts / "worked-example-timeline.png").stat().st_size > 10_000 and figure.axes


def test_an_idempotent_consumer_passes_the_same_faults(shop):
    sent, effects = run_shop(shop, record_payment_idempotently)
    checkers.assert_nothing_lost(sent=sent, processed=[e["message_id"] for e in effects])
    checkers.assert_no_duplicate_effects(effects)
    ledger = shop[1].get_item(TableName="ledger", Key={"account": {"S": "shop"}})["Item"]
    assert int(ledger["balance"]["N"]) == sum(amount for _, amount in ORDERS)
