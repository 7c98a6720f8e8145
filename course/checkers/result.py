"""What a checker returns, and the assertion error a failed check raises.

Every ``check_*`` function returns a :class:`Result`: true when the property
holds, otherwise a list of :class:`Violation` (what went wrong, in a sentence,
and the operations involved). Every ``assert_*`` function raises
:class:`HistoryError`, an ``AssertionError`` whose message names the property,
says which operations violate it (by which process, at which time), and shows
the *shortest* failing sub-history; ``err.plot()`` draws it::

    result = check_no_duplicate_effects(["m1", "m2", "m1"])
    bool(result)                  # False
    result.violations[0].message  # "m1 was applied 2 times: by sink as effects[0] and by sink as effects[2]"
    result.assert_holds()         # raises HistoryError with the two applications of m1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from course.checkers.history import History, Op
from course.checkers.shrink import shrink

__all__ = ["HistoryError", "Result", "Violation"]

SHOWN = 5  # violations listed in an error message


@dataclass(frozen=True)
class Violation:
    """One breach of a property: its ``kind``, a sentence, and the operations involved."""

    kind: str
    message: str
    ops: tuple[Op, ...] = ()


@dataclass
class Result:
    """The outcome of a check: true if ``property`` holds on ``history``."""

    property: str
    explanation: str
    history: History
    violations: list[Violation] = field(default_factory=list)
    recheck: Callable[[History], "Result"] | None = field(default=None, repr=False)
    #: while shrinking, only sub-histories for which this is true are tried (when the full one is)
    keep: Callable[[History], bool] | None = field(default=None, repr=False)

    def __bool__(self) -> bool:
        return not self.violations

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def ops(self) -> list[Op]:
        """Every operation named by a violation, in history order."""
        named = {op.index for v in self.violations for op in v.ops}
        return [op for op in self.history if op.index in named]

    def shortest(self, max_checks: int = 2000) -> History:
        """The smallest sub-history that still shows the first violation's kind (delta debugging)."""
        if self.ok:
            raise ValueError(f"{self.property} holds: there is no failing history to shrink")
        if self.recheck is None:
            return self.history
        kind = self.violations[0].kind
        guard = self.keep if self.keep is not None and self.keep(self.history) else None

        def fails(h: History) -> bool:
            if guard is not None and not guard(h):
                return False
            return any(v.kind == kind for v in self.recheck(h).violations)

        hints = [v.ops for v in self.violations if v.kind == kind]
        return shrink(self.history, fails, hints=hints, max_checks=max_checks)

    def assert_holds(self) -> "Result":
        """Raise :class:`HistoryError` (with the shortest failing history) unless the property holds."""
        if self.ok:
            return self
        small = self.shortest()
        again = self.recheck(small) if self.recheck is not None else self
        raise HistoryError(self, small, again)

    def summary(self, shown: int = SHOWN) -> str:
        if self.ok:
            return f"{self.property} holds on {len(self.history)} operations."
        lines = [f"{len(self.violations)} violation(s) in {len(self.history)} operations:"]
        lines += [f"  - {v.message}" for v in self.violations[:shown]]
        if len(self.violations) > shown:
            lines.append(f"  ... and {len(self.violations) - shown} more (result.violations)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return f"{self.property}: {self.summary()}"

    def __repr__(self) -> str:
        if self.ok:
            return f"<Result {self.property!r}: holds on {len(self.history)} operations>"
        return (f"<Result {self.property!r}: {len(self.violations)} violation(s), first: "
                f"{self.violations[0].message}>")


class HistoryError(AssertionError):
    """A property does not hold. ``.history`` is the shortest failing history, ``.plot()`` draws it.

    ``.result`` is the check on the full history, ``.full_history`` that history,
    ``.violations`` and ``.ops`` the violations and operations of the shortest one.
    """

    def __init__(self, result: Result, shortest: History, shortest_result: Result):
        self.result = result
        self.full_history = result.history
        self.history = shortest
        self.violations = shortest_result.violations or result.violations
        named = {op.index for v in self.violations for op in v.ops}
        self.ops = [op for op in shortest if op.index in named] or list(shortest)
        super().__init__(self._message())

    def _message(self) -> str:
        r = self.result
        return "\n".join([
            f"Property '{r.property}' does not hold. {r.explanation}",
            r.summary(),
            f"Shortest failing history ({len(self.history)} of {len(r.history)} operations; "
            f"err.history, drawn by err.plot()):",
            _indent(self.history.table()),
        ])

    def __reduce__(self):
        """Pickled (by a worker pool, say) as a plain AssertionError with the same message."""
        return AssertionError, (str(self),)

    def plot(self, path=None, **kwargs):
        """The timeline of the shortest failing history, violating operations highlighted."""
        from course.checkers.timeline import plot_timeline

        kwargs.setdefault("title", f"{self.result.property}: shortest failing history")
        return plot_timeline(self.history, highlight=self.ops, path=path, **kwargs)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
