"""Asynchronous invocation: Lambda's own queue, its retries, destinations and DLQ.

S3 notifications, SNS subscriptions, EventBridge rules and ``invoke`` with
``InvocationType="Event"`` put the event on this queue and return at once. Each
:meth:`AsyncInvocations.run_due` call runs what is due. A failed event is retried
after 60 s and then 120 s of (simulated) time, up to ``MaximumRetryAttempts`` (2 by
default, set with ``put_function_event_invoke_config``); then, or when it is older
than ``MaximumEventAgeInSeconds``, its record goes to the OnFailure destination and
the event to the function's ``DeadLetterConfig`` target. A throttled event waits
for a free environment and is not counted as an attempt::

    queue = AsyncInvocations(clock, invoker, clients)
    queue.submit("resize", "us-east-1", s3_event, source="s3")
    queue.run_due()            # runs it now; a failure is due again 60 s later
    clock.advance(60); queue.run_due()
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from moto.awslambda.exceptions import UnknownFunctionException

from course.runtime.lambdas import destinations, functions
from course.runtime.lambdas.environments import Throttled

__all__ = ["AsyncInvocations", "QueuedEvent"]

RETRY_DELAYS_S = (60.0, 120.0)


@dataclass
class QueuedEvent:
    function: str
    region: str
    event: object
    enqueued_at: float
    due: float
    order: int
    source: str
    attempts: int = 0


class AsyncInvocations:
    """The queue of asynchronous invocations, run on a clock."""

    def __init__(self, clock, invoker, clients):
        self.clock = clock
        self.invoker = invoker
        self.clients = clients
        self.failed: list[dict] = []
        self._queue: list[QueuedEvent] = []
        self._order = itertools.count()

    def submit(self, function: str, region: str, event, source: str = "Event") -> None:
        now = self.clock.now()
        self._queue.append(QueuedEvent(function, region, event, now, now, next(self._order), source))

    def pending(self) -> int:
        return len(self._queue)

    def next_due(self) -> float | None:
        return min((item.due for item in self._queue), default=None)

    def run_due(self) -> int:
        """Run every queued event that is due now; return how many invocations ran."""
        now = self.clock.now()
        due = sorted((i for i in self._queue if i.due <= now), key=lambda i: (i.due, i.order))
        ran = 0
        for item in due:
            self._queue.remove(item)
            ran += self._attempt(item)
        return ran

    def _submit_arn(self, arn: str, event) -> None:
        self.submit(arn, arn.split(":")[3], event, source="destination")

    def _attempt(self, item: QueuedEvent) -> int:
        try:
            spec = functions.lookup(item.function, item.region)
        except UnknownFunctionException:  # deleted meanwhile: Lambda drops the event
            return 0
        now = self.clock.now()
        if now - item.enqueued_at > spec.max_event_age_s:
            self._give_up(spec, item, None, "EventAgeExceeded")
            return 0
        try:
            result = self.invoker.invoke(spec, item.event, source=item.source)
        except Throttled:
            item.due = self.invoker.environments.next_free() or now + 1.0
            self._queue.append(item)
            return 0
        item.attempts += 1
        if result.ok:
            if spec.on_success:
                record = destinations.async_record(spec, item.event, result, "Success", item.attempts)
                destinations.send(self.clients, spec.on_success, record, self._submit_arn)
        elif item.attempts <= spec.max_retry_attempts:
            item.due = now + RETRY_DELAYS_S[min(item.attempts, len(RETRY_DELAYS_S)) - 1]
            self._queue.append(item)
        else:
            self._give_up(spec, item, result, "RetriesExhausted")
        return 1

    def _give_up(self, spec, item: QueuedEvent, result, condition: str) -> None:
        record = destinations.async_record(spec, item.event, result, condition, item.attempts)
        self.failed.append(record)
        if spec.on_failure:
            destinations.send(self.clients, spec.on_failure, record, self._submit_arn)
        if spec.dead_letter_arn:
            destinations.send_dead_letter(self.clients, spec.dead_letter_arn, item.event, result)
