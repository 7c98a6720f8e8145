"""Unit tests for course.sim.mapreduce: the log generator, the job's functions, the driver."""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor

import boto3
import pytest

import course
from course.sim import mapreduce as mr
from course.sim.fresh_interpreter import call_in_fresh_interpreter

LINE = '203.0.113.7 - - [01/Jun/2025:13:05:09 +0000] "GET /sale/summer HTTP/1.1" 200 5120'
BUCKET = "test-access-logs"


# --- the data ---------------------------------------------------------------

def test_generated_log_is_deterministic_and_parseable():
    first = mr.generate_access_log(5, 300, seed=3)
    assert first == mr.generate_access_log(5, 300, seed=3)
    assert first != mr.generate_access_log(5, 300, seed=4)
    lines = first.splitlines()
    assert len(lines) == 300
    records = [mr.parse_line(line) for line in lines]
    assert all(r is not None for r in records)
    assert all(":05:" in line.split("[")[1][:15] for line in lines), "every line belongs to hour 05"


def test_generated_log_is_skewed_and_has_dash_sizes():
    lines = mr.generate_access_log(12, 5000).splitlines()
    paths = Counter(mr.parse_line(line)[0] for line in lines)
    top, share = paths.most_common(1)[0]
    assert top == "/" and share / len(lines) > 0.15, "the home page must be a hot key"
    not_modified = [line for line in lines if '" 304 ' in line]
    assert not_modified and all(line.endswith(" -") for line in not_modified)


def test_hourly_requests_follow_the_profile_and_add_up():
    counts = mr.hourly_requests(36_000)
    assert len(counts) == 24 and sum(counts) == 36_000
    assert max(counts) > 3 * min(counts), "busy hours are several times the quiet ones"


# --- parsing, mapper, reducer, combiner --------------------------------------

@pytest.mark.parametrize("line, expected", [
    (LINE, ("/sale/summer", 200, 5120)),
    ('192.0.2.9 - - [01/Jun/2025:13:59:59 +0000] "GET /static/app.js HTTP/1.1" 304 -', ("/static/app.js", 304, 0)),
    ("", None),
    ("   ", None),
    ('203.0.113.7 - - [01/Jun/2025:13:05:09 +0000] "GET /sale/summer HTTP/1.1"', None),
    ('203.0.113.7 - - [01/Jun/2025:13:05:09 +0000] "GET /sale/su', None),
    ('203.0.113.7 - - [01/Jun/2025:13:05:09 +0000] "GET /x HTTP/1.1" abc 12', None),
    ('203.0.113.7 - - [01/Jun/2025:13:05:09 +0000] "GET /x HTTP/1.1" 200 12kb', None),
])
def test_parse_line(line, expected):
    assert mr.parse_line(line) == expected


def test_mapper_and_reducer():
    assert mr.path_mapper(LINE) == [("/sale/summer", (1, 5120))]
    assert mr.path_mapper("") == []
    assert mr.sum_reducer("/", [(1, 10), (1, 20)]) == (2, 30)
    # partial sums from a combiner are added, not counted
    assert mr.sum_reducer("/", [(3, 30), (1, 5)]) == (4, 35)
    assert mr.sum_reducer("/", iter([(2, 1)])) == (2, 1)


def test_combine_preaggregates_per_key():
    pairs = [("/", (1, 1)), ("/a", (1, 2)), ("/", (1, 3))]
    assert sorted(mr.combine(pairs, mr.sum_reducer)) == [("/", (2, 4)), ("/a", (1, 2))]


def test_encode_decode_round_trip():
    pairs = [("/", (3, 1536)), ("/café", (1, 0))]
    data = mr.encode_records(pairs)
    assert data == "/\t3\t1536\n/café\t1\t0\n".encode("utf-8")
    assert mr.decode_records(data) == pairs
    assert mr.decode_records(b"") == []


# --- partitioning ----------------------------------------------------------

def test_partition_is_in_range_and_balanced():
    keys = [f"/products/p{i:04d}" for i in range(4000)]
    for reducers in (1, 4, 7):
        assert {mr.partition(k, reducers) for k in keys} <= set(range(reducers))
    share = Counter(mr.partition(k, 4) for k in keys)
    assert all(0.22 < n / len(keys) < 0.28 for n in share.values()), share
    assert mr.stable_hash("/") == int.from_bytes(hashlib.md5(b"/").digest()[:8], "big")


def salted(key, reducers):
    return hash(key) % reducers


def test_partition_is_stable_across_processes_and_hash_is_not():
    calls = [(f"/p{i}", 8) for i in range(50)]
    here = [mr.partition(*c) for c in calls]
    for seed in (1, 2):
        assert call_in_fresh_interpreter(mr.partition, calls, hash_seed=seed) == here
    one = call_in_fresh_interpreter(salted, calls, hash_seed=1)
    two = call_in_fresh_interpreter(salted, calls, hash_seed=2)
    assert one != two, "str hashes differ between processes with different PYTHONHASHSEED"
    assert one == call_in_fresh_interpreter(salted, calls, hash_seed=1)


# --- the job driver on the sandbox -----------------------------------------

def upload_day(s3, requests_per_hour: list[int], seed: int = 18) -> tuple[list[str], dict]:
    """Hours of logs in BUCKET: their keys and the expected per-path totals."""
    s3.create_bucket(Bucket=BUCKET)
    keys, expected = [], defaultdict(lambda: [0, 0])
    for hour, requests in enumerate(requests_per_hour):
        text = mr.generate_access_log(hour, requests, seed=seed)
        for line in text.splitlines():
            path, _status, size = mr.parse_line(line)
            expected[path][0] += 1
            expected[path][1] += size
        key = f"access/{hour:02d}.log"
        s3.put_object(Bucket=BUCKET, Key=key, Body=text.encode())
        keys.append(key)
    return keys, {k: tuple(v) for k, v in expected.items()}


@pytest.fixture(scope="module")
def day():
    """A small day in a sandbox bucket (in-process moto): keys and the expected per-path totals."""
    course.sandbox.start(quiet=True)
    yield upload_day(boto3.client("s3"), mr.hourly_requests(24_000)[:6], seed=7)
    course.sandbox.start(quiet=True).stop()


def test_job_output_matches_direct_count(day):
    keys, expected = day
    result = mr.run_job(BUCKET, keys, reducers=3)
    assert result.output == expected
    assert sum(result.reducer_records) == result.shuffle_records == sum(n for n, _ in expected.values())
    assert len(result.map_outputs) == len(keys)
    # every key lives in exactly the reducer the partitioner names
    for r, partial in enumerate(result.per_reducer):
        assert all(mr.partition(k, 3) == r for k in partial)


def test_combiner_keeps_the_result_and_cuts_the_shuffle(day):
    keys, expected = day
    plain = mr.run_job(BUCKET, keys, reducers=4)
    combined = mr.run_job(BUCKET, keys, reducers=4, combiner=mr.sum_reducer)
    assert combined.output == plain.output == expected
    assert combined.shuffle_records < plain.shuffle_records / 3
    assert combined.shuffle_bytes < plain.shuffle_bytes / 3
    # without a combiner the hot key makes one reducer much busier than the mean
    busiest = max(plain.reducer_records) / (sum(plain.reducer_records) / 4)
    assert busiest > 1.3


def test_unstable_partitioner_is_detected():
    course.sandbox.start(quiet=True)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="tiny")
    for i in range(2):
        s3.put_object(Bucket="tiny", Key=f"{i}.log", Body=(LINE + "\n").encode())
    calls = itertools.count()

    def flapping(key, reducers):
        return next(calls) % reducers

    with pytest.raises(RuntimeError, match="more than one reduce task"):
        mr.run_job("tiny", ["0.log", "1.log"], reducers=2, partitioner=flapping)


def test_map_split_partitions_by_key():
    text = "\n".join([LINE, LINE, LINE.replace("/sale/summer", "/")]) + "\n"
    out = mr.map_split(text, 4, combiner=mr.sum_reducer, split="x")
    assert (out.lines, out.records) == (3, 2)
    decoded = {r: mr.decode_records(p) for r, p in enumerate(out.partitions)}
    assert decoded[mr.partition("/sale/summer", 4)].count(("/sale/summer", (2, 10240))) == 1
    assert out.shuffle_bytes == sum(len(p) for p in out.partitions)




@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_workers_reach_the_sandbox_server_without_being_told_where_it_is(start_method):
    """The notebook's path: server mode puts the server's address in AWS_ENDPOINT_URL, worker
    processes inherit it (importing course keeps a loopback endpoint), and map tasks pass no endpoint."""
    sandbox = course.sandbox.start(server=True, quiet=True)
    try:
        keys, expected = upload_day(boto3.client("s3"), [200] * 4)
        context = multiprocessing.get_context(start_method)
        with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
            parallel = mr.run_job(BUCKET, keys, 2, combiner=mr.sum_reducer, executor=pool)
        assert parallel.output == expected
        assert {out.pid for out in parallel.map_outputs} - {os.getpid()}, "map tasks ran in worker processes"
    finally:
        sandbox.stop()


def test_map_tasks_follow_a_restarted_sandbox_to_its_new_endpoint():
    """Re-running the notebook from the top restarts the server on a new port; the cached client must follow."""
    first = course.sandbox.start(server=True, quiet=True)
    keys, expected = upload_day(boto3.client("s3"), [200] * 2)
    assert mr.run_job(BUCKET, keys, 2).output == expected
    second = course.sandbox.start(server=True, quiet=True)   # stops the first server
    try:
        assert second.endpoint_url != first.endpoint_url
        keys, expected = upload_day(boto3.client("s3"), [200] * 3)
        assert mr.run_job(BUCKET, keys, 2).output == expected
    finally:
        second.stop()
