"""The sandbox's duties: offline environment, moto first, Step Functions, server mode, reset."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

import course
from course.runtime import netguard
from course.runtime import sandbox as sb


@pytest.fixture()
def sandbox(clean_aws_env):
    box = course.sandbox.start(quiet=True)
    yield box
    course.sandbox.start(quiet=True)


def test_real_credentials_are_replaced_by_fake_ones(sandbox):
    fake_keys = {"testing", "FOOBARKEY"}  # the course's own, or moto's while it mocks
    assert os.environ["AWS_ACCESS_KEY_ID"] in fake_keys
    assert os.environ["AWS_SECRET_ACCESS_KEY"] != "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    assert "AWS_PROFILE" not in os.environ
    creds = boto3.session.Session().get_credentials()
    assert creds.access_key != "AKIAIOSFODNN7EXAMPLE"
    assert os.environ["AWS_DEFAULT_REGION"] == sandbox.region == "us-east-1"
    assert os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] == "disabled"


ONE_TRY = Config(retries={"total_max_attempts": 1})  # no back-off when the guard is off


def _would_leave(sandbox):
    """Calls that moto does not answer in this process: each would open a connection.

    A client pointed at a host that is neither AWS nor loopback (moto lets it
    through to the network), and the default client once the mock is stopped.
    """
    yield "aws-mirror.example.com", lambda: boto3.client(
        "s3", endpoint_url="https://aws-mirror.example.com", config=ONE_TRY).list_buckets()
    sandbox.stop()
    yield "s3.amazonaws.com", lambda: boto3.client("s3", config=ONE_TRY).list_buckets()


def test_calls_with_real_looking_credentials_stay_on_the_machine(sandbox, recorder):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="course-data")
    s3.put_object(Bucket="course-data", Key="k", Body=b"v")
    assert s3.get_object(Bucket="course-data", Key="k")["Body"].read() == b"v"
    assert recorder.lookups == [] and recorder.connects == [], "moto answered in this process"
    for host, call in _would_leave(sandbox):
        with pytest.raises(Exception, match=f"Blocked a network connection to {host}"):
            call()
        assert recorder.lookups == [] and recorder.connects == [], \
            f"a call to {host} reached the socket layer: the network guard is off"


def test_without_the_guard_those_calls_would_reach_the_network(sandbox, recorder):
    """The control: the calls above really open connections (here only into the recorder)."""
    netguard.uninstall()
    for host, call in _would_leave(sandbox):
        with pytest.raises(EndpointConnectionError):
            call()
    assert recorder.lookups == ["aws-mirror.example.com", "s3.amazonaws.com"]


def test_moto_is_loaded_before_any_boto3_session():
    code = textwrap.dedent("""
        import sys
        import course
        assert "moto" in sys.modules, "import course loads moto"
        import boto3
        course.sandbox.start(quiet=True)
        print(boto3.client("sqs").create_queue(QueueName="q")["QueueUrl"])
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "AWS_ACCESS_KEY_ID": "AKIAREALLOOKING"})
    assert result.returncode == 0, result.stderr
    assert "/q" in result.stdout


def test_step_functions_executes_state_machines(sandbox):
    sfn = boto3.client("stepfunctions")
    definition = {"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Result": {"ok": 1}, "End": True}}}
    arn = sfn.create_state_machine(name="m", definition=json.dumps(definition),
                                   roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    for _ in range(200):
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            break
        threading.Event().wait(0.02)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"ok": 1}


def test_dynamodb_streams_work_with_account_id_endpoints_disabled(sandbox):
    ddb = boto3.client("dynamodb")
    table = ddb.create_table(
        TableName="events", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]
    ddb.put_item(TableName="events", Item={"id": {"S": "1"}})
    streams = boto3.client("dynamodbstreams")
    shards = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=table["LatestStreamArn"], ShardId=shards[0]["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["eventName"] for r in records] == ["INSERT"]


def test_starting_again_wipes_every_resource(sandbox):
    boto3.client("s3").create_bucket(Bucket="first-run")
    course.sandbox.start(quiet=True)
    assert boto3.client("s3").list_buckets()["Buckets"] == []


def test_reset_keeps_the_sandbox_active(sandbox):
    boto3.client("sqs").create_queue(QueueName="q")
    sandbox.reset()
    assert boto3.client("sqs").list_queues().get("QueueUrls", []) == []


def test_server_mode_serves_on_loopback_and_loses_no_concurrent_update(clean_aws_env):
    box = course.sandbox.start(server=True, quiet=True)
    try:
        assert box.endpoint_url.startswith("http://127.0.0.1:")
        assert os.environ["AWS_ENDPOINT_URL"] == box.endpoint_url
        ddb = box.client("dynamodb")
        ddb.create_table(TableName="counter", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        ddb.put_item(TableName="counter", Item={"k": {"S": "c"}, "n": {"N": "0"}})

        def add(times: int) -> None:
            client = box.client("dynamodb")  # one client per thread
            for _ in range(times):
                client.update_item(TableName="counter", Key={"k": {"S": "c"}},
                                   UpdateExpression="ADD n :one",
                                   ExpressionAttributeValues={":one": {"N": "1"}})

        threads = [threading.Thread(target=add, args=(15,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        item = ddb.get_item(TableName="counter", Key={"k": {"S": "c"}})["Item"]
        assert item["n"]["N"] == "120"
    finally:
        course.sandbox.start(quiet=True)
    assert "AWS_ENDPOINT_URL" not in os.environ


def test_sandbox_describes_itself(sandbox):
    assert "network off" in repr(sandbox)
    assert sb.active() is sandbox


def test_a_spawned_child_keeps_using_the_sandbox_server(clean_aws_env):
    box = course.sandbox.start(server=True, quiet=True)
    try:
        box.client("s3").create_bucket(Bucket="from-the-parent")
        code = "import boto3, course; print([b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']])"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                env={**os.environ}, timeout=60)
        assert "from-the-parent" in result.stdout, result.stderr
    finally:
        course.sandbox.start(quiet=True)


def test_a_remote_endpoint_url_is_dropped(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://example.com")
    sb.use_offline_environment()
    assert "AWS_ENDPOINT_URL" not in os.environ
