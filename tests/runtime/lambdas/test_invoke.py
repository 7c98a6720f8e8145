"""boto3's invoke runs the real handler: payload, errors, logs, zip handlers, context."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from botocore.exceptions import ClientError

import course
from course.runtime.lambdas import hooks


def _invoke(aws, name, event, **kwargs):
    response = aws.lam.invoke(FunctionName=name, Payload=json.dumps(event).encode(), **kwargs)
    return response, json.loads(response["Payload"].read())


def test_invoke_runs_the_registered_handler_and_returns_its_result(aws):
    aws.function("add", lambda event, context: {"sum": event["a"] + event["b"]})
    response, payload = _invoke(aws, "add", {"a": 2, "b": 3})
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert payload == {"sum": 5}
    assert response["ExecutedVersion"] == "$LATEST"


def test_a_raising_handler_gives_function_error_unhandled_and_the_error_payload(aws):
    def handler(event, context):
        raise KeyError("order-7")

    aws.function("broken", handler)
    response, payload = _invoke(aws, "broken", {})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "KeyError" and payload["errorMessage"] == "'order-7'"
    assert any("in handler" in line for line in payload["stackTrace"])
    assert not any("invoker.py" in line for line in payload["stackTrace"]), "runtime frames leak"


def test_log_result_only_with_log_type_tail_and_it_holds_prints_and_report(aws):
    def handler(event, context):
        print("processing", event["id"])
        return "ok"

    aws.function("chatty", handler)
    response, _ = _invoke(aws, "chatty", {"id": 9}, LogType="Tail")
    log = base64.b64decode(response["LogResult"]).decode()
    assert "processing 9" in log
    assert log.startswith("START RequestId:") and "REPORT RequestId:" in log
    assert "Init Duration" in log  # first call: a cold start
    response, _ = _invoke(aws, "chatty", {"id": 10})
    assert "LogResult" not in response


def test_the_handler_is_imported_from_the_zip_once_per_environment(aws, rt):
    aws.function("counter", files={"app.py": """
        import helper
        CALLS = 0
        def handler(event, context):
            global CALLS
            CALLS += 1
            return {"calls": CALLS, "twice": helper.twice(CALLS)}
        """, "helper.py": "def twice(n):\n    return 2 * n\n"})
    assert _invoke(aws, "counter", {})[1] == {"calls": 1, "twice": 2}
    assert _invoke(aws, "counter", {})[1] == {"calls": 2, "twice": 4}  # warm: same module
    rt.clock.advance(rt.environments.idle_expiry_s + 1)
    assert _invoke(aws, "counter", {})[1] == {"calls": 1, "twice": 2}  # new environment
    assert rt.environments.cold_starts["counter"] == 2


def test_a_missing_module_or_attribute_fails_like_lambda(aws):
    aws.function("nomodule", Handler="missing.handler")
    aws.function("noattr", Handler="app.nothere")
    response, payload = _invoke(aws, "nomodule", {})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert _invoke(aws, "noattr", {})[1]["errorType"] == "Runtime.HandlerNotFound"


def test_context_has_lambdas_attributes(aws):
    seen = {}

    @course.lambdas.handler("ctx")
    def handler(event, context):
        seen.update(name=context.function_name, arn=context.invoked_function_arn,
                    memory=context.memory_limit_in_mb, request=context.aws_request_id,
                    group=context.log_group_name, version=context.function_version,
                    remaining=context.get_remaining_time_in_millis())
        return context.aws_request_id

    arn = aws.function("ctx", MemorySize=256, Timeout=7)
    _, request_id = _invoke(aws, "ctx", {})
    assert seen == {"name": "ctx", "arn": arn, "memory": "256", "request": request_id,
                    "group": "/aws/lambda/ctx", "version": "$LATEST", "remaining": 7000}


def test_environment_variables_are_set_during_the_call_only(aws):
    import os

    aws.function("env", lambda e, c: [os.environ["TABLE"], os.environ["AWS_LAMBDA_FUNCTION_NAME"]],
                 Environment={"Variables": {"TABLE": "orders"}})
    assert _invoke(aws, "env", {})[1] == ["orders", "env"]
    assert "TABLE" not in os.environ


def test_a_handler_that_runs_past_its_timeout_times_out(aws, rt):
    aws.function("slow", lambda e, c: rt.clock.advance(5), Timeout=3)
    response, payload = _invoke(aws, "slow", {})
    assert response["FunctionError"] == "Unhandled"
    assert "Task timed out after 3.00 seconds" in payload["errorMessage"]


def test_an_unknown_function_is_resource_not_found(aws):
    with pytest.raises(ClientError) as error:
        aws.lam.invoke(FunctionName="nope", Payload=b"{}")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_invocation_type_event_is_accepted_and_runs_when_drained(aws):
    calls = []
    aws.function("later", lambda e, c: calls.append(e))
    response = aws.lam.invoke(FunctionName="later", InvocationType="Event", Payload=b'{"x": 1}')
    assert response["StatusCode"] == 202 and calls == []
    course.lambdas.drain()
    assert calls == [{"x": 1}]


def test_stopping_the_sandbox_restores_moto(sandbox):
    from moto.awslambda_simple.models import LambdaSimpleBackend

    assert hooks.installed() and LambdaSimpleBackend.invoke is hooks._invoke
    sandbox.stop()
    assert not hooks.installed()
    assert LambdaSimpleBackend.invoke is not hooks._invoke
    course.sandbox.start(quiet=True)
    assert LambdaSimpleBackend.invoke is hooks._invoke


def test_re_registering_a_handler_takes_effect_in_a_warm_environment(aws):
    aws.function("fn", lambda e, c: "old")
    assert _invoke(aws, "fn", {})[1] == "old"
    course.lambdas.handler_for("fn", lambda e, c: "new")  # a notebook cell re-run
    assert _invoke(aws, "fn", {})[1] == "new"


def test_server_mode_runs_handlers_for_invoke_and_for_drained_queues():
    box = course.sandbox.start(server=True, quiet=True)
    try:
        from tests.runtime.lambdas.conftest import Aws

        aws = Aws()
        batches = []
        aws.function("fn", lambda e, c: batches.append(len(e.get("Records", []))) or "ran")
        assert _invoke(aws, "fn", {})[1] == "ran"
        url, arn = aws.queue("jobs")
        aws.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn")
        aws.sqs.send_message(QueueUrl=url, MessageBody="x")
        course.lambdas.drain()
        assert batches == [0, 1] and box.endpoint_url.startswith("http://127.0.0.1:")
    finally:
        course.sandbox.start(quiet=True)


def test_in_server_mode_a_handler_behind_invoke_can_call_aws():
    """moto serves one request at a time; the invoke request steps out while its handler runs."""
    box = course.sandbox.start(server=True, quiet=True)
    try:
        from botocore.config import Config

        from tests.runtime.lambdas.conftest import Aws

        aws = Aws()
        url, _ = aws.queue("audit")

        def handler(event, context):
            aws.sqs.send_message(QueueUrl=url, MessageBody=event["note"])
            return "sent"

        aws.function("auditor", handler)
        quick = boto3.client("lambda", config=Config(read_timeout=10, retries={"total_max_attempts": 1}))
        response = quick.invoke(FunctionName="auditor", Payload=json.dumps({"note": "hello"}).encode())
        assert json.loads(response["Payload"].read()) == "sent", "the handler's own AWS call hung or failed"
        bodies = [m["Body"] for m in aws.sqs.receive_message(QueueUrl=url).get("Messages", [])]
        assert bodies == ["hello"] and box.endpoint_url.startswith("http://127.0.0.1:")
    finally:
        course.sandbox.start(quiet=True)
