"""A second grader on the same SQLite gradebook is refused with a clear message (PostgreSQL: test_postgres)."""

from __future__ import annotations

import pytest

from course.grading import lock
from course.grading.autograde import GradingError, grade
from tests.grading.conftest import ASSIGNMENT, small_course


def test_a_second_grader_is_refused_while_the_first_holds_the_gradebook(tmp_path):
    course = small_course(tmp_path / "course")
    with lock.exclusive(course):
        with pytest.raises(GradingError, match=r"another grader is already grading .*\(process \d+ on "):
            grade(course, [ASSIGNMENT])
        with pytest.raises(lock.GraderBusy):
            with lock.exclusive(course):
                pass
    with lock.exclusive(course):  # released: the next batch may start
        pass
