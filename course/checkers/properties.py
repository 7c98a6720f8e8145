"""Property-based tests over generated operations and fault schedules, replayable from a seed.

Strategies (hypothesis) for what a test throws at a system: :func:`operations`
(``Step(client, f, key, value)`` lists), :func:`fault_schedules` (``Fault(call,
kind)``: drop, duplicate, ambiguous, throttle at call n) and
:func:`register_histories` (histories of a real atomic register, with
concurrency, failures and unknown outcomes: linearizable by construction).

:func:`run_property` runs a ``@given`` test offline (no example database),
fast, with a seed; when it fails, the error (and stdout) names the seed, the
falsifying example and the one call that replays it::

    @given(ops=operations(clients=("a", "b"), keys=("x",)))
    def test_my_store(ops):
        assert_read_your_writes(run_against_my_store(ops))

    run_property(test_my_store)              # PropertyFailure: ... seed=48213 ...
    replay(test_my_store, seed=48213)        # the same failing example, again

``hypothesis``'s own ``@reproduce_failure(...)`` line is printed too.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
from contextlib import contextmanager
from typing import Any, Callable, Iterator, NamedTuple, Sequence

from hypothesis import Phase, configuration, settings
from hypothesis import strategies as st

from course.checkers.history import History

__all__ = ["FAULT_KINDS", "Fault", "PropertyFailure", "Step", "fault_schedules", "operations",
           "register_histories", "replay", "run_property"]

FAULT_KINDS = ("drop", "duplicate", "ambiguous", "throttle")


class Step(NamedTuple):
    """One operation a test will perform: ``client`` calls ``f(key, value)``."""
    client: str
    f: str
    key: Any
    value: Any


class Fault(NamedTuple):
    """A fault decision: at the ``call``-th call (from 0), ``kind`` happens."""
    call: int
    kind: str


def operations(clients: Sequence[str] = ("a", "b"), keys: Sequence[Any] = ("x",),
               values: st.SearchStrategy = st.integers(0, 9), fs: Sequence[str] = ("read", "write"),
               min_size: int = 0, max_size: int = 12) -> st.SearchStrategy[list[Step]]:
    """Lists of :class:`Step`; reads carry no value. Shrinks towards fewer, earlier-listed choices."""
    def step(f: str) -> st.SearchStrategy[Step]:
        value = st.none() if f == "read" else values
        return st.builds(Step, st.sampled_from(list(clients)), st.just(f),
                         st.sampled_from(list(keys)), value)
    return st.lists(st.sampled_from(list(fs)).flatmap(step), min_size=min_size, max_size=max_size)


def fault_schedules(calls: int = 20, kinds: Sequence[str] = FAULT_KINDS,
                    max_faults: int = 3) -> st.SearchStrategy[list[Fault]]:
    """Sorted lists of at most ``max_faults`` :class:`Fault`, at most one per call in ``range(calls)``."""
    return st.lists(st.builds(Fault, st.integers(0, calls - 1), st.sampled_from(list(kinds))),
                    max_size=max_faults, unique_by=lambda fault: fault.call).map(sorted)


@st.composite
def register_histories(draw, clients: Sequence[str] = ("a", "b", "c"), keys: Sequence[Any] = ("x",),
                       values: st.SearchStrategy = st.integers(0, 3), max_steps: int = 24,
                       initial: Any = 0, cas: bool = True) -> History:
    """Histories of an atomic register: each op takes effect at one instant between call and return.

    Each step moves one client on: call an operation, apply it to the register
    (the linearization point), or return. Some writes fail without applying;
    calls still open at the end have unknown outcome (applied or not).
    """
    fs = ["read", "write"] + (["cas"] if cas else [])
    state = {key: initial for key in keys}
    phase: dict[str, list] = {}
    h = History()
    for t in range(draw(st.integers(0, max_steps))):
        client = draw(st.sampled_from(list(clients)))
        now = phase.get(client)
        if now is None:
            f, key = draw(st.sampled_from(fs)), draw(st.sampled_from(list(keys)))
            value = None if f == "read" else draw(values) if f == "write" else (draw(values), draw(values))
            h.invoke(client, f, key, value, time=t)
            phase[client] = [f, key, value, "called", None]
        elif now[3] == "called":
            f, key, value = now[:3]
            if f == "write" and draw(st.integers(0, 5)) == 0:
                h.fail(client, time=t)                     # rejected, never applied
                phase[client] = None
                continue
            if f == "read":
                now[4] = state[key]
            elif f == "write":
                state[key] = value
            else:
                now[4] = state[key] == value[0]
                if now[4]:
                    state[key] = value[1]
            now[3] = "applied"
        else:
            f, result = now[0], now[4]
            if f == "cas" and result is False and draw(st.booleans()):
                h.fail(client, time=t)                     # Jepsen style: a cas that did nothing
            else:
                h.ok(client, result, time=t)
            phase[client] = None
    return h


# -- running and replaying ---------------------------------------------------------------------

class PropertyFailure(AssertionError):
    """A ``@given`` test failed under :func:`run_property`; ``.seed`` replays it, ``.example`` is the input."""

    def __init__(self, test: Callable, seed: int, error: BaseException, replayed: bool = False):
        self.seed, self.error = seed, error
        notes = [str(n) for n in getattr(error, "__notes__", [])]
        self.example = next((n for n in notes if n.startswith(("Failing", "Falsifying"))), "")
        blob = re.search(r"@reproduce_failure\(.*?\)(?= as a decorator|$)", " ".join(notes))
        self.blob = blob.group(0) if blob else ""
        name = getattr(test, "__name__", "the test")
        lines = [f"{name} {'failed again on replay' if replayed else 'failed on a generated example'}"
                 f" (seed={seed}).",
                 self.example,
                 f"{type(error).__name__}: {str(error).strip()}",
                 f"Replay it (same seed, same example): course.checkers.replay({name}, seed={seed})"]
        if self.blob:
            lines.append(f"or, in a test file: {self.blob}")
        super().__init__("\n".join(line for line in lines if line))

    def __reduce__(self):
        """Pickled as a plain AssertionError with the same message."""
        return AssertionError, (str(self),)


@contextmanager
def _configured(test: Callable, seed: int, max_examples: int | None) -> Iterator[None]:
    saved = (test._hypothesis_internal_use_settings, test._hypothesis_internal_use_seed)
    options = dict(database=None, deadline=None, print_blob=True,
                   phases=[phase for phase in saved[0].phases if phase is not Phase.explain])
    if max_examples is not None:
        options["max_examples"] = max_examples
    test._hypothesis_internal_use_settings = settings(saved[0], **options)
    test._hypothesis_internal_use_seed = seed
    try:
        with _scratch_home():
            yield
    finally:
        test._hypothesis_internal_use_settings, test._hypothesis_internal_use_seed = saved


@contextmanager
def _scratch_home() -> Iterator[None]:
    """Hypothesis's home (its constants cache) in a temporary folder, not ``./.hypothesis``.

    Even without an example database, Hypothesis caches constants it finds in
    the source under its home, the working directory by default: a notebook
    would leave a ``.hypothesis`` folder behind. An explicitly configured home
    (``HYPOTHESIS_STORAGE_DIRECTORY``) is left alone.
    """
    previous = getattr(configuration, "__hypothesis_home_directory", None)
    default = getattr(configuration, "__hypothesis_home_directory_default", None)
    if previous not in (None, default) or os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="hypothesis-home-") as home:
        configuration.set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(previous)


def run_property(test: Callable, *, seed: int | None = None, max_examples: int | None = None) -> int:
    """Run the ``@given`` test ``test`` with ``seed`` (a fresh one if None) and no example database.

    Returns the seed when every example passes; otherwise prints and raises
    :class:`PropertyFailure` naming the seed and the :func:`replay` call.
    """
    seed = random.SystemRandom().randrange(100_000) if seed is None else seed
    return _run(test, seed, max_examples, replayed=False)


def replay(test: Callable, seed: int, *, max_examples: int | None = None) -> int:
    """Run ``test`` again with ``seed``: a deterministic test fails on the same example as before."""
    return _run(test, seed, max_examples, replayed=True)


def _run(test: Callable, seed: int, max_examples: int | None, replayed: bool) -> int:
    if not getattr(test, "is_hypothesis_test", False):
        raise TypeError(f"{getattr(test, '__name__', test)!r} is not a @given test: "
                        f"decorate it with hypothesis's @given(...) first")
    try:
        with _configured(test, seed, max_examples):
            test()
    except Exception as error:  # noqa: BLE001 (any failure of the property is reported with its seed)
        failure = PropertyFailure(test, seed, error, replayed)
        print(failure)
        raise failure from error
    return seed
