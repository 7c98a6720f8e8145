"""Injected errors parse as the real ones: each service's code and HTTP status, in its protocol.

Every client here points at 127.0.0.1 port 1, where nothing listens: the injected
error answers in the service's place, and a request that got past it would be
refused on this machine (never sent anywhere else).
"""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.retries.standard import RetryEventAdapter, ThrottlingErrorDetector

from course import faults
from course.runtime.faults import responses
from course.clock import SimulatedClock

NOWHERE = "http://127.0.0.1:1"
QUEUE = "http://127.0.0.1:1/123456789012/q"

# boto3 name: (protocol, a call, the throttling code and HTTP status the real service uses)
THROTTLED = {
    "dynamodb": ("json", lambda c: c.put_item(TableName="t", Item={"k": {"S": "a"}}),
                 "ProvisionedThroughputExceededException", 400),
    "kinesis": ("json", lambda c: c.put_record(StreamName="s", Data=b"x", PartitionKey="p"),
                "ProvisionedThroughputExceededException", 400),
    "sqs": ("json", lambda c: c.send_message(QueueUrl=QUEUE, MessageBody="m"), "RequestThrottled", 403),
    "lambda": ("rest-json", lambda c: c.invoke(FunctionName="f"), "TooManyRequestsException", 429),
    "sns": ("query", lambda c: c.publish(TopicArn="arn:aws:sns:us-east-1:123456789012:t", Message="m"),
            "Throttling", 400),
    "s3": ("rest-xml", lambda c: c.put_object(Bucket="b", Key="k", Body=b"x"), "SlowDown", 503),
    "ec2": ("ec2", lambda c: c.describe_instances(), "RequestLimitExceeded", 503),
    # services without an entry of their own: their protocol's usual code
    "cloudwatch": ("json", lambda c: c.list_metrics(), "ThrottlingException", 400),
    "sts": ("query", lambda c: c.get_caller_identity(), "Throttling", 400),
    "route53": ("rest-xml", lambda c: c.list_hosted_zones(), "Throttling", 400),
    "cloudwatchomni": ("smithy-rpc-v2-cbor", lambda c: c.list_domains(), "ThrottlingException", 400),
}


def client(service, **retries):
    config = Config(retries=retries or {"mode": "standard", "total_max_attempts": 1})
    return boto3.client(service, endpoint_url=NOWHERE, config=config)


def failure(service, rule, **retries) -> tuple[ClientError, faults.Injector]:
    c = client(service, **retries)
    call = THROTTLED[service][1]
    with faults.inject(c, [rule], seed=0, clock=SimulatedClock()) as inj, pytest.raises(ClientError) as caught:
        call(c)
    return caught.value, inj


@pytest.mark.parametrize("service", THROTTLED)
def test_throttling_carries_the_services_own_code_and_status(service):
    protocol, _call, code, status = THROTTLED[service]
    assert client(service).meta.service_model.resolved_protocol == protocol
    error, inj = failure(service, faults.throttle())
    assert error.response["Error"]["Code"] == code
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == status
    modeled = client(service).exceptions.from_code(code)
    assert type(error) is modeled, "botocore raises the modeled exception class where there is one"
    assert [(a.outcome, a.injected, a.delivered) for a in inj.history] == [(code, "throttle", 0)]


@pytest.mark.parametrize("service", THROTTLED)
def test_botocore_counts_each_injected_throttle_as_throttling(service):
    """What the adaptive retry mode asks before it slows the client down."""
    c = client(service)
    detector, seen = ThrottlingErrorDetector(RetryEventAdapter()), []
    c.meta.events.register("needs-retry", lambda **kwargs: seen.append(detector.is_throttling_error(**kwargs)))
    with faults.inject(c, [faults.throttle()]), pytest.raises(ClientError):
        THROTTLED[service][1](c)
    assert seen == [True]


@pytest.mark.parametrize("mode", ["legacy", "standard"])
@pytest.mark.parametrize("service", THROTTLED)
def test_botocore_retries_each_injected_throttle(service, mode):
    _error, inj = failure(service, faults.throttle(), mode=mode, total_max_attempts=2)
    assert [a.attempt for a in inj.history] == [1, 2]


@pytest.mark.parametrize("service, status, code", [
    ("dynamodb", 500, "InternalServerError"), ("s3", 500, "InternalError"),
    ("lambda", 500, "ServiceException"), ("sns", 500, "InternalError"), ("sqs", 500, "InternalFailure"),
    ("dynamodb", 503, "ServiceUnavailable"), ("s3", 503, "ServiceUnavailable"),
    ("cloudwatchomni", 503, "ServiceUnavailable"),
])
def test_server_errors_carry_the_services_code_and_are_retried(service, status, code):
    error, inj = failure(service, faults.server_error(status), mode="standard", total_max_attempts=2)
    assert error.response["Error"]["Code"] == code
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert [a.outcome for a in inj.history] == [code, code], "a 5xx is retried"


def test_any_code_and_status_can_be_injected():
    error, _ = failure("sqs", faults.error("QueueDoesNotExist", 400))
    assert error.response["Error"]["Code"] == "QueueDoesNotExist"
    assert isinstance(error, client("sqs").exceptions.QueueDoesNotExist)
    error, _ = failure("dynamodb", faults.throttle("ThrottlingException"))
    assert error.response["Error"]["Code"] == "ThrottlingException"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_query_compatible_json_services_say_sender_or_receiver():
    error, _ = failure("sqs", faults.throttle())
    assert error.response["Error"]["Type"] == "Sender"
    error, _ = failure("sqs", faults.server_error())
    assert error.response["Error"]["Type"] == "Receiver"


def test_the_tables_name_what_botocore_retries_as_throttling():
    assert responses.throttle_error("s3") == ("SlowDown", 503)
    assert responses.throttle_error("some-new-service", "rest-json") == ("ThrottlingException", 400)
    assert responses.server_error("dynamodb") == "InternalServerError"
    assert responses.server_error("dynamodb", 503) == "ServiceUnavailable"


def test_long_messages_survive_the_cbor_encoding():
    model = client("cloudwatchomni").meta.service_model
    for length in (23, 24, 255, 256, 70000):
        response = responses.error_response(model, "ThrottlingException", 400, message="m" * length)
        parsed = _parse(model, response)
        assert parsed["Error"] == {"Code": "ThrottlingException", "Message": "m" * length}


def _parse(model, response):
    from botocore.endpoint import convert_to_response_dict
    from botocore.parsers import create_parser

    operation = model.operation_model(model.operation_names[0])
    return create_parser(model.resolved_protocol).parse(convert_to_response_dict(response, operation),
                                                        operation.output_shape)
