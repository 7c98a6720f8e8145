"""Feedback for students: stock ``nbgrader generate_feedback``, then a check for leaks.

The hiding itself is :class:`course.preprocessors.hide_hidden_tests.HideHiddenTests`,
which the course's ``nbgrader_config.py`` puts first in the feedback pipeline;
:func:`generate` runs the stock command and then searches the HTML for any line
of a hidden test.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

from course import cells
from course.coursedir import Course, nbgrader
from course.grading.snapshot import describe
from course.preprocessors.hide_hidden_tests import significant_lines


def leaks(course: Course, assignment: str, students: list[str] | None = None) -> list[tuple[Path, str]]:
    """(feedback file, hidden line) for every hidden test line found in generated feedback."""
    hidden = set()
    for info in describe(course.db_url, course.course_id, assignment).values():
        for cell in info.tests:
            hidden |= significant_lines([line for block in cells.hidden_tests(cell.source)
                                        for line in block.split("\n")])
            hidden -= {line.strip() for line in cells.without_hidden_tests(cell.source).split("\n")}
    found = []
    for page in sorted(course.feedback.glob(f"*/{assignment}/*.html")):
        if students and page.parent.parent.name not in students:
            continue
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        found += [(page, h) for h in sorted(hidden) if h in text]
    return found


def generate(course: Course, assignments: list[str], students: list[str] | None = None) -> int:
    """Stock ``nbgrader generate_feedback`` per assignment, then a leak check; 1 on any problem."""
    status = 0
    for assignment in assignments:
        for student in students or ["*"]:
            result = nbgrader(["generate_feedback", assignment, "--force", "--student", student,
                               f"--CourseDirectory.db_url={course.db_url}"], course.root, check=False)
            if result.returncode != 0:
                print(f"{assignment}: nbgrader generate_feedback failed for {student}:\n"
                      f"{result.stderr[-2000:]}", file=sys.stderr)
                status = 1
        found = leaks(course, assignment, students)
        pages = len(list(course.feedback.glob(f"*/{assignment}/*.html")))
        for page, line in found:
            print(f"LEAK {page}: {line}", file=sys.stderr)
        print(f"{assignment}: {pages} feedback page(s) in {course.feedback}, "
              f"{'no hidden test text found' if not found else f'{len(found)} hidden lines leaked'}")
        status |= bool(found)
    return status
