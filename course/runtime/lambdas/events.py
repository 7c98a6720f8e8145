"""The events Lambda hands to handlers, built from what boto3 returns.

Each builder makes the shape AWS documents (checked against aws-lambda-powertools'
event source data classes in the tests)::

    msg = sqs.receive_message(QueueUrl=url, AttributeNames=["All"],
                              MessageAttributeNames=["All"])["Messages"][0]
    event = {"Records": [sqs_record(msg, queue_arn, "us-east-1")]}

    event = sns_event(topic_arn, subscription_arn, message_id, "hello", subject=None,
                      attributes={"kind": {"Type": "String", "Value": "order"}})
    event = kinesis_record(record, shard_id, stream_arn, region, role)
    event = dynamodb_record(record, stream_arn, region)

API Gateway's proxy events are in :mod:`.apigateway`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from urllib.parse import quote_plus, unquote_plus

__all__ = ["complete_s3_event", "dynamodb_record", "eventbridge_event", "kinesis_record",
           "sns_event", "sqs_record"]


def _iso_now() -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _epoch(value) -> float:
    return value.timestamp() if isinstance(value, dt.datetime) else float(value)


def _sqs_attribute(value: dict) -> dict:
    shape = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        shape["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        shape["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return shape


def sqs_record(message: dict, queue_arn: str, region: str) -> dict:
    """One record of an SQS event, from a message as ``receive_message`` returns it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {name: _sqs_attribute(value)
                              for name, value in message.get("MessageAttributes", {}).items()},
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def complete_s3_event(event: dict) -> dict:
    """moto's S3 notification with the fields AWS also sends (identity, request, sequencer).

    The key stays URL-encoded as AWS sends it, but with "/" kept (moto encodes it too).
    """
    for record in event["Records"]:
        record.setdefault("userIdentity", {"principalId": "AWS:AIDACOURSEEXAMPLE"})
        record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
        record.setdefault("responseElements", {"x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                                               "x-amz-id-2": uuid.uuid4().hex})
        s3 = record["s3"]
        s3["bucket"].setdefault("ownerIdentity", {"principalId": "COURSEEXAMPLE"})
        s3["object"].setdefault("sequencer", uuid.uuid4().hex[:18].upper())
        s3["object"]["key"] = quote_plus(unquote_plus(s3["object"]["key"]), safe="/")
    return event


def sns_event(topic_arn: str, subscription_arn: str, message_id: str, message: str,
              subject: str | None, attributes: dict | None) -> dict:
    """The event a function subscribed to an SNS topic receives for one message."""
    return {"Records": [{
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": _iso_now(),
            "Signature": "EXAMPLE",
            "SigningCertUrl": "https://sns.invalid/SimpleNotificationService.pem",
            "MessageId": message_id,
            "Message": message,
            "MessageAttributes": {name: {"Type": v["Type"], "Value": v["Value"]}
                                  for name, v in (attributes or {}).items()},
            "Type": "Notification",
            "UnsubscribeUrl": "https://sns.invalid/?Action=Unsubscribe",
            "TopicArn": topic_arn,
            "Subject": subject,
        },
    }]}


def eventbridge_event(moto_event: dict) -> dict:
    """An EventBridge event as a rule target receives it, from moto's event message."""
    event = {k: v for k, v in moto_event.items() if k != "ingestion-time"}
    when = event.get("time")
    if not isinstance(when, str):
        when = dt.datetime.fromtimestamp(_epoch(when), dt.timezone.utc)
        event["time"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


def kinesis_record(record: dict, shard_id: str, stream_arn: str, region: str,
                   role_arn: str) -> dict:
    """One record of a Kinesis event, from a record as ``get_records`` returns it."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record["PartitionKey"],
            "sequenceNumber": record["SequenceNumber"],
            "data": base64.b64encode(record["Data"]).decode(),
            "approximateArrivalTimestamp": _epoch(record["ApproximateArrivalTimestamp"]),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role_arn,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


def dynamodb_record(record: dict, stream_arn: str, region: str) -> dict:
    """One record of a DynamoDB Streams event, from ``dynamodbstreams.get_records``."""
    change = dict(record["dynamodb"])
    if "ApproximateCreationDateTime" in change:
        change["ApproximateCreationDateTime"] = _epoch(change["ApproximateCreationDateTime"])
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }

