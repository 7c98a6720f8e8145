"""A small MapReduce over objects in S3, for the 18-mapreduce notebook.

The job summarises web-server access logs: one S3 object per hour of the day
is one *input split*, and one *map task* reads it. The pieces are the ones
Hadoop has, in plain Python::

    map task     read one object, call the mapper on every line, optionally
                 combine (pre-aggregate) the pairs, and cut them into R
                 partitions with a stable hash of the key
    shuffle      partition r of every map task goes to reduce task r
    reduce task  group the records of its partition by key, call the reducer

Everything a worker process needs (``map_task``, ``reduce_task``, the mapper,
reducer and partitioner) lives in this importable module: functions defined
in a notebook cannot be sent to a process started with ``spawn`` (the default
on macOS and Windows) or ``forkserver`` (the Linux default from Python 3.14).

Map tasks read their split from S3 themselves, each process with its own
client (:func:`s3_client`), and no endpoint is passed around. A child process
does not share the parent's in-process mock, so run the sandbox in server mode:
it puts its 127.0.0.1 address in ``AWS_ENDPOINT_URL``, worker processes inherit
that variable (forked or spawned), and importing :mod:`course` in a worker
keeps an endpoint on this machine while it removes every variable that could
reach real AWS. So ``boto3.client("s3")`` reaches the sandbox in every process
here, and S3 itself on real AWS, where the variable is unset.

Intermediate records travel as text lines ``key<TAB>v1<TAB>v2...``, like
Hadoop Streaming, so the bytes a shuffle moves can be measured exactly.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from course.sim.workload import zipf_items

# ---------------------------------------------------------------------------
# The data: a day of access logs in Common Log Format, one object per hour.
# ---------------------------------------------------------------------------

#: Documentation address blocks (RFC 5737): no real client is named.
_CLIENT_NETWORKS = ("192.0.2", "198.51.100", "203.0.113")
_STATUSES = np.array([200, 304, 404, 500, 503])
_STATUS_WEIGHTS = np.array([0.86, 0.07, 0.045, 0.015, 0.01])
#: Relative traffic per hour (UTC) of a shop whose customers are mostly in Europe.
HOURLY_PROFILE = (
    0.35, 0.25, 0.2, 0.2, 0.25, 0.4, 0.6, 0.8, 0.95, 1.0, 1.0, 0.95,
    0.95, 1.0, 1.0, 0.95, 0.9, 0.95, 1.05, 1.1, 1.0, 0.8, 0.6, 0.45,
)


def site_paths(n_products: int = 300) -> list[str]:
    """The shop's URL paths, most popular first (popularity follows Zipf)."""
    head = [
        "/", "/static/app.js", "/static/style.css", "/sale/summer", "/products",
        "/api/cart", "/search", "/login", "/api/checkout", "/favicon.ico",
    ]
    return head + [f"/products/p{i:04d}" for i in range(1, n_products + 1)]


def generate_access_log(hour: int, requests: int, seed: int = 18, day: str = "01/Jun/2025",
                        zipf_exponent: float = 1.2) -> str:
    """One hour of access logs, deterministic for a given (hour, seed).

    Lines look like ``203.0.113.7 - - [01/Jun/2025:13:05:09 +0000] "GET / HTTP/1.1" 200 5120``.
    A 304 (Not Modified) response sends no body and logs ``-`` as its size, as
    Apache and nginx do.
    """
    rng = np.random.default_rng([seed, hour])
    paths = site_paths()
    path_idx = zipf_items(rng, len(paths), requests, zipf_exponent)
    # Each path has a typical response size (log-normal), each response some jitter.
    base_size = np.random.default_rng([seed, 999]).lognormal(9.0, 1.0, size=len(paths)).astype(int) + 200
    sizes = (base_size[path_idx] * rng.uniform(0.9, 1.1, size=requests)).astype(int)
    statuses = rng.choice(_STATUSES, size=requests, p=_STATUS_WEIGHTS)
    sizes = np.where(statuses >= 400, rng.integers(150, 600, size=requests), sizes)
    seconds = np.sort(rng.integers(0, 3600, size=requests))
    nets = rng.integers(0, len(_CLIENT_NETWORKS), size=requests)
    hosts = rng.integers(1, 255, size=requests)
    lines = []
    for p, st, sz, sec, net, host in zip(path_idx.tolist(), statuses.tolist(), sizes.tolist(),
                                         seconds.tolist(), nets.tolist(), hosts.tolist()):
        path = paths[p]
        method = "POST" if path.startswith("/api/") else "GET"
        size = "-" if st == 304 else str(sz)
        lines.append(
            f'{_CLIENT_NETWORKS[net]}.{host} - - [{day}:{hour:02d}:{sec // 60:02d}:{sec % 60:02d} +0000] '
            f'"{method} {path} HTTP/1.1" {st} {size}'
        )
    return "\n".join(lines) + "\n"


def hourly_requests(total: int) -> list[int]:
    """Split ``total`` requests over 24 hours following :data:`HOURLY_PROFILE`."""
    weights = np.array(HOURLY_PROFILE) / sum(HOURLY_PROFILE)
    counts = np.floor(weights * total).astype(int)
    counts[: total - counts.sum()] += 1
    return counts.tolist()


# ---------------------------------------------------------------------------
# The job: requests and bytes per path.
# ---------------------------------------------------------------------------

def parse_line(line: str) -> tuple[str, int, int] | None:
    """``(path, status, bytes)`` of one log line, or None if it is not a complete record.

    A logged size of ``-`` (no body) counts as 0 bytes.
    """
    parts = line.split('"')
    if len(parts) != 3:
        return None
    request, tail = parts[1].split(), parts[2].split()
    if len(request) != 3 or len(tail) != 2 or not tail[0].isdigit():
        return None
    size = tail[1]
    if size == "-":
        return request[1], int(tail[0]), 0
    if not size.isdigit():
        return None
    return request[1], int(tail[0]), int(size)


def path_mapper(line: str) -> list[tuple[str, tuple[int, int]]]:
    """Mapper: one ``(path, (1, bytes))`` pair per request; nothing for other lines."""
    record = parse_line(line)
    if record is None:
        return []
    path, _status, size = record
    return [(path, (1, size))]


def sum_reducer(key: str, values: Iterable[tuple[int, ...]]) -> tuple[int, ...]:
    """Reducer (and combiner): add the values field by field.

    It sums counts instead of counting values, so it gives the same answer
    whether its input comes straight from mappers or from combiners.
    """
    totals = None
    for value in values:
        totals = list(value) if totals is None else [t + v for t, v in zip(totals, value)]
    return tuple(totals or ())


def stable_hash(key: str) -> int:
    """A 64-bit hash of the key's UTF-8 bytes: the same in every process and on every machine.

    Python's built-in ``hash()`` of a string is salted per process
    (``PYTHONHASHSEED``), so two map tasks would disagree about where a key goes.
    """
    return int.from_bytes(hashlib.md5(key.encode("utf-8")).digest()[:8], "big")


def partition(key: str, reducers: int) -> int:
    """The reduce task (0 .. reducers-1) that owns ``key``."""
    return stable_hash(key) % reducers


def combine(pairs: Iterable[tuple[str, tuple]], combiner: Callable) -> list[tuple[str, tuple]]:
    """Group one map task's pairs by key and pre-aggregate each group with ``combiner``."""
    groups: dict[str, list] = defaultdict(list)
    for key, value in pairs:
        groups[key].append(value)
    return [(key, combiner(key, values)) for key, values in groups.items()]


# ---------------------------------------------------------------------------
# Intermediate records as text (what the shuffle moves).
# ---------------------------------------------------------------------------

def encode_records(pairs: Iterable[tuple[str, tuple[int, ...]]]) -> bytes:
    """``key<TAB>v1<TAB>v2\\n`` per record; keys must not contain tabs or newlines."""
    return "".join(
        key + "\t" + "\t".join(str(v) for v in value) + "\n" for key, value in pairs
    ).encode("utf-8")


def decode_records(data: bytes) -> list[tuple[str, tuple[int, ...]]]:
    """The inverse of :func:`encode_records`."""
    records = []
    for line in data.decode("utf-8").splitlines():
        key, *values = line.split("\t")
        records.append((key, tuple(int(v) for v in values)))
    return records


# ---------------------------------------------------------------------------
# Tasks and the job driver.
# ---------------------------------------------------------------------------

@dataclass
class MapOutput:
    """What one map task hands to the shuffle."""

    split: str                   # the S3 key it read
    lines: int                   # input records (log lines)
    records: int                 # intermediate records emitted (after the combiner, if any)
    partitions: list[bytes]      # partition r goes to reduce task r
    seconds: float = 0.0         # wall time of the task
    pid: int = 0                 # the process that ran it

    @property
    def shuffle_bytes(self) -> int:
        return sum(len(p) for p in self.partitions)


def map_split(text: str, reducers: int, mapper: Callable = path_mapper,
              combiner: Callable | None = None, partitioner: Callable = partition,
              split: str = "") -> MapOutput:
    """Run the mapper over one split's text, combine, and partition the output."""
    started = time.perf_counter()
    lines = text.splitlines()
    pairs = [pair for line in lines for pair in mapper(line)]
    if combiner is not None:
        pairs = combine(pairs, combiner)
    buckets: list[list] = [[] for _ in range(reducers)]
    owner: dict = {}  # each distinct key is hashed once per task
    for key, value in pairs:
        if key not in owner:
            owner[key] = partitioner(key, reducers)
        buckets[owner[key]].append((key, value))
    return MapOutput(
        split=split, lines=len(lines), records=len(pairs),
        partitions=[encode_records(b) for b in buckets],
        seconds=time.perf_counter() - started, pid=os.getpid(),
    )


_clients: dict = {}


def s3_client():
    """This process's S3 client for the current endpoint, made from boto3's default session.

    boto3 finds the endpoint as always: ``AWS_ENDPOINT_URL`` when it is set
    (the sandbox's server mode), AWS's own otherwise. Loading the service model
    for a new session costs about 0.3 s of CPU; a forked worker inherits the
    parent's default session with the model already loaded. The cache is keyed
    by process id, because a forked child must not reuse its parent's open
    connections, and by endpoint, because a restarted sandbox serves on a new port.
    """
    import boto3

    cache_key = (os.getpid(), os.environ.get("AWS_ENDPOINT_URL"))
    if cache_key not in _clients:
        _clients[cache_key] = boto3.client("s3")
    return _clients[cache_key]


def map_task(bucket: str, key: str, reducers: int, mapper: Callable = path_mapper,
             combiner: Callable | None = None, partitioner: Callable = partition) -> MapOutput:
    """One map task: read the split ``s3://bucket/key`` and map it.

    Runs in any process: it reads with that process's own client (:func:`s3_client`).
    """
    started = time.perf_counter()
    text = s3_client().get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    out = map_split(text, reducers, mapper, combiner, partitioner, split=key)
    out.seconds = time.perf_counter() - started
    return out


def shuffle(map_outputs: list[MapOutput], reducers: int) -> list[list[bytes]]:
    """For each reduce task r, partition r of every map task."""
    return [[out.partitions[r] for out in map_outputs] for r in range(reducers)]


def reduce_task(parts: list[bytes], reducer: Callable = sum_reducer) -> dict:
    """One reduce task: group its records by key (sorted, as Hadoop does) and reduce each group."""
    groups: dict[str, list] = defaultdict(list)
    for data in parts:
        for key, value in decode_records(data):
            groups[key].append(value)
    return {key: reducer(key, groups[key]) for key in sorted(groups)}


@dataclass
class JobResult:
    """The output of a job and what it cost."""

    output: dict                            # key -> reduced value
    map_outputs: list[MapOutput]
    reducer_records: list[int]              # intermediate records each reduce task received
    seconds: float
    per_reducer: list[dict] = field(default_factory=list, repr=False)

    @property
    def shuffle_bytes(self) -> int:
        return sum(out.shuffle_bytes for out in self.map_outputs)

    @property
    def shuffle_records(self) -> int:
        return sum(out.records for out in self.map_outputs)


def run_job(bucket: str, keys: list[str], reducers: int = 4, mapper: Callable = path_mapper,
            reducer: Callable = sum_reducer, combiner: Callable | None = None,
            partitioner: Callable = partition, executor=None) -> JobResult:
    """Map every object in ``keys``, shuffle, reduce.

    Without ``executor`` every task runs here, one after another; with a
    ``concurrent.futures`` executor the map and reduce tasks run on it (the
    callables must then be importable, like the ones in this module).
    """
    started = time.perf_counter()
    n = len(keys)
    map_args = ([bucket] * n, keys, [reducers] * n, [mapper] * n, [combiner] * n, [partitioner] * n)
    run = executor.map if executor is not None else map
    map_outputs = list(run(map_task, *map_args))
    parts = shuffle(map_outputs, reducers)
    reduced = list(run(reduce_task, parts, [reducer] * reducers))
    output: dict = {}
    for partial in reduced:
        overlap = output.keys() & partial.keys()
        if overlap:  # a key reached two reducers: the partitioner is not stable
            raise RuntimeError(f"keys reduced by more than one reduce task: {sorted(overlap)[:5]}")
        output.update(partial)
    records = [sum(p.count(b"\n") for p in part) for part in parts]
    return JobResult(output=output, map_outputs=map_outputs, reducer_records=records,
                     seconds=time.perf_counter() - started, per_reducer=reduced)
