"""SQS event source mappings: batches, windows, deletes, retries after the visibility timeout, DLQ."""

from __future__ import annotations

import json

import course


def _mapping(aws, queue_arn, function, **settings):
    return aws.lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=function,
                                               **settings)["UUID"]


def test_messages_wait_for_the_runtime_instead_of_being_lost_by_moto(aws):
    batches = []
    aws.function("worker", lambda e, c: batches.append([r["body"] for r in e["Records"]]))
    url, arn = aws.queue("jobs")
    _mapping(aws, arn, "worker")
    for i in range(3):
        aws.sqs.send_message(QueueUrl=url, MessageBody=f"job-{i}")
    assert aws.count(url) == (3, 0) and batches == []  # moto alone would have lost all three
    course.lambdas.drain()
    assert sorted(sum(batches, [])) == ["job-0", "job-1", "job-2"]
    assert aws.count(url) == (0, 0)


def test_batches_respect_batch_size_and_the_records_have_sqs_shape(aws, sandbox):
    batches = []
    aws.function("worker", lambda e, c: batches.append(e["Records"]))
    url, arn = aws.queue("jobs")
    _mapping(aws, arn, "worker", BatchSize=4)
    for i in range(10):
        aws.sqs.send_message(QueueUrl=url, MessageBody=str(i), MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "order"}})
    assert course.lambdas.drain() == 3
    assert [len(b) for b in batches] == [4, 4, 2]
    record = batches[0][0]
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["awsRegion"] == sandbox.region
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["kind"]["stringValue"] == "order"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
    assert {"messageId", "receiptHandle", "md5OfBody"} <= set(record)


def test_a_batching_window_waits_for_a_fuller_batch_on_the_clock(aws, rt):
    sizes = []
    aws.function("worker", lambda e, c: sizes.append(len(e["Records"])))
    url, arn = aws.queue("jobs")
    _mapping(aws, arn, "worker", BatchSize=5, MaximumBatchingWindowInSeconds=10)
    aws.sqs.send_message(QueueUrl=url, MessageBody="a")
    assert course.lambdas.poll_once() == 0  # window open, batch not full
    rt.clock.advance(4)
    aws.sqs.send_message(QueueUrl=url, MessageBody="b")
    assert course.lambdas.poll_once() == 0
    start = rt.clock.now()
    course.lambdas.drain()
    assert sizes == [2] and rt.clock.now() == start + 6  # invoked when the window closed


def test_a_failed_batch_returns_after_the_visibility_timeout_with_a_higher_receive_count(aws, rt):
    counts = []

    def handler(event, context):
        counts.append((rt.clock.now(), event["Records"][0]["attributes"]["ApproximateReceiveCount"]))
        if len(counts) < 3:
            raise RuntimeError("downstream unavailable")

    aws.function("worker", handler)
    url, arn = aws.queue("jobs", VisibilityTimeout=30)
    _mapping(aws, arn, "worker")
    aws.sqs.send_message(QueueUrl=url, MessageBody="x")
    course.lambdas.poll_once()
    assert aws.count(url) == (0, 1)  # in flight, not lost, not redelivered yet
    rt.clock.advance(29)
    assert course.lambdas.poll_once() == 0
    course.lambdas.drain()
    assert counts == [(0.0, "1"), (30.0, "2"), (60.0, "3")]
    assert aws.count(url) == (0, 0)


def test_after_max_receive_count_the_redrive_policy_moves_the_message_to_the_dlq(aws):
    attempts = []

    def handler(event, context):
        attempts.append(event["Records"][0]["messageId"])
        raise ValueError("poison")

    aws.function("worker", handler)
    dlq_url, dlq_arn = aws.queue("jobs-dlq")
    url, arn = aws.queue("jobs", VisibilityTimeout=10, RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}))
    _mapping(aws, arn, "worker")
    aws.sqs.send_message(QueueUrl=url, MessageBody="poison pill")
    course.lambdas.drain()
    assert len(attempts) == 3
    assert aws.count(url) == (0, 0)
    assert aws.bodies(dlq_url) == ["poison pill"]


def test_report_batch_item_failures_deletes_only_the_successes(aws, rt):
    seen = []

    def handler(event, context):
        seen.append([r["body"] for r in event["Records"]])
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                      for r in event["Records"] if r["body"] == "bad"]}

    aws.function("worker", handler)
    url, arn = aws.queue("jobs", VisibilityTimeout=20)
    _mapping(aws, arn, "worker", BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
    aws.sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": body} for i, body in enumerate(["ok1", "bad", "ok2"])])
    course.lambdas.poll_once()
    assert aws.count(url) == (0, 1)  # only "bad" is left, in flight
    rt.clock.advance(20)
    course.lambdas.poll_once()
    assert seen == [["ok1", "bad", "ok2"], ["bad"]]


def test_without_report_batch_item_failures_the_response_is_ignored(aws):
    aws.function("worker", lambda e, c: {"batchItemFailures": [
        {"itemIdentifier": e["Records"][0]["messageId"]}]})
    url, arn = aws.queue("jobs")
    _mapping(aws, arn, "worker")
    aws.sqs.send_message(QueueUrl=url, MessageBody="x")
    course.lambdas.poll_once()
    assert aws.count(url) == (0, 0)


def test_an_invalid_item_identifier_fails_the_whole_batch(aws):
    aws.function("worker", lambda e, c: {"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]})
    url, arn = aws.queue("jobs")
    _mapping(aws, arn, "worker", FunctionResponseTypes=["ReportBatchItemFailures"])
    aws.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "a"},
                                                      {"Id": "2", "MessageBody": "b"}])
    course.lambdas.poll_once()
    assert aws.count(url) == (0, 2)


def test_a_disabled_or_deleted_mapping_delivers_nothing(aws):
    calls = []
    aws.function("worker", lambda e, c: calls.append(e))
    url, arn = aws.queue("jobs")
    uuid = _mapping(aws, arn, "worker")
    aws.lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    aws.sqs.send_message(QueueUrl=url, MessageBody="x")
    course.lambdas.drain()
    aws.lam.delete_event_source_mapping(UUID=uuid)
    course.lambdas.drain()
    assert calls == [] and aws.count(url) == (1, 0)
