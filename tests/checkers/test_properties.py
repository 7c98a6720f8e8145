"""course.checkers.properties: strategies, and a failing property that prints its seed and replays."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import Phase, given, reproduce_failure, settings
from hypothesis import strategies as st

from course import paths
from course.checkers import (Fault, History, PropertyFailure, Step, assert_read_your_writes,
                             fault_schedules, operations, register_histories, replay, run_property)
from course.checkers.properties import FAULT_KINDS


class Store:
    """A key-value store read through a replica; ``lag`` writes behind when ``laggy``."""

    def __init__(self, laggy: bool):
        self.primary, self.replica, self.laggy, self.pending = {}, {}, laggy, []

    def write(self, key, value):
        self.primary[key] = value
        self.pending.append((key, value))
        if not self.laggy or len(self.pending) >= 2:        # the replica catches up every 2 writes
            self.replica.update(self.pending)
            self.pending.clear()

    def read(self, key):
        return self.replica.get(key)


def history_of(store: Store, steps: list[Step]) -> History:
    h = History()
    for step in steps:
        if step.f == "write":
            store.write(step.key, step.value)
            h.op(step.client, "write", step.key, step.value)
        else:
            h.op(step.client, "read", step.key, result=store.read(step.key))
    return h


def read_your_writes_test(laggy: bool):
    """A fresh @given test each time (hypothesis keeps settings on the function object)."""
    @given(steps=operations(clients=("a", "b"), keys=("x", "y"), max_size=10))
    def store_reads_your_writes(steps):
        assert_read_your_writes(history_of(Store(laggy), steps))
    return store_reads_your_writes


def test_a_correct_store_passes_and_the_seed_is_returned():
    assert run_property(read_your_writes_test(laggy=False), seed=7, max_examples=50) == 7


def test_a_wrong_store_fails_prints_its_seed_and_replays_the_same_example(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                         # nothing may be written here
    test = read_your_writes_test(laggy=True)
    with pytest.raises(PropertyFailure) as first:
        run_property(test)                               # a fresh seed
    seed = first.value.seed
    printed = capsys.readouterr().out
    assert f"failed on a generated example (seed={seed})" in printed
    assert f"course.checkers.replay(store_reads_your_writes, seed={seed})" in printed
    assert "store_reads_your_writes(" in first.value.example and "steps=" in first.value.example
    assert "read-your-writes" in str(first.value)           # the checker's own explanation
    assert first.value.blob.startswith("@reproduce_failure(")

    with pytest.raises(PropertyFailure) as again:
        replay(test, seed=seed)
    assert again.value.example == first.value.example
    assert "failed again on replay" in str(again.value)
    assert list(tmp_path.iterdir()) == []                # no .hypothesis example database


def test_the_printed_blob_reproduces_the_failure_too():
    with pytest.raises(PropertyFailure) as first:
        run_property(read_your_writes_test(laggy=True), seed=3)
    decorator = eval(first.value.blob[1:], {"reproduce_failure": reproduce_failure})  # noqa: S307
    test = decorator(read_your_writes_test(laggy=True))
    with pytest.raises(AssertionError, match="read-your-writes"):
        test()


def test_the_tests_own_settings_are_restored():
    test = settings(max_examples=5)(read_your_writes_test(laggy=False))
    before = test._hypothesis_internal_use_settings
    run_property(test, seed=1)
    assert test._hypothesis_internal_use_settings is before
    assert test._hypothesis_internal_use_seed is None


def test_only_given_tests_can_be_run():
    with pytest.raises(TypeError, match="is not a @given test"):
        run_property(lambda: None)


@settings(database=None, max_examples=60, deadline=None)
@given(operations(clients=("a", "b", "c"), keys=("x",), fs=("read", "write", "cas"), max_size=8))
def test_operations_are_steps_of_the_given_clients_keys_and_names(steps):
    assert len(steps) <= 8
    for step in steps:
        assert isinstance(step, Step) and step.client in "abc" and step.key == "x"
        assert (step.value is None) == (step.f == "read")


@settings(database=None, max_examples=60, deadline=None)
@given(fault_schedules(calls=10, max_faults=4))
def test_fault_schedules_are_sorted_one_fault_per_call(faults):
    assert len(faults) <= 4
    assert [f.call for f in faults] == sorted({f.call for f in faults})
    assert all(isinstance(f, Fault) and 0 <= f.call < 10 and f.kind in FAULT_KINDS for f in faults)


@settings(database=None, max_examples=60, deadline=None)
@given(register_histories(clients=("a", "b"), max_steps=20))
def test_register_histories_keep_each_client_sequential(h):
    for process in h.processes:
        ops = [op for op in h if op.process == process]
        for earlier, later in zip(ops, ops[1:]):
            assert earlier.end is not None and earlier.end < later.start


def first_failure_test():
    """Without shrinking, the failing example is the first one generated: the seed decides it."""
    @settings(phases=[Phase.generate], max_examples=200)
    @given(n=st.integers(0, 10**9))
    def below_a_thousand(n):
        assert n < 1000
    return below_a_thousand


def failing_example(seed, again=False):
    with pytest.raises(PropertyFailure) as caught:
        (replay if again else run_property)(first_failure_test(), seed=seed)
    return caught.value.example


def test_the_seed_decides_the_example_and_replay_uses_it():
    assert failing_example(1) == failing_example(1, again=True)
    assert failing_example(2) == failing_example(2, again=True)
    assert failing_example(1) != failing_example(2)


def test_a_run_leaves_no_files_in_the_working_directory(tmp_path):
    """Notebooks leave no files behind: no example database, no .hypothesis constants cache."""
    script = (
        "from hypothesis import given, strategies as st\n"
        "from course.checkers import PropertyFailure, run_property\n"
        "@given(st.lists(st.integers()))\n"
        "def total_is_small(xs):\n"
        "    assert sum(xs) < 100\n"
        "from hypothesis.configuration import storage_directory\n"
        "storage_directory('x', intent_to_write=False)  # Hypothesis has settled on ./.hypothesis\n"
        "try:\n"
        "    run_property(total_is_small, seed=1)\n"
        "except PropertyFailure:\n"
        "    print('failed as expected')\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(paths.ROOT)}, timeout=60)
    assert "failed as expected" in done.stdout, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []
