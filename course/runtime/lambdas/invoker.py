"""One invocation: a handler run in an execution environment, with AWS's result shape.

The invoker takes an environment (cold or warm), builds the context, sets the
function's environment variables, captures what the handler prints, and turns
the outcome into what Lambda returns: the JSON payload, or for an exception the
error payload ``{errorMessage, errorType, requestId, stackTrace}`` with
``FunctionError: Unhandled``; the log ends with Lambda's REPORT line::

    invoker = Invoker(clock, Handlers(), Environments(clock))
    result = invoker.invoke(functions.lookup("fn", "us-east-1"), {"n": 1})
    result.ok, result.payload, result.cold_start, result.logs

The handler runs at once, in this process; its simulated duration is how far it
moved the clock plus ``durations[name]`` (0 unless set); its environment is busy
until ``ends_at`` (start + init on a cold start + duration). A handler that ran longer
than the function's Timeout fails with AWS's "Task timed out" error.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import traceback
import uuid
from dataclasses import dataclass

from course.runtime.lambdas.context import LambdaContext
from course.runtime.lambdas.handlers import HandlerError
from course.runtime.moto_turn import outside_moto

__all__ = ["Invocation", "Invoker"]


@dataclass
class Invocation:
    """What one invocation did: its payload or error, log, timing and environment."""

    function: str
    request_id: str
    event: object
    payload: object = None
    error_type: str | None = None
    logs: str = ""
    cold_start: bool = False
    environment: str | None = None
    started_at: float = 0.0
    duration_s: float = 0.0
    ends_at: float = 0.0
    source: str = "invoke"

    @property
    def ok(self) -> bool:
        return self.error_type is None

    @property
    def function_error(self) -> str | None:
        """The ``FunctionError`` header: "Unhandled" when the handler failed."""
        return None if self.ok else "Unhandled"

    def payload_bytes(self) -> bytes:
        return json.dumps(self.payload).encode()


def error_payload(error: BaseException, request_id: str, skip_frames: int = 1) -> dict:
    """Lambda's error payload for an exception raised by a handler."""
    frames = traceback.extract_tb(error.__traceback__)[skip_frames:]
    return {"errorMessage": str(error), "errorType": type(error).__name__,
            "requestId": request_id, "stackTrace": traceback.format_list(frames)}


@contextlib.contextmanager
def _function_environment(spec, context):
    """The variables Lambda sets, and the function's own, for the time of one call."""
    variables = {
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": context.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": context.log_stream_name,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "_HANDLER": spec.handler,
        **{k: str(v) for k, v in spec.environment.items()},
    }
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Invoker:
    """Runs handlers in environments; keeps every invocation in ``history``."""

    def __init__(self, clock, handlers, environments):
        self.clock = clock
        self.handlers = handlers
        self.environments = environments
        self.durations: dict[str, float] = {}
        self.history: list[Invocation] = []

    def invoke(self, spec, event, source: str = "invoke") -> Invocation:
        """Run ``spec``'s handler on ``event``; raises Throttled when no concurrency is left."""
        request_id = str(uuid.uuid4())
        started = self.clock.now()
        result = Invocation(function=spec.name, request_id=request_id, event=event,
                            started_at=started, source=source)
        try:
            env, cold = self.environments.acquire(spec, self.handlers.load)
        except HandlerError as error:
            result.error_type = "Unhandled"
            result.payload = {"errorMessage": str(error), "errorType": error.error_type,
                              "requestId": request_id, "stackTrace": []}
            result.logs = f"[ERROR] {error.error_type}: {error}\n"
            result.ends_at = started
            self.history.append(result)
            return result
        result.cold_start, result.environment = cold, env.id
        context = LambdaContext(function_name=spec.name, function_arn=spec.arn,
                                memory_mb=spec.memory_mb, timeout_s=spec.timeout_s,
                                clock=self.clock, aws_request_id=request_id,
                                log_stream_name=env.id, cold_start=cold, started_at=started)
        out = io.StringIO()
        with _function_environment(spec, context), contextlib.redirect_stdout(out), outside_moto():
            self._run(self.handlers.current(spec.name, env.handler), event, context, result)
        init_s = self.environments.init_s if cold else 0.0
        result.duration_s = self.clock.now() - started + self.durations.get(spec.name, 0.0)
        if result.ok and result.duration_s > spec.timeout_s:
            result.error_type = "Unhandled"
            result.payload = {"errorMessage": f"Task timed out after {spec.timeout_s:.2f} seconds",
                              "errorType": "Sandbox.Timedout", "requestId": request_id,
                              "stackTrace": []}
        result.ends_at = started + init_s + result.duration_s
        self.environments.release(env, busy_until=result.ends_at)
        result.logs = _log(result, spec, out.getvalue(), init_s)
        self.history.append(result)
        return result

    @staticmethod
    def _run(handler, event, context, result: Invocation) -> None:
        try:
            result.payload = handler(event, context)
        except Exception as error:
            result.error_type = "Unhandled"
            result.payload = error_payload(error, context.aws_request_id)
            print(f"[ERROR] {type(error).__name__}: {error}")
            return
        try:
            json.dumps(result.payload)
        except (TypeError, ValueError) as error:
            result.error_type = "Unhandled"
            result.payload = {"errorMessage": f"Unable to marshal response: {error}",
                              "errorType": "Runtime.MarshalError",
                              "requestId": context.aws_request_id, "stackTrace": []}


def _log(result: Invocation, spec, printed: str, init_s: float) -> str:
    """The invocation's log as Lambda writes it to CloudWatch Logs."""
    rid = result.request_id
    duration_ms = result.duration_s * 1000
    report = (f"REPORT RequestId: {rid}\tDuration: {duration_ms:.2f} ms\t"
              f"Billed Duration: {max(1, int(-(-duration_ms // 1)))} ms\t"
              f"Memory Size: {spec.memory_mb} MB")
    if result.cold_start:
        report += f"\tInit Duration: {init_s * 1000:.2f} ms"
    lines = [f"START RequestId: {rid} Version: $LATEST", printed.rstrip("\n"),
             f"END RequestId: {rid}", report]
    return "\n".join(line for line in lines if line) + "\n"
