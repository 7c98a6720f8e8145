"""The one outcome every student x notebook ends in, and the record that carries it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class Outcome(str, Enum):
    """How grading one submitted notebook ended. Only GRADED needs nothing from the instructor."""

    GRADED = "graded"
    RESTORED = "graded-restored"          # graded after nbgrader put back tampered/deleted test cells
    INTEGRITY = "integrity-unverified"    # tests ran under a tampered kernel: their points withheld
    TIMED_OUT = "timed-out"               # the notebook's time budget ran out
    KERNEL_DIED = "kernel-died"           # the kernel exited (os._exit, memory or CPU limit, crash)
    UNREADABLE = "unreadable"             # invalid JSON, wrong file name, missing notebook
    ENVIRONMENT = "environment-error"     # a cell the student cannot change raised: not the student's doing
    ERROR = "grader-error"                # nbgrader or the grader failed for another reason (see log)

    @property
    def graded(self) -> bool:
        """True when the submission's scores are in the gradebook."""
        return self in (Outcome.GRADED, Outcome.RESTORED, Outcome.INTEGRITY)

    @property
    def needs_instructor(self) -> bool:
        return self is not Outcome.GRADED

    @property
    def severity(self) -> int:
        """How much worse than plain ``graded`` (a student's assignment reports its worst notebook)."""
        return list(Outcome).index(self)


@dataclass
class CellGrade:
    """The autograder's verdict on one grade cell of one submission."""

    grade_id: str
    auto_score: float | None
    max_score: float
    kind: str                      # "test", "written" or "task"
    verified: bool = True          # False: the test may not really have run; points withheld


@dataclass
class Result:
    """One student x notebook: outcome, scores and what the instructor should know."""

    student: str
    assignment: str
    notebook: str
    outcome: Outcome
    detail: str = ""
    score: float | None = None          # autograded points awarded (None when not graded)
    max_score: float | None = None      # autogradable points available
    restored: list[str] = field(default_factory=list)     # grade_ids nbgrader put back
    withheld: list[str] = field(default_factory=list)     # grade_ids whose points were withheld
    cells_run: list[str] = field(default_factory=list)    # for timeouts and deaths
    seconds: float = 0.0
    log: str = ""                                          # path of the kept nbgrader log, if any
    cells: list[CellGrade] = field(default_factory=list)
    late_penalty: float | None = None

    def row(self) -> dict:
        """A flat dict for the CSV."""
        data = asdict(self)
        data["outcome"] = self.outcome.value
        data["restored"] = "; ".join(self.restored)
        data["withheld"] = "; ".join(self.withheld)
        data["cells_run"] = ", ".join(self.cells_run)
        data["seconds"] = round(self.seconds, 2)
        del data["cells"]
        return data


CSV_FIELDS = ["assignment", "student", "notebook", "outcome", "score", "max_score", "late_penalty",
              "detail", "restored", "withheld", "cells_run", "seconds", "log"]
