"""Where Lambda sends what it could not (or did) process: destinations and dead-letter queues.

Records have the shapes AWS documents, and are sent with boto3 to the mocked
SQS queue, SNS topic, EventBridge bus or Lambda function the ARN names::

    record = async_record(spec, event, invocation, condition="RetriesExhausted", attempts=3)
    send(clients, spec.on_failure, record, invoke_async)
    send_dead_letter(clients, spec.dead_letter_arn, event, invocation)
"""

from __future__ import annotations

import datetime as dt
import json

__all__ = ["async_record", "send", "send_dead_letter", "stream_record", "timestamp"]


def timestamp() -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _response_context(invocation) -> dict:
    context = {"statusCode": 200, "executedVersion": "$LATEST"}
    if invocation is not None and not invocation.ok:
        context["functionError"] = "Unhandled"
    return context


def async_record(spec, event, invocation, condition: str, attempts: int) -> dict:
    """The invocation record of an asynchronous invocation (``condition`` "Success" on success)."""
    record = {
        "version": "1.0",
        "timestamp": timestamp(),
        "requestContext": {"requestId": invocation.request_id if invocation else "",
                           "functionArn": spec.version_arn, "condition": condition,
                           "approximateInvokeCount": attempts},
        "requestPayload": event,
        "responseContext": _response_context(invocation),
    }
    if invocation is not None:
        record["responsePayload"] = invocation.payload
    return record


def stream_record(spec, invocation, attempts: int, condition: str, batch_info_key: str,
                  shard_id: str, records: list[dict], stream_arn: str,
                  sequence_of, arrival_of) -> dict:
    """The failure record of a Kinesis or DynamoDB Streams batch (metadata, not the data)."""
    return {
        "requestContext": {"requestId": invocation.request_id, "functionArn": spec.version_arn,
                           "condition": condition, "approximateInvokeCount": attempts},
        "responseContext": _response_context(invocation),
        "version": "1.0",
        "timestamp": timestamp(),
        batch_info_key: {
            "shardId": shard_id,
            "startSequenceNumber": sequence_of(records[0]),
            "endSequenceNumber": sequence_of(records[-1]),
            "approximateArrivalOfFirstRecord": arrival_of(records[0]),
            "approximateArrivalOfLastRecord": arrival_of(records[-1]),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }


def _queue_url(clients, arn: str) -> str:
    parts = arn.split(":")
    return clients("sqs").get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]


def send(clients, arn: str, record: dict, invoke_async) -> None:
    """Send ``record`` to the destination ``arn`` (SQS, SNS, EventBridge bus or Lambda)."""
    service = arn.split(":")[2]
    body = json.dumps(record)
    if service == "sqs":
        clients("sqs").send_message(QueueUrl=_queue_url(clients, arn), MessageBody=body)
    elif service == "sns":
        clients("sns").publish(TopicArn=arn, Message=body)
    elif service == "events":
        condition = record["requestContext"]["condition"]
        outcome = "Success" if condition == "Success" else "Failure"
        clients("events").put_events(Entries=[{
            "Source": "lambda", "DetailType": f"Lambda Function Invocation Result - {outcome}",
            "Detail": body, "EventBusName": arn, "Resources": [record["requestContext"]["functionArn"]]}])
    elif service == "lambda":
        invoke_async(arn, record)
    else:
        raise ValueError(f"unsupported destination {arn!r}: use SQS, SNS, EventBridge or Lambda")


def send_dead_letter(clients, arn: str, event, invocation) -> None:
    """Send the event itself to the function's dead-letter queue or topic, as Lambda does."""
    message = invocation.payload.get("errorMessage", "") if invocation and isinstance(
        invocation.payload, dict) else "Function throttled or event expired"
    request_id = invocation.request_id if invocation else ""
    body = json.dumps(event)
    if arn.split(":")[2] == "sqs":
        clients("sqs").send_message(QueueUrl=_queue_url(clients, arn), MessageBody=body,
                                    MessageAttributes={
                                        "RequestID": {"DataType": "String", "StringValue": request_id or "-"},
                                        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                                        "ErrorMessage": {"DataType": "String", "StringValue": message or "-"}})
    else:
        clients("sns").publish(TopicArn=arn, Message=body, MessageAttributes={
            "RequestID": {"DataType": "String", "StringValue": request_id or "-"},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": message or "-"}})
