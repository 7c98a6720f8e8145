"""course.sim.calls: counting a boto3 client's calls, and hooks that never outlive their block."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config

import course
from course.sim.calls import count_calls, hooked


@pytest.fixture()
def s3():
    course.sandbox.start(quiet=True)
    client = boto3.client("s3")
    client.create_bucket(Bucket="calls")
    return client


def test_counts_each_operation_of_the_block(s3):
    with count_calls(s3) as calls:
        s3.put_object(Bucket="calls", Key="a", Body=b"1")
        s3.put_object(Bucket="calls", Key="b", Body=b"2")
        s3.get_object(Bucket="calls", Key="a")
    assert calls == {"PutObject": 2, "GetObject": 1}


def test_calls_after_the_block_or_by_another_client_are_not_counted(s3):
    other = boto3.client("s3")
    with count_calls(s3) as calls:
        s3.list_buckets()
        other.list_buckets()
    s3.list_buckets()
    assert calls == {"ListBuckets": 1}


def test_the_hook_is_removed_even_when_the_block_raises(s3):
    with pytest.raises(ZeroDivisionError):
        with count_calls(s3) as calls:
            s3.list_buckets()
            1 / 0
    s3.list_buckets()
    assert calls == {"ListBuckets": 1}


def test_a_retried_call_counts_once():
    course.sandbox.start(quiet=True)
    ddb = boto3.client("dynamodb", config=Config(retries={"total_max_attempts": 3, "mode": "standard"}))
    attempts = []
    remove = course.faults.add_errors(ddb, rate=1.0, code="ThrottlingException")
    try:
        with count_calls(ddb) as calls, hooked(ddb, "before-send", lambda **kwargs: attempts.append(1)):
            with pytest.raises(ddb.exceptions.ClientError):
                ddb.list_tables()
    finally:
        remove()
    assert calls == {"ListTables": 1}
    assert len(attempts) == 3, "botocore did retry"


def test_hooked_changes_requests_only_inside_the_block(s3):
    for key in "abcde":
        s3.put_object(Bucket="calls", Key=key, Body=b"x")

    def two_keys_per_page(params, **kwargs):
        params["MaxKeys"] = 2

    event = "provide-client-params.s3.ListObjectsV2"
    with hooked(s3, [event], two_keys_per_page):
        assert s3.list_objects_v2(Bucket="calls")["KeyCount"] == 2
    assert s3.list_objects_v2(Bucket="calls")["KeyCount"] == 5
