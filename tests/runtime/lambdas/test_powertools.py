"""aws-lambda-powertools against the runtime: its data classes parse every event, batch and idempotency work."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.data_classes import (
    APIGatewayProxyEvent, APIGatewayProxyEventV2, DynamoDBStreamEvent, EventBridgeEvent,
    KinesisStreamEvent, S3Event, SNSEvent, SQSEvent)

import course


def _capture(aws, name):
    captured = []
    return aws.function(name, lambda e, c: captured.append(e)), captured


def test_sqs_event_parses(aws):
    arn, captured = _capture(aws, "fn")
    url, queue_arn = aws.queue("jobs")
    aws.lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="fn")
    sent = aws.sqs.send_message(QueueUrl=url, MessageBody='{"n": 1}', MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "order"}})
    course.lambdas.drain()
    record = next(SQSEvent(captured[0]).records)
    assert record.message_id == sent["MessageId"] and record.json_body == {"n": 1}
    assert record.attributes.approximate_receive_count == "1"
    assert record.attributes.sent_timestamp and record.receipt_handle
    assert record.message_attributes["kind"].string_value == "order"
    assert record.event_source_arn == queue_arn and record.aws_region == "us-east-1"
    assert record.queue_url.endswith("/jobs")


def test_s3_event_parses(aws):
    arn, captured = _capture(aws, "fn")
    aws.s3.create_bucket(Bucket="photos")
    aws.s3.put_bucket_notification_configuration(Bucket="photos", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:Put"]}]})
    aws.s3.put_object(Bucket="photos", Key="in/my cat.jpg", Body=b"12345")
    course.lambdas.drain()
    event = S3Event(captured[0])
    assert event.bucket_name == "photos" and event.object_key == "in/my cat.jpg"
    record = event.record
    assert record.event_name == "ObjectCreated:Put" and record.s3.get_object.size == 5
    assert record.user_identity.principal_id and record.request_parameters.source_ip_address
    assert record.s3.get_object.sequencer and record.s3.bucket.owner_identity.principal_id


def test_sns_event_parses(aws):
    arn, captured = _capture(aws, "fn")
    topic = aws.sns.create_topic(Name="orders")["TopicArn"]
    aws.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    aws.sns.publish(TopicArn=topic, Message="paid", Subject="s",
                    MessageAttributes={"kind": {"DataType": "String", "StringValue": "paid"}})
    course.lambdas.drain()
    event = SNSEvent(captured[0])
    assert event.sns_message == "paid" and event.record.sns.topic_arn == topic
    assert event.record.sns.message_attributes["kind"].value == "paid"
    assert event.record.sns.subject == "s" and event.record.event_source == "aws:sns"


def test_eventbridge_event_parses(aws):
    arn, captured = _capture(aws, "fn")
    aws.events.put_rule(Name="paid", EventPattern=json.dumps({"source": ["shop"]}))
    aws.events.put_targets(Rule="paid", Targets=[{"Id": "fn", "Arn": arn}])
    aws.events.put_events(Entries=[{"Source": "shop", "DetailType": "OrderPaid",
                                    "Detail": json.dumps({"order": 7}), "Resources": ["r"]}])
    course.lambdas.drain()
    event = EventBridgeEvent(captured[0])
    assert event.detail_type == "OrderPaid" and event.source == "shop" and event.detail == {"order": 7}
    assert event.account == "123456789012" and event.region == "us-east-1"
    assert event.resources == ["r"] and event.time.endswith("Z") and event.get_id


def test_dynamodb_stream_event_parses(aws):
    arn, captured = _capture(aws, "fn")
    aws.ddb.create_table(TableName="orders", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    stream = aws.ddb.describe_table(TableName="orders")["Table"]["LatestStreamArn"]
    aws.lam.create_event_source_mapping(EventSourceArn=stream, FunctionName="fn", StartingPosition="LATEST")
    aws.ddb.put_item(TableName="orders", Item={"id": {"S": "7"}, "total": {"N": "12"}})
    aws.ddb.update_item(TableName="orders", Key={"id": {"S": "7"}}, UpdateExpression="SET #t = :t", ExpressionAttributeNames={"#t": "total"},
                        ExpressionAttributeValues={":t": {"N": "15"}})
    course.lambdas.drain()
    insert, modify = DynamoDBStreamEvent(captured[0]).records
    assert insert.event_name.name == "INSERT" and modify.event_name.name == "MODIFY"
    assert insert.dynamodb.keys == {"id": "7"}
    assert modify.dynamodb.old_image["total"] == 12 and modify.dynamodb.new_image["total"] == 15
    assert int(modify.dynamodb.sequence_number) > int(insert.dynamodb.sequence_number)
    assert insert.event_source_arn == stream and insert.dynamodb.approximate_creation_date_time


def test_kinesis_event_parses(aws):
    arn, captured = _capture(aws, "fn")
    aws.kinesis.create_stream(StreamName="clicks", ShardCount=1)
    stream = aws.kinesis.describe_stream(StreamName="clicks")["StreamDescription"]["StreamARN"]
    aws.lam.create_event_source_mapping(EventSourceArn=stream, FunctionName="fn", StartingPosition="LATEST")
    put = aws.kinesis.put_record(StreamName="clicks", Data=b'{"page": "/"}', PartitionKey="u1")
    course.lambdas.drain()
    record = next(KinesisStreamEvent(captured[0]).records)
    assert record.kinesis.data_as_json() == {"page": "/"} and record.kinesis.partition_key == "u1"
    assert record.kinesis.sequence_number == put["SequenceNumber"]
    assert record.event_source_arn == stream and record.kinesis.approximate_arrival_timestamp > 0


def test_api_gateway_rest_v1_event_and_response_mapping(aws):
    seen = []

    def handler(event, context):
        request = APIGatewayProxyEvent(event)
        seen.append(request)
        return {"statusCode": 201, "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"id": request.path_parameters["id"]}), "isBase64Encoded": False}

    aws.function("api", handler)
    response = course.lambdas.call_api("api", "POST", "/orders/7", version="1.0", body='{"qty": 2}',
                                       query={"dry": "1"}, path_parameters={"id": "7"}, route="/orders/{id}")
    request = seen[0]
    assert request.http_method == "POST" and request.path == "/orders/7" and request.json_body == {"qty": 2}
    assert request.query_string_parameters == {"dry": "1"} and request.resource == "/orders/{id}"
    assert request.request_context.stage == "prod" and request.request_context.identity.source_ip
    assert response.status == 201 and response.json() == {"id": "7"}
    assert response.headers["Content-Type"] == "application/json"


def test_api_gateway_http_v2_event_and_response_mapping(aws):
    seen = []

    def handler(event, context):
        seen.append(APIGatewayProxyEventV2(event))
        return {"items": [1, 2]}  # HTTP APIs accept any JSON: a 200 with it as the body

    aws.function("api", handler)
    response = course.lambdas.call_api("api", "GET", "/items", query={"page": "2"}, route="/items")
    request = seen[0]
    assert request["version"] == "2.0"
    assert request.raw_path == "/items" and request.route_key == "GET /items"
    assert request.request_context.http.method == "GET" and request.raw_query_string == "page=2"
    assert request.query_string_parameters == {"page": "2"}
    assert response.status == 200 and response.json() == {"items": [1, 2]}


def test_api_gateway_maps_errors_and_malformed_responses(aws):
    aws.function("boom", lambda e, c: 1 / 0)
    aws.function("malformed", lambda e, c: "not a proxy response")
    aws.function("binary", lambda e, c: {"statusCode": 200, "body": "aGk=", "isBase64Encoded": True})
    assert course.lambdas.call_api("boom", "GET", "/", version="1.0").status == 502
    assert course.lambdas.call_api("malformed", "GET", "/", version="1.0").status == 502
    assert course.lambdas.call_api("boom", "GET", "/").status == 500
    assert course.lambdas.call_api("binary", "GET", "/").body == b"hi"


@pytest.fixture()
def powertools_offline(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "course")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "course")
    monkeypatch.setenv("POWERTOOLS_DEV", "false")


def test_batch_processor_partial_failures_delete_only_successes_and_retry_the_failure(
        aws, rt, powertools_offline):
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)
    handled = []

    def record_handler(record):
        handled.append((record.body, record.attributes.approximate_receive_count))
        if record.body == "bad" and record.attributes.approximate_receive_count == "1":
            raise ValueError("first try fails")

    def handler(event, context):
        return process_partial_response(event=event, record_handler=record_handler,
                                        processor=processor, context=context)

    aws.function("worker", handler)
    url, arn = aws.queue("jobs", VisibilityTimeout=30)
    aws.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", BatchSize=10,
                                        FunctionResponseTypes=["ReportBatchItemFailures"])
    aws.sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": body} for i, body in enumerate(["a", "bad", "b"])])
    course.lambdas.poll_once()
    assert sorted(handled) == [("a", "1"), ("b", "1"), ("bad", "1")]
    assert aws.count(url) == (0, 1)  # a and b deleted; bad in flight
    course.lambdas.drain()
    assert handled[-1] == ("bad", "2") and len(handled) == 4
    assert aws.count(url) == (0, 0)


def test_idempotency_makes_a_duplicate_delivery_a_no_op(aws, powertools_offline):
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer, IdempotencyConfig, idempotent)

    aws.ddb.create_table(TableName="idempotency", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    aws.ddb.create_table(TableName="payments", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "payment", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "payment", "AttributeType": "S"}])
    persistence = DynamoDBPersistenceLayer(table_name="idempotency")
    charges = []

    @idempotent(persistence_store=persistence,
                config=IdempotencyConfig(event_key_jmespath="Records[0].body", use_local_cache=False))
    def handler(event, context):
        payment = json.loads(event["Records"][0]["body"])["payment"]
        charges.append(payment)
        aws.ddb.update_item(TableName="payments", Key={"payment": {"S": payment}},
                            UpdateExpression="ADD charged :one", ExpressionAttributeValues={":one": {"N": "1"}})
        return {"charged": payment}

    aws.function("charge", handler)
    url, arn = aws.queue("payments")
    aws.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="charge", BatchSize=1)
    for _ in range(2):  # the same message delivered twice (at-least-once)
        aws.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"payment": "p-1"}))
    assert course.lambdas.drain() == 2
    assert charges == ["p-1"]
    item = aws.ddb.get_item(TableName="payments", Key={"payment": {"S": "p-1"}})["Item"]
    assert item["charged"] == {"N": "1"}
    assert aws.ddb.scan(TableName="idempotency")["Count"] == 1
