"""A Kinesis or DynamoDB Streams event source mapping: batches in shard order, retried in place.

What Lambda's stream poller does, step by step on the runtime's clock:

- per shard, read with boto3 ``get_records`` from where the mapping started
  (``StartingPosition``, taken when the mapping was created) up to ``BatchSize``;
  invoke when the batch is full or ``MaximumBatchingWindowInSeconds`` has passed;
- on error retry the *same* batch (back-off 1, 2, 4 ... 60 s) and hold the shard:
  later records wait, so order within a shard is kept;
- ``MaximumRetryAttempts`` (default -1: until the records expire) bounds the retries;
  then the batch's failure record goes to ``DestinationConfig.OnFailure`` (SQS or
  SNS) and the shard moves on;
- ``BisectBatchOnFunctionError`` splits a failing batch in two and retries each half;
- ``ReportBatchItemFailures`` with ``{"batchItemFailures": [{"itemIdentifier":
  sequenceNumber}]}`` retries from the lowest failed record::

    poller = StreamPoller(esm_uuid, stream_arn, region, clock, invoker, clients, iterators)
    poller.poll(); poller.next_due()
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field

from course.runtime.lambdas import destinations, events, functions
from course.runtime.lambdas.environments import Throttled

__all__ = ["StreamPoller"]

MAX_BACKOFF_S = 60.0


@dataclass
class _Batch:
    records: list[dict]
    attempts: int = 0


@dataclass
class _Shard:
    shard_id: str
    iterator: str
    batches: deque = field(default_factory=deque)
    buffer: list = field(default_factory=list)
    buffer_since: float = 0.0
    retry_at: float = 0.0


def _sequence(record: dict) -> str:
    return record["kinesis"]["sequenceNumber"] if "kinesis" in record else record["dynamodb"]["SequenceNumber"]


def _arrival(record: dict) -> str:
    when = (record["kinesis"]["approximateArrivalTimestamp"] if "kinesis" in record
            else record["dynamodb"].get("ApproximateCreationDateTime", 0))
    return dt.datetime.fromtimestamp(when, dt.timezone.utc).isoformat(timespec="milliseconds")


class StreamPoller:
    """Delivers one stream's records to one function, shard by shard."""

    def __init__(self, uuid: str, source_arn: str, region: str, clock, invoker, clients,
                 iterators: dict[str, str]):
        self.uuid, self.region = uuid, region
        self.kinesis = source_arn.split(":")[2] == "kinesis"
        self.clock, self.invoker, self.clients = clock, invoker, clients
        self._shards = [_Shard(shard_id, iterator) for shard_id, iterator in iterators.items()]
        self._blocked = False

    def mapping(self):
        """moto's event source mapping, or None once deleted."""
        return functions.event_source_mapping(self.region, self.uuid)

    def poll(self) -> int:
        esm = self.mapping()
        if esm is None or not esm.enabled:
            return 0
        spec = functions.lookup_arn(esm.function_arn)
        self._blocked = False
        return sum(self._poll_shard(shard, esm, spec) for shard in self._shards)

    def next_due(self) -> float | None:
        if self._blocked:
            return self.invoker.environments.next_free() or self.clock.now() + 1.0
        esm = self.mapping()
        window = (esm.max_batch_window or 0) if esm else 0
        times = [s.retry_at for s in self._shards if s.batches]
        times += [s.buffer_since + window for s in self._shards if s.buffer and not s.batches]
        return min(times, default=None)

    def _poll_shard(self, shard: _Shard, esm, spec) -> int:
        now = self.clock.now()
        if not shard.batches:
            self._fill(shard, esm, spec)
            full = len(shard.buffer) >= esm.batch_size
            if not shard.buffer or (not full and now < shard.buffer_since + (esm.max_batch_window or 0)):
                return 0
            shard.batches.append(_Batch(shard.buffer[:esm.batch_size]))
            shard.buffer = shard.buffer[esm.batch_size:]
        if shard.retry_at > now:
            return 0
        batch = shard.batches[0]
        try:
            result = self.invoker.invoke(spec, {"Records": batch.records},
                                         source="kinesis" if self.kinesis else "dynamodb")
        except Throttled:
            self._blocked = True
            return 0
        remaining = self._unprocessed(esm, batch.records, result)
        if not remaining:
            shard.batches.popleft()
            return 1
        self._failed(shard, esm, spec, batch, remaining, result)
        return 1

    def _fill(self, shard: _Shard, esm, spec) -> None:
        wanted = esm.batch_size - len(shard.buffer)
        if self.kinesis:
            response = self.clients("kinesis").get_records(ShardIterator=shard.iterator, Limit=wanted)
            records = [events.kinesis_record(r, shard.shard_id, esm.event_source_arn, self.region, spec.role)
                       for r in response["Records"]]
        else:
            response = self.clients("dynamodbstreams").get_records(ShardIterator=shard.iterator, Limit=wanted)
            records = [events.dynamodb_record(r, esm.event_source_arn, self.region)
                       for r in response["Records"]]
        shard.iterator = response.get("NextShardIterator") or shard.iterator
        if records and not shard.buffer:
            shard.buffer_since = self.clock.now()
        shard.buffer.extend(records)

    @staticmethod
    def _unprocessed(esm, records: list[dict], result) -> list[dict]:
        """The records still to process after this invocation (all of them when it failed)."""
        if not result.ok:
            return records
        if "ReportBatchItemFailures" not in (esm.function_response_types or []):
            return []
        failures = result.payload.get("batchItemFailures") if isinstance(result.payload, dict) else None
        if not failures:
            return []
        sequences = [_sequence(r) for r in records]
        failed = [f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures]
        if not all(f in sequences for f in failed):
            return records
        return records[min(sequences.index(f) for f in failed):]

    def _failed(self, shard: _Shard, esm, spec, batch: _Batch, remaining: list[dict], result) -> None:
        batch.attempts += 1
        now = self.clock.now()
        if esm.bisect_on_error and len(remaining) > 1:
            half = len(remaining) // 2
            shard.batches.popleft()
            shard.batches.extendleft([_Batch(remaining[half:], batch.attempts),
                                      _Batch(remaining[:half], batch.attempts)])
            shard.retry_at = now
            return
        batch.records = remaining
        limit = esm.max_retry_attempts if esm.max_retry_attempts is not None else -1
        if limit != -1 and batch.attempts > limit:
            shard.batches.popleft()
            self._send_failure(esm, spec, shard, batch, result)
            return
        shard.retry_at = now + min(MAX_BACKOFF_S, 2.0 ** (batch.attempts - 1))

    def _send_failure(self, esm, spec, shard: _Shard, batch: _Batch, result) -> None:
        target = ((esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
        if not target:
            return
        record = destinations.stream_record(
            spec, result, batch.attempts, "RetryAttemptsExhausted",
            "KinesisBatchInfo" if self.kinesis else "DDBStreamBatchInfo", shard.shard_id,
            batch.records, esm.event_source_arn, _sequence, _arrival)
        destinations.send(self.clients, target, record, invoke_async=None)
