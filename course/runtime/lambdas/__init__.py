"""A local Lambda runtime: it stands in for the Lambda service, which moto cannot run here.

moto stores functions but runs their code only in Docker. With the sandbox
started, this package runs Python handlers **in this process**, with the event
shapes AWS sends, through the ordinary boto3 calls::

    import boto3, course
    course.sandbox.start()                        # installs a fresh runtime
    aws_lambda = boto3.client("lambda")
    aws_lambda.create_function(FunctionName="worker", Runtime="python3.12", Role=role_arn,
                               Handler="app.handler", Code={"ZipFile": zip_bytes})
    course.lambdas.handler_for("worker", handler)  # or let it import app.handler from the zip
    aws_lambda.invoke(FunctionName="worker", Payload=b'{"n": 1}')  # runs handler now
    aws_lambda.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="worker")
    sqs.send_message(QueueUrl=url, MessageBody="hi")
    course.lambdas.drain()                        # poll, invoke, retry, on simulated time

What runs when: a synchronous ``invoke`` runs the handler inside the call (and the
clock moves to its end: the caller waited, cold-start init included); every
other path (event source mappings, S3 notifications, SNS, EventBridge, async
``invoke``) waits for :func:`poll_once` / :func:`drain`, so notebooks and tests are
deterministic; nothing runs in a background thread. Time (visibility timeouts, batching windows, retry delays, idle
environments) is the runtime's clock: a ``SimulatedClock`` unless :func:`configure`
gives another.

Modules: :mod:`.runtime` (the runtime), :mod:`.hooks` (moto methods replaced),
:mod:`.invoker`, :mod:`.context`, :mod:`.handlers`, :mod:`.environments`,
:mod:`.functions`, :mod:`.events`, :mod:`.apigateway`, :mod:`.sqs_poller`,
:mod:`.stream_poller`, :mod:`.asynchronous`, :mod:`.destinations`.
"""

from __future__ import annotations

from course.runtime.lambdas import hooks
from course.runtime.lambdas.apigateway import ApiResponse
from course.runtime.lambdas.context import LambdaContext
from course.runtime.lambdas.invoker import Invocation
from course.runtime.lambdas.runtime import LambdaRuntime

__all__ = ["ApiResponse", "Invocation", "LambdaContext", "LambdaRuntime", "call_api", "configure",
           "drain", "handler", "handler_for", "install", "poll_once", "run_until_idle", "runtime",
           "uninstall"]

_runtime: LambdaRuntime | None = None


def install(region: str = "us-east-1", **settings) -> LambdaRuntime:
    """A fresh runtime (no handlers, no pollers) with moto's Lambda paths routed to it.

    ``course.sandbox.start()`` calls this; ``settings`` are :class:`LambdaRuntime`'s.
    """
    global _runtime
    if _runtime is not None:
        _runtime.close()
    _runtime = LambdaRuntime(region=region, **settings)
    hooks.install(runtime)
    return _runtime


def uninstall() -> None:
    """moto's own Lambda behaviour again (``course.sandbox`` calls this when it stops)."""
    global _runtime
    hooks.uninstall()
    if _runtime is not None:
        _runtime.close()
    _runtime = None


def runtime() -> LambdaRuntime:
    """The sandbox's runtime; start the sandbox first."""
    if _runtime is None:
        raise RuntimeError("no Lambda runtime: start the sandbox first (course.sandbox.start())")
    return _runtime


def configure(*, clock=None, init_s: float | None = None, idle_expiry_s: float | None = None,
              account_limit: int | None = None) -> LambdaRuntime:
    """Change the clock, the cold-start init time, idle expiry or the account's concurrency limit."""
    rt = runtime()
    if clock is not None:
        rt.clock = clock
    for name, value in (("init_s", init_s), ("idle_expiry_s", idle_expiry_s),
                        ("account_limit", account_limit)):
        if value is not None:
            setattr(rt.environments, name, value)
    return rt


def handler_for(function_name: str, handler, *, duration_s: float | None = None):
    """Run the callable ``handler(event, context)`` for the function ``function_name``."""
    return runtime().handler_for(function_name, handler, duration_s=duration_s)


def handler(function_name: str, *, duration_s: float | None = None):
    """Decorator form of :func:`handler_for`."""
    return runtime().handler_for(function_name, duration_s=duration_s)


def poll_once() -> int:
    """Run what is due now; return the number of invocations."""
    return runtime().poll_once()


def run_until_idle(max_seconds: float = 3600.0) -> int:
    """Deliver everything, advancing the clock to each next due time (at most ``max_seconds``)."""
    return runtime().run_until_idle(max_seconds)


def drain(max_seconds: float = 3600.0) -> int:
    """Same as :func:`run_until_idle`: what a notebook calls after sending events."""
    return runtime().run_until_idle(max_seconds)


def call_api(function_name: str, method: str, path: str, **request) -> ApiResponse:
    """An HTTP request to the function through an API Gateway proxy integration."""
    return runtime().call_api(function_name, method, path, **request)
