"""An SQS event source mapping: poll the queue, invoke with batches, delete or retry.

What Lambda's SQS poller does, driven step by step on the runtime's clock:

- receive with boto3 (``receive_message``, all attributes) up to ``BatchSize``;
  invoke when the batch is full, or when ``MaximumBatchingWindowInSeconds`` has
  passed since its first message (no window: invoke with what was received);
- on success delete the batch; when the handler raises, the whole batch becomes
  visible again after the queue's ``VisibilityTimeout`` of simulated time (moto
  counts ``ApproximateReceiveCount`` and applies the ``RedrivePolicy`` when it is
  received again);
- with ``FunctionResponseTypes=["ReportBatchItemFailures"]`` a response
  ``{"batchItemFailures": [{"itemIdentifier": messageId}]}`` deletes the others;
  an unknown or empty identifier fails the whole batch, as on AWS.

Received messages are held invisible by the poller (moto's visibility runs on the
wall clock, so the poller receives with a long timeout and releases them itself)::

    poller = SqsPoller(esm_uuid, region, clock, invoker, clients)
    poller.poll()          # number of invocations made now
    poller.next_due()      # when something becomes due (window end, visibility expiry)
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from course.runtime.lambdas import events, functions
from course.runtime.lambdas.environments import Throttled

__all__ = ["SqsPoller", "failed_item_ids"]

HOLD_S = 43200  # SQS's maximum visibility timeout: the poller releases messages itself


def failed_item_ids(payload, identifiers: list[str]) -> set[str]:
    """The identifiers a ReportBatchItemFailures response marks failed (all, if it is invalid)."""
    if not isinstance(payload, dict) or not payload.get("batchItemFailures"):
        return set()
    failed = set()
    for item in payload["batchItemFailures"]:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in identifiers:
            return set(identifiers)
        failed.add(identifier)
    return failed


class SqsPoller:
    """Delivers one SQS queue's messages to one function."""

    def __init__(self, uuid: str, region: str, clock, invoker, clients):
        self.uuid, self.region = uuid, region
        self.clock, self.invoker, self.clients = clock, invoker, clients
        self._buffer: list[dict] = []
        self._buffer_since = 0.0
        self._held: dict[str, float] = {}  # receipt handle -> simulated time it is visible again
        self._blocked = False

    def mapping(self):
        """moto's event source mapping, or None once deleted."""
        return functions.event_source_mapping(self.region, self.uuid)

    def poll(self) -> int:
        esm = self.mapping()
        if esm is None or not esm.enabled:
            return 0
        sqs = self.clients("sqs")
        url = sqs.get_queue_url(QueueName=esm.event_source_arn.split(":")[5])["QueueUrl"]
        self._release_due(sqs, url)
        spec = functions.lookup_arn(esm.function_arn)
        window = esm.max_batch_window or 0
        ran = 0
        self._blocked = False
        while True:
            self._fill(sqs, url, esm.batch_size)
            if not self._buffer or (len(self._buffer) < esm.batch_size
                                    and self.clock.now() < self._buffer_since + window):
                return ran
            batch = self._buffer[:esm.batch_size]
            event = {"Records": [events.sqs_record(m, esm.event_source_arn, self.region) for m in batch]}
            try:
                result = self.invoker.invoke(spec, event, source="sqs")
            except Throttled:
                self._blocked = True
                return ran
            del self._buffer[:len(batch)]
            self._buffer_since = self.clock.now()
            self._settle(sqs, url, esm, batch, result)
            ran += 1

    def next_due(self) -> float | None:
        """When this poller next has something to do (None: only new messages would)."""
        times = list(self._held.values())
        if self._blocked:
            times.append(self.invoker.environments.next_free() or self.clock.now() + 1.0)
        elif self._buffer:
            esm = self.mapping()
            times.append(self._buffer_since + ((esm.max_batch_window or 0) if esm else 0))
        return min(times, default=None)

    def _fill(self, sqs, url: str, batch_size: int) -> None:
        while len(self._buffer) < batch_size:
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=min(10, batch_size - len(self._buffer)),
                VisibilityTimeout=HOLD_S, WaitTimeSeconds=0,
                MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                return
            if not self._buffer:
                self._buffer_since = self.clock.now()
            self._buffer.extend(messages)

    def _settle(self, sqs, url: str, esm, batch: list[dict], result) -> None:
        ids = [m["MessageId"] for m in batch]
        if not result.ok:
            failed = set(ids)
        elif "ReportBatchItemFailures" in (esm.function_response_types or []):
            failed = failed_item_ids(result.payload, ids)
        else:
            failed = set()
        done = [m for m in batch if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done[start:start + 10])])
        if failed:
            timeout = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
                          ["Attributes"]["VisibilityTimeout"])
            for m in batch:
                if m["MessageId"] in failed:
                    self._held[m["ReceiptHandle"]] = self.clock.now() + timeout

    def _release_due(self, sqs, url: str) -> None:
        now = self.clock.now()
        for handle, visible_at in list(self._held.items()):
            if visible_at <= now:
                del self._held[handle]
                try:
                    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
                except ClientError:  # deleted meanwhile by someone else: nothing to release
                    pass
