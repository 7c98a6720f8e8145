"""The simulated DynamoDB partitions of course.sim.partitioning (used by 01-sharding)."""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

from course.sim.partitioning import (HASH_SPACE, PARTITION_RCU, PARTITION_WCU, HashRange, PartitionMap, key_hash,
                                     measure_load, moved_fraction)

KEYS = [f"c-{i:05d}" for i in range(8_000)]


def test_the_documented_per_partition_ceilings():
    assert (PARTITION_RCU, PARTITION_WCU) == (3_000, 1_000)


def test_key_hash_is_md5_of_the_utf8_bytes_read_big_endian():
    assert key_hash("") == 0xD41D8CD98F00B204E9800998ECF8427E
    assert key_hash("Größe") == int(hashlib.md5("Größe".encode("utf-8")).hexdigest(), 16)
    assert 0 <= key_hash("2025-11-28") < HASH_SPACE


def test_key_hash_refuses_non_strings():
    with pytest.raises(TypeError, match="strings"):
        key_hash(42)


@pytest.mark.parametrize("n", [1, 3, 8])
def test_a_new_map_has_equal_contiguous_ranges_covering_the_hash_space(n):
    ranges = PartitionMap(n).ranges
    assert [r.partition for r in ranges] == list(range(n))
    assert ranges[0].start == 0 and ranges[-1].end == HASH_SPACE
    assert all(a.end == b.start for a, b in zip(ranges, ranges[1:]))
    assert sum(r.share for r in ranges) == pytest.approx(1.0)
    assert all(r.share == pytest.approx(1 / n) for r in ranges)


@pytest.mark.parametrize("bad", [0, -1, 2.5])
def test_a_map_needs_at_least_one_whole_partition(bad):
    with pytest.raises(ValueError, match="at least one partition"):
        PartitionMap(bad)


def test_a_key_lands_on_the_partition_whose_range_holds_its_hash():
    table = PartitionMap(8)
    by_id = {r.partition: r for r in table.ranges}
    for key in KEYS[:500] + ["", "2025-11-28", "Größe"]:
        r = by_id[table.partition_of(key)]
        assert r.start <= key_hash(key) < r.end


# Where these keys land in a table of 8 partitions, on every machine, in every process, forever.
KNOWN_PLACEMENTS = {"2025-11-28": 5, "2025-11-29": 5, "c-04211": 7, "c-04212": 0, "LAMP-42": 4,
                    "Größe": 6, "": 6}
PLACE_KEYS = ("from course.sim.partitioning import PartitionMap; import sys; "
              "print([PartitionMap(8).partition_of(k) for k in sys.argv[1:]])")


def placements_in_a_fresh_interpreter(keys: list[str], hash_seed: int) -> list[int]:
    """``PartitionMap(8).partition_of`` of each key, computed by a new Python with PYTHONHASHSEED=hash_seed."""
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    done = subprocess.run([sys.executable, "-c", PLACE_KEYS, *keys], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return ast.literal_eval(done.stdout)


def test_placement_is_the_same_in_every_process_whatever_its_hash_seed():
    """The hash is stable, not Python's salted hash(): fresh interpreters with different
    PYTHONHASHSEED place every key where this process does, and where it always did."""
    keys = list(KNOWN_PLACEMENTS) + KEYS[:50]
    here = PartitionMap(8).partitions_of(keys).tolist()
    assert here[:len(KNOWN_PLACEMENTS)] == list(KNOWN_PLACEMENTS.values())
    for seed in (1, 2):
        assert placements_in_a_fresh_interpreter(keys, seed) == here, f"PYTHONHASHSEED={seed} moved keys"


def test_partitions_of_matches_partition_of_for_lists_and_arrays():
    table = PartitionMap(5)
    keys = KEYS[:300] + KEYS[:300]  # repeated keys
    expected = [table.partition_of(k) for k in keys]
    assert table.partitions_of(keys).tolist() == expected
    assert table.partitions_of(np.array(keys)).tolist() == expected
    assert table.partitions_of(iter(keys)).tolist() == expected
    assert table.partitions_of([]).shape == (0,)


def test_many_distinct_keys_spread_evenly():
    counts = np.bincount(PartitionMap(8).partitions_of(KEYS), minlength=8)
    assert counts.sum() == len(KEYS)
    assert counts.min() > 850 and counts.max() < 1_150, counts


def test_one_key_always_lands_on_one_partition():
    owners = PartitionMap(8).partitions_of(["2025-11-28"] * 1_000)
    assert len(set(owners.tolist())) == 1


def test_split_halves_one_range_and_numbers_the_new_partition_n():
    before = PartitionMap(4)
    after = before.split(2)
    assert after.n_partitions == 5 and before.n_partitions == 4
    old = {r.partition: r for r in before.ranges}[2]
    halves = sorted((r for r in after.ranges if r.partition in (2, 4)), key=lambda r: r.start)
    assert [h.partition for h in halves] == [2, 4]
    assert halves[0].start == old.start and halves[1].end == old.end
    assert halves[0].end == halves[1].start
    assert halves[0].share == pytest.approx(old.share / 2)


def test_split_moves_only_keys_of_the_split_partition_and_only_to_the_new_one():
    before = PartitionMap(8)
    after = before.split(3)
    a, b = before.partitions_of(KEYS), after.partitions_of(KEYS)
    moved = a != b
    assert moved.any()
    assert set(a[moved].tolist()) == {3} and set(b[moved].tolist()) == {8}
    assert moved_fraction(a, b) == pytest.approx(1 / 16, abs=0.015)


def test_split_refuses_unknown_partitions():
    with pytest.raises(ValueError, match="no partition 4"):
        PartitionMap(4).split(4)


def test_explicit_ranges_must_tile_the_hash_space_and_be_numbered_densely():
    half = HASH_SPACE // 2
    with pytest.raises(ValueError, match="without gaps"):
        PartitionMap(ranges=[HashRange(0, 0, half), HashRange(1, half + 1, HASH_SPACE)])
    with pytest.raises(ValueError, match="numbered"):
        PartitionMap(ranges=[HashRange(0, 0, half), HashRange(5, half, HASH_SPACE)])
    ok = PartitionMap(ranges=[HashRange(1, half, HASH_SPACE), HashRange(0, 0, half)])
    assert [r.partition for r in ok.ranges] == [0, 1]


def test_moved_fraction():
    assert moved_fraction(np.array([0, 1, 2, 3]), np.array([0, 1, 0, 0])) == 0.5
    assert moved_fraction(np.array([]), np.array([])) == 0.0
    with pytest.raises(ValueError):
        moved_fraction(np.array([1, 2]), np.array([1]))


def test_measure_load_counts_units_per_partition_and_second():
    load = measure_load([0, 0, 1, 2, 2, 2], [0, 1, 1, 0, 0, 1], n_partitions=4, limit=2)
    assert load.per_second.tolist() == [[1, 1], [0, 1], [2, 1], [0, 0]]
    assert load.requested == 6 and load.throttled == 0
    assert load.mean_rate().tolist() == [1.0, 0.5, 1.5, 0.0]
    assert load.peak_rate().tolist() == [1, 1, 2, 0]


def test_units_above_the_limit_in_one_second_are_throttled():
    # partition 0 is asked for 5 units in second 0 and 1 in second 1; the limit is 3 per second
    load = measure_load([0] * 6, [0] * 5 + [1], n_partitions=2, limit=3)
    assert load.throttled == 2
    assert load.throttled_fraction == pytest.approx(2 / 6)
    assert load.served.tolist() == [[3, 1], [0, 0]]


def test_a_single_hot_key_over_the_write_ceiling_is_throttled_by_the_excess():
    table = PartitionMap(8)
    seconds = np.repeat(np.arange(10), 3_000)  # 3,000 writes per second for 10 s
    owners = table.partitions_of(["2025-11-28"] * seconds.size)
    load = measure_load(owners, seconds, table.n_partitions)
    assert load.limit == PARTITION_WCU
    assert load.throttled_fraction == pytest.approx(2 / 3)
    assert load.skew == pytest.approx(8.0)


def test_request_units_weigh_each_request():
    load = measure_load([0, 0, 1], [0, 0, 0], n_partitions=2, limit=4, units=[2.5, 2.5, 1])
    assert load.per_second.tolist() == [[5.0], [1.0]]
    assert load.throttled == 1.0


def test_an_even_load_has_skew_one_and_an_empty_load_throttles_nothing():
    even = measure_load([0, 1, 2, 3], [0, 0, 0, 0], n_partitions=4)
    assert even.skew == 1.0
    empty = measure_load([], [], n_partitions=3)
    assert empty.requested == 0 and empty.throttled_fraction == 0.0 and empty.skew == 1.0


@pytest.mark.parametrize("partitions, seconds, message", [
    ([0, 1], [0], "one partition and one second"),
    ([0, 4], [0, 0], "0..3"),
    ([0, -1], [0, 0], "0..3"),
    ([0, 1], [0, -1], "count from 0"),
])
def test_measure_load_rejects_malformed_requests(partitions, seconds, message):
    with pytest.raises(ValueError, match=message):
        measure_load(partitions, seconds, n_partitions=4)
