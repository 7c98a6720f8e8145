"""History checkers: the invariants of distributed patterns, checked on what actually happened.

moto does not lose, duplicate, reorder or half-apply anything, so the course
injects those faults itself and then checks the *history* of calls, as Jepsen
(Knossos) and Porcupine do. Each property has a ``check_*`` function that
returns a :class:`Result` (true when it holds) and an ``assert_*`` function
for tests that raises :class:`HistoryError`, an ``AssertionError`` that says
which operations break the property, shows the shortest failing history and
draws it (``err.plot()``)::

    from course.checkers import History, assert_linearizable
    h = History()
    h.op("a", "write", "x", 1, start=0, end=1)
    h.op("b", "read", "x", result=0, start=2, end=3)
    assert_linearizable(h, initial=0)        # HistoryError: read x → 0 after write x 1 returned

Modules, one job each:

- :mod:`~course.checkers.history`: ``Op`` and ``History`` (built by hand, Jepsen style);
  :mod:`~course.checkers.frames`: histories from pandas DataFrames;
- :mod:`~course.checkers.messaging`: nothing lost, no duplicate effects, FIFO per group;
- :mod:`~course.checkers.storage`: read-your-writes, monotonic reads;
- :mod:`~course.checkers.linearizability`: single-register linearizability (Wing–Gong/Lowe);
- :mod:`~course.checkers.sagas`: committed or fully compensated, reverse order, at most once;
- :mod:`~course.checkers.result`: ``Result``, ``Violation``, ``HistoryError``;
  :mod:`~course.checkers.shrink`: the shortest failing history (delta debugging);
- :mod:`~course.checkers.timeline`: the space-time diagram (``plot_timeline``);
- :mod:`~course.checkers.properties`: hypothesis strategies, ``run_property`` and ``replay``.
"""

from course.checkers.frames import from_dataframe
from course.checkers.history import History, Op
from course.checkers.linearizability import (SearchTooLarge, assert_linearizable,
                                             check_linearizable)
from course.checkers.messaging import (assert_fifo_per_group, assert_no_duplicate_effects,
                                       assert_nothing_lost, check_fifo_per_group,
                                       check_no_duplicate_effects, check_nothing_lost)
from course.checkers.properties import (Fault, PropertyFailure, Step, fault_schedules, operations,
                                        register_histories, replay, run_property)
from course.checkers.result import HistoryError, Result, Violation
from course.checkers.sagas import assert_sagas, check_sagas
from course.checkers.shrink import shrink
from course.checkers.storage import (assert_monotonic_reads, assert_read_your_writes,
                                     check_monotonic_reads, check_read_your_writes)
from course.checkers.timeline import plot_timeline

__all__ = [
    "Fault", "History", "HistoryError", "Op", "PropertyFailure", "Result", "SearchTooLarge", "Step",
    "Violation", "assert_fifo_per_group", "assert_linearizable", "assert_monotonic_reads",
    "assert_no_duplicate_effects", "assert_nothing_lost", "assert_read_your_writes",
    "assert_sagas", "check_fifo_per_group", "check_linearizable", "check_monotonic_reads",
    "check_no_duplicate_effects", "check_nothing_lost", "check_read_your_writes", "check_sagas",
    "fault_schedules", "from_dataframe", "operations", "plot_timeline", "register_histories",
    "replay", "run_property", "shrink",
]
