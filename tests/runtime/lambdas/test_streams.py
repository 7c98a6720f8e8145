"""Kinesis and DynamoDB Streams mappings: shard order, retry in place, retries limit, OnFailure, bisect."""

from __future__ import annotations

import base64
import json

import course


def _stream(aws, name="clicks"):
    aws.kinesis.create_stream(StreamName=name, ShardCount=1)
    return aws.kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]


def _put(aws, values, name="clicks"):
    for value in values:
        aws.kinesis.put_record(StreamName=name, Data=json.dumps(value).encode(), PartitionKey="user-1")


def _decoded(event):
    return [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]


def test_kinesis_batches_arrive_in_shard_order_with_the_kinesis_shape(aws):
    batches = []
    aws.function("clicks", lambda e, c: batches.append(e))
    arn = _stream(aws)
    aws.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="clicks",
                                        StartingPosition="TRIM_HORIZON", BatchSize=3)
    _put(aws, range(7))
    course.lambdas.drain()
    assert [_decoded(b) for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    record = batches[0]["Records"][0]
    assert record["eventSource"] == "aws:kinesis" and record["eventSourceARN"] == arn
    assert record["kinesis"]["partitionKey"] == "user-1"
    assert record["eventID"].endswith(record["kinesis"]["sequenceNumber"])


def test_latest_starts_after_the_records_already_in_the_stream(aws):
    batches = []
    aws.function("clicks", lambda e, c: batches.append(_decoded(e)))
    arn = _stream(aws)
    _put(aws, ["old"])
    aws.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="clicks", StartingPosition="LATEST")
    _put(aws, ["new"])
    course.lambdas.drain()
    assert batches == [["new"]]


def test_a_failing_batch_is_retried_in_place_and_holds_the_shard(aws):
    batches = []

    def handler(event, context):
        batches.append(_decoded(event))
        if len(batches) < 3:
            raise RuntimeError("transient")

    aws.function("clicks", handler)
    arn = _stream(aws)
    aws.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="clicks",
                                        StartingPosition="TRIM_HORIZON", BatchSize=2)
    _put(aws, range(4))
    course.lambdas.drain()
    assert batches == [[0, 1], [0, 1], [0, 1], [2, 3]]


def test_after_maximum_retry_attempts_the_batch_goes_to_the_on_failure_destination(aws):
    batches = []

    def handler(event, context):
        batches.append(_decoded(event))
        if 0 in batches[-1]:
            raise RuntimeError("poison record")

    aws.function("clicks", handler)
    arn = _stream(aws)
    url, queue_arn = aws.queue("stream-failures")
    aws.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="clicks", StartingPosition="TRIM_HORIZON", BatchSize=2,
        MaximumRetryAttempts=2, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    _put(aws, range(4))
    course.lambdas.drain()
    assert batches == [[0, 1]] * 3 + [[2, 3]]
    (record,) = aws.bodies(url)
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    info = record["KinesisBatchInfo"]
    assert info["batchSize"] == 2 and info["streamArn"] == arn and info["shardId"].startswith("shardId-")


def test_bisect_on_error_isolates_the_bad_record(aws):
    batches = []

    def handler(event, context):
        batches.append(_decoded(event))
        if 2 in batches[-1]:
            raise RuntimeError("poison record")

    aws.function("clicks", handler)
    arn = _stream(aws)
    aws.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="clicks", StartingPosition="TRIM_HORIZON", BatchSize=4,
        BisectBatchOnFunctionError=True, MaximumRetryAttempts=0)
    _put(aws, range(4))
    course.lambdas.drain()
    assert batches == [[0, 1, 2, 3], [0, 1], [2, 3], [2], [3]]


def test_dynamodb_stream_records_insert_modify_remove_in_order(aws):
    records = []
    aws.function("projector", lambda e, c: records.extend(e["Records"]))
    aws.ddb.create_table(TableName="orders", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    stream_arn = aws.ddb.describe_table(TableName="orders")["Table"]["LatestStreamArn"]
    aws.lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName="projector",
                                        StartingPosition="TRIM_HORIZON")
    aws.ddb.put_item(TableName="orders", Item={"id": {"S": "7"}, "state": {"S": "new"}})
    aws.ddb.put_item(TableName="orders", Item={"id": {"S": "7"}, "state": {"S": "paid"}})
    aws.ddb.delete_item(TableName="orders", Key={"id": {"S": "7"}})
    course.lambdas.drain()
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert records[1]["dynamodb"]["OldImage"]["state"] == {"S": "new"}
    assert records[1]["dynamodb"]["NewImage"]["state"] == {"S": "paid"}
    assert records[2]["dynamodb"]["Keys"] == {"id": {"S": "7"}}
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence == sorted(sequence) and records[0]["eventSourceARN"] == stream_arn
