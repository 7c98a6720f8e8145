"""course.sim.fresh_interpreter: a function rebuilt and called in a new Python process."""

from __future__ import annotations

import hashlib
import os

import pytest

from course.sim.fresh_interpreter import call_in_fresh_interpreter

SCALE = 3


def _helper(text):
    return hashlib.sha256(text.encode()).hexdigest()[:4]


def uses_helper_module_and_constant(text, n):
    return _helper(text) + "-" + str(n * SCALE)


def process_id_and_hash_seed(_):
    return os.getpid(), os.environ.get("PYTHONHASHSEED")


def failing(x):
    raise ValueError("boom")


def test_rebuilds_helpers_modules_and_constants():
    calls = [("a", 1), ("b", 2)]
    expected = [uses_helper_module_and_constant(*c) for c in calls]
    assert call_in_fresh_interpreter(uses_helper_module_and_constant, calls, hash_seed=0) == expected


def test_runs_in_another_process_with_the_hash_seed_asked_for():
    [(pid, seed)] = call_in_fresh_interpreter(process_id_and_hash_seed, [(None,)], hash_seed=7)
    assert pid != os.getpid()
    assert seed == "7"


def test_reports_errors():
    with pytest.raises(RuntimeError, match="boom"):
        call_in_fresh_interpreter(failing, [(1,)])
