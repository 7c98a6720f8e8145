"""Asynchronous invocation: S3, SNS, EventBridge and InvocationType=Event; retries, destinations, DLQ."""

from __future__ import annotations

import json

import course


def _failing(calls, rt):
    def handler(event, context):
        calls.append(rt.clock.now())
        raise RuntimeError("thumbnail service down")
    return handler


def test_s3_put_invokes_the_function_with_prefix_and_suffix_filters(aws):
    events = []
    arn = aws.function("thumbs", lambda e, c: events.append(e))
    aws.s3.create_bucket(Bucket="photos")
    aws.s3.put_bucket_notification_configuration(Bucket="photos", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{
            "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"},
                                               {"Name": "suffix", "Value": ".jpg"}]}}}]})
    for key in ("uploads/cat.jpg", "uploads/notes.txt", "other/dog.jpg"):
        aws.s3.put_object(Bucket="photos", Key=key, Body=b"x")
    assert events == []  # asynchronous: nothing runs until the runtime is driven
    course.lambdas.drain()
    assert [e["Records"][0]["s3"]["object"]["key"] for e in events] == ["uploads/cat.jpg"]
    record = events[0]["Records"][0]
    assert record["eventName"] == "ObjectCreated:Put" and record["eventSource"] == "aws:s3"
    assert record["s3"]["bucket"]["name"] == "photos"


def test_sns_publish_invokes_a_subscribed_function_with_the_message(aws):
    events = []
    arn = aws.function("notify", lambda e, c: events.append(e))
    topic = aws.sns.create_topic(Name="orders")["TopicArn"]
    subscription = aws.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)["SubscriptionArn"]
    message_id = aws.sns.publish(TopicArn=topic, Message="order 7 paid", Subject="paid",
                                 MessageAttributes={"kind": {"DataType": "String", "StringValue": "paid"}}
                                 )["MessageId"]
    course.lambdas.drain()
    (record,) = events[0]["Records"]
    assert record["EventSubscriptionArn"] == subscription
    assert record["Sns"]["Message"] == "order 7 paid" and record["Sns"]["MessageId"] == message_id
    assert record["Sns"]["TopicArn"] == topic and record["Sns"]["Subject"] == "paid"
    assert record["Sns"]["MessageAttributes"]["kind"] == {"Type": "String", "Value": "paid"}


def test_sns_filter_policies_still_apply_to_lambda_subscriptions(aws):
    events = []
    arn = aws.function("notify", lambda e, c: events.append(e))
    topic = aws.sns.create_topic(Name="orders")["TopicArn"]
    aws.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn,
                      Attributes={"FilterPolicy": json.dumps({"kind": ["paid"]})})
    for kind in ("paid", "cancelled"):
        aws.sns.publish(TopicArn=topic, Message=kind,
                        MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}})
    course.lambdas.drain()
    assert [e["Records"][0]["Sns"]["Message"] for e in events] == ["paid"]


def test_eventbridge_rule_with_a_lambda_target_and_an_event_pattern(aws):
    events = []
    arn = aws.function("audit", lambda e, c: events.append(e))
    aws.events.put_rule(Name="paid", EventPattern=json.dumps(
        {"source": ["shop.orders"], "detail-type": ["OrderPaid"]}))
    aws.events.put_targets(Rule="paid", Targets=[{"Id": "audit", "Arn": arn}])
    aws.events.put_events(Entries=[
        {"Source": "shop.orders", "DetailType": "OrderPaid", "Detail": json.dumps({"order": 7})},
        {"Source": "shop.orders", "DetailType": "OrderShipped", "Detail": json.dumps({"order": 8})}])
    course.lambdas.drain()
    assert len(events) == 1
    assert events[0]["detail-type"] == "OrderPaid" and events[0]["source"] == "shop.orders"
    assert events[0]["detail"] == {"order": 7}


def test_a_failing_event_is_retried_twice_after_one_and_two_minutes(aws, rt):
    calls = []
    aws.function("fragile", _failing(calls, rt))
    aws.lam.invoke(FunctionName="fragile", InvocationType="Event", Payload=b"{}")
    course.lambdas.drain()
    assert calls == [0.0, 60.0, 180.0]


def test_maximum_retry_attempts_from_the_event_invoke_config(aws, rt):
    calls = []
    aws.function("fragile", _failing(calls, rt))
    aws.lam.put_function_event_invoke_config(FunctionName="fragile", MaximumRetryAttempts=0)
    aws.lam.invoke(FunctionName="fragile", InvocationType="Event", Payload=b"{}")
    course.lambdas.drain()
    assert calls == [0.0]


def test_the_on_failure_destination_receives_lambdas_invocation_record(aws, rt):
    calls = []
    arn = aws.function("fragile", _failing(calls, rt))
    url, queue_arn = aws.queue("failures")
    aws.lam.put_function_event_invoke_config(
        FunctionName="fragile", MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    aws.lam.invoke(FunctionName="fragile", InvocationType="Event", Payload=b'{"order": 7}')
    course.lambdas.drain()
    (record,) = aws.bodies(url)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["functionArn"] == f"{arn}:$LATEST"
    assert record["requestPayload"] == {"order": 7}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "thumbnail service down"


def test_the_on_success_destination_receives_the_response(aws):
    aws.function("ok", lambda e, c: {"done": e["order"]})
    url, queue_arn = aws.queue("successes")
    aws.lam.put_function_event_invoke_config(
        FunctionName="ok", DestinationConfig={"OnSuccess": {"Destination": queue_arn}})
    aws.lam.invoke(FunctionName="ok", InvocationType="Event", Payload=b'{"order": 7}')
    course.lambdas.drain()
    (record,) = aws.bodies(url)
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == {"done": 7}


def test_the_dead_letter_queue_receives_the_event_after_the_retries(aws, rt):
    calls = []
    url, queue_arn = aws.queue("fragile-dlq")
    aws.function("fragile", _failing(calls, rt), DeadLetterConfig={"TargetArn": queue_arn})
    aws.s3.create_bucket(Bucket="photos")
    aws.s3.put_bucket_notification_configuration(Bucket="photos", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": aws.lam.get_function(
            FunctionName="fragile")["Configuration"]["FunctionArn"], "Events": ["s3:ObjectCreated:*"]}]})
    aws.s3.put_object(Bucket="photos", Key="a.jpg", Body=b"x")
    course.lambdas.drain()
    assert len(calls) == 3
    messages = aws.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(messages[0]["Body"])["Records"][0]["s3"]["object"]["key"] == "a.jpg"
    assert messages[0]["MessageAttributes"]["ErrorMessage"]["StringValue"] == "thumbnail service down"
