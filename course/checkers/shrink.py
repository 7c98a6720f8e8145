"""Shortest failing history: delta debugging over operations.

A checker's violation is easiest to understand on the fewest operations that
still show it. :func:`shrink` drops whole keys, then whole processes, then
chunks of operations (Zeller's ddmin), keeping each cut while the history still
fails, and ends with a history from which no single operation can be removed::

    fails = lambda h: not check_no_duplicate_effects(h)
    small = shrink(history, fails)            # e.g. the two applications of m7

Each sub-history is tested once (results are cached); ``max_checks`` bounds
the work on long histories, returning the smallest failing history found so far.
"""

from __future__ import annotations

from typing import Callable, Iterable

from course.checkers.history import History, Op

__all__ = ["shrink"]


class _Budget(Exception):
    pass


def shrink(history: History, fails: Callable[[History], bool], *,
           hints: Iterable[Iterable[Op]] = (), max_checks: int = 2000) -> History:
    """A 1-minimal sub-history of ``history`` on which ``fails`` is still true.

    ``hints`` are candidate sub-histories to try first (a checker's violating
    operations): when one fails on its own, shrinking starts from it. Raises
    ``ValueError`` if ``history`` itself does not fail.
    """
    cache: dict[frozenset, bool] = {}
    checks = [0]

    def test(ops: list[Op]) -> bool:
        ids = frozenset(op.index for op in ops)
        if ids not in cache:
            if checks[0] >= max_checks:
                raise _Budget
            checks[0] += 1
            cache[ids] = bool(fails(History(ops)))
        return cache[ids]

    current = list(history)
    if not test(current):
        raise ValueError("shrink needs a failing history: this one passes the check")
    try:
        for hint in hints:
            wanted = {op.index for op in hint}
            candidate = [op for op in current if op.index in wanted]
            if candidate and len(candidate) < len(current) and test(candidate):
                current = candidate
                break
        for field in ("key", "process"):
            for value in list(dict.fromkeys(getattr(op, field) for op in current)):
                candidate = [op for op in current if getattr(op, field) != value]
                if candidate and test(candidate):
                    current = candidate
        current = _ddmin(current, test)
    except _Budget:
        pass
    return History(current)


def _ddmin(ops: list[Op], test: Callable[[list[Op]], bool]) -> list[Op]:
    """Zeller and Hildebrandt's ddmin: the result fails, and fails no more without any one op."""
    n = 2
    while len(ops) >= 2:
        size = -(-len(ops) // n)
        chunks = [ops[i:i + size] for i in range(0, len(ops), size)]
        for chunk in chunks:
            if len(chunk) < len(ops) and test(chunk):
                ops, n = chunk, 2
                break
        else:
            for chunk in chunks:
                drop = {op.index for op in chunk}
                rest = [op for op in ops if op.index not in drop]
                if rest and test(rest):
                    ops, n = rest, max(n - 1, 2)
                    break
            else:
                if n >= len(ops):
                    break
                n = min(2 * n, len(ops))
    return ops
