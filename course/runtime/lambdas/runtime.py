"""The course's Lambda runtime: functions stored by moto, run in this process, on a clock.

It stands in for the Lambda service, which moto does not run without Docker. It
owns the handlers, the execution environments, the asynchronous queue and one
poller per event source mapping; nothing runs in the background: work happens
inside ``invoke`` (synchronous calls) or when asked, deterministically::

    rt = LambdaRuntime(clock=SimulatedClock(), region="us-east-1")
    rt.handler_for("worker", handler)
    rt.poll_once()                 # what is due now: queued events, every poller once
    rt.run_until_idle()            # and on, moving the clock to each next due time
    rt.history[-1].payload, rt.environments.cold_starts["worker"]
"""

from __future__ import annotations

import base64
import json
import threading

from moto.core.exceptions import JsonRESTError

from course.runtime.lambdas import functions
from course.runtime.lambdas.apigateway import ApiResponse, proxy_event, to_http_response
from course.runtime.lambdas.asynchronous import AsyncInvocations
from course.runtime.lambdas.environments import Environments, Throttled
from course.runtime.lambdas.handlers import Handlers
from course.runtime.lambdas.hooks import TooManyRequests
from course.runtime.lambdas.invoker import Invocation, Invoker
from course.runtime.lambdas.sqs_poller import SqsPoller
from course.runtime.lambdas.stream_poller import StreamPoller
from course.clock import SimulatedClock

__all__ = ["LambdaRuntime"]

LOG_TAIL_BYTES = 4096


class LambdaRuntime:
    """Runs the sandbox's Lambda functions: invocations, event sources, async retries."""

    def __init__(self, clock=None, region: str = "us-east-1", init_s: float = 0.25,
                 idle_expiry_s: float = 600.0, account_limit: int = 1000):
        self.region = region
        self.handlers = Handlers()
        self.environments = Environments(None, init_s, idle_expiry_s, account_limit)
        self.invoker = Invoker(None, self.handlers, self.environments)
        self.async_invocations = AsyncInvocations(None, self.invoker, self.client)
        self.pollers: dict[str, SqsPoller | StreamPoller] = {}
        self._clients: dict[str, object] = {}
        self._lock = threading.RLock()
        self.clock = clock if clock is not None else SimulatedClock()

    @property
    def clock(self):
        return self._clock

    @clock.setter
    def clock(self, clock) -> None:
        """Every part of the runtime reads time from this clock (``now()``, ``advance()``)."""
        self._clock = clock
        for part in (self.environments, self.invoker, self.async_invocations, *self.pollers.values()):
            part.clock = clock

    @property
    def history(self) -> list[Invocation]:
        """Every invocation so far, oldest first."""
        return self.invoker.history

    def client(self, service: str):
        """A boto3 client for the sandbox (cached; the endpoint comes from the environment)."""
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.session.Session(region_name=self.region).client(service)
        return self._clients[service]

    def handler_for(self, function_name: str, handler=None, *, duration_s: float | None = None):
        """Run ``handler`` for ``function_name``; without a handler, a decorator.

        ``duration_s`` is the simulated time each invocation keeps its environment
        busy (on top of any time the handler moves the clock): what makes
        concurrency, throttling and timeouts show on a simulated clock.
        """
        if duration_s is not None:
            self.invoker.durations[function_name] = duration_s
        if handler is None:
            return lambda fn: self.handlers.register(function_name, fn)
        return self.handlers.register(function_name, handler)

    # -- entry points for moto's hooks -------------------------------------------------

    def invoke_api(self, region, function_name, qualifier, body, headers, response_headers) -> bytes:
        """Lambda's Invoke API: what ``boto3.client("lambda").invoke`` reaches."""
        spec = functions.lookup(function_name, region, qualifier)
        header = {k.lower(): v for k, v in dict(headers).items()}
        try:
            event = json.loads(body) if body else {}
        except ValueError:
            raise JsonRESTError("InvalidRequestContentException",
                                "Could not parse request body into json") from None
        invocation_type = header.get("x-amz-invocation-type", "RequestResponse")
        if invocation_type == "Event":
            self.submit_async(spec.arn, spec.region, event, source="invoke")
            return b""
        if invocation_type == "DryRun":
            return b""
        with self._lock:
            try:
                result = self.invoker.invoke(spec, event, source="invoke")
            except Throttled as error:
                raise TooManyRequests(error.reason) from None
            self._wait_for(result)
        response_headers["x-amz-executed-version"] = "$LATEST"
        response_headers["x-amz-log-result"] = base64.b64encode(
            result.logs.encode()[-LOG_TAIL_BYTES:]).decode()
        if not result.ok:
            response_headers["x-amz-function-error"] = result.function_error
        return result.payload_bytes()

    def _wait_for(self, result: Invocation) -> None:
        """A synchronous caller waits for the invocation: the clock moves to its end (init included)."""
        if result.ends_at > self.clock.now():
            self.clock.advance(result.ends_at - self.clock.now())

    def submit_async(self, function: str, region: str, event, source: str) -> None:
        with self._lock:
            self.async_invocations.submit(function, region, json.loads(json.dumps(event)), source)

    def mapping_created(self, esm) -> None:
        """Start a poller for a new event source mapping (moto's own delivery is unhooked)."""
        with self._lock:
            arn = esm.event_source_arn
            if arn.split(":")[2] == "sqs":
                poller = SqsPoller(esm.uuid, esm.region, self.clock, self.invoker, self.client)
            else:
                poller = StreamPoller(esm.uuid, arn, esm.region, self.clock, self.invoker,
                                      self.client, _starting_iterators(esm))
            self.pollers[esm.uuid] = poller

    # -- driving ---------------------------------------------------------------------------

    def poll_once(self) -> int:
        """Run what is due now (queued events, one pass of every poller); return invocations made."""
        with self._lock:
            ran = self.async_invocations.run_due()
            for poller in list(self.pollers.values()):
                ran += poller.poll()
            return ran

    def next_due(self) -> float | None:
        """The next clock time at which something is due, or None."""
        times = [self.async_invocations.next_due(), *(p.next_due() for p in self.pollers.values())]
        return min((t for t in times if t is not None), default=None)

    def run_until_idle(self, max_seconds: float = 3600.0) -> int:
        """Deliver until nothing is left, advancing the clock to each next due time.

        Stops without going past ``max_seconds`` of simulated time from now (a batch
        retried forever, as a stream with unlimited retries does, would never end).
        Returns the number of invocations made.
        """
        horizon = self.clock.now() + max_seconds
        total = 0
        while True:
            ran = self.poll_once()
            total += ran
            if ran:
                continue
            due = self.next_due()
            if due is None or due > horizon:
                return total
            self.clock.advance(max(due - self.clock.now(), 1e-3))

    def call_api(self, function_name: str, method: str, path: str, *, version: str = "2.0",
                 **request) -> ApiResponse:
        """An HTTP request through an API Gateway proxy integration (REST "1.0", HTTP API "2.0")."""
        spec = functions.lookup(function_name, self.region)
        event = proxy_event(version, method, path, **request)
        with self._lock:
            try:
                result = self.invoker.invoke(spec, event, source="apigateway")
            except Throttled:
                return ApiResponse(429, {"Content-Type": "application/json"},
                                   '{"message":"Too Many Requests"}')
            self._wait_for(result)
        return to_http_response(result, version)

    def close(self) -> None:
        """Forget handlers and unpacked code (temporary files are removed)."""
        self.handlers.clear()


def _starting_iterators(esm) -> dict[str, str]:
    """Shard iterators at the mapping's StartingPosition, taken now (when it is created)."""
    position = esm.starting_position or "TRIM_HORIZON"
    if esm.event_source_arn.split(":")[2] == "kinesis":
        from moto.kinesis.models import kinesis_backends

        backend = kinesis_backends[esm.account_id][esm.region]
        stream = backend.describe_stream(stream_arn=esm.event_source_arn, stream_name=None)
        return {shard_id: backend.get_shard_iterator(None, stream.stream_name, shard_id,
                                                     position, None, esm.starting_position_timestamp)
                for shard_id in stream.shards}
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    backend = dynamodbstreams_backends[esm.account_id][esm.region]
    shards = backend.describe_stream(esm.event_source_arn)["Shards"]
    return {s["ShardId"]: backend.get_shard_iterator(esm.event_source_arn, s["ShardId"], position).arn
            for s in shards}
