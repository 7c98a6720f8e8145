"""A small real nbgrader gradebook, built in this process (no nbgrader or alembic subprocess)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from course.coursedir import Course, known_alembic_version

ASSIGNMENT = "tiny"
COURSE_ID = "course101"
# notebook -> [(grade cell, points, cell type, is also a solution cell)]
GRADE_CELLS = {
    "tiny": [("double-test", 2.0, "code", False), ("hypot-test", 3.0, "code", False),
             ("why-answer", 1.0, "markdown", True)],
    "extra": [("extra-test", 4.0, "code", False)],
}
STUDENTS = ["alice", "bob"]
SCHEMA = "0123456789ab"  # any stamp will do: these gradebooks are never migrated


def small_course(root: Path, submitted: list[str] = STUDENTS) -> Course:
    """A course directory at ``root`` whose gradebook holds the assignment and ``submitted``'s submissions."""
    from nbgrader.api import Gradebook

    root.mkdir(parents=True, exist_ok=True)
    course = Course(root=root, db_url=f"sqlite:///{root / 'gradebook.db'}", course_id=COURSE_ID,
                    exchange_root=None)
    with known_alembic_version(SCHEMA), Gradebook(course.db_url, COURSE_ID) as gb:
        gb.add_assignment(ASSIGNMENT)
        for notebook, grade_cells in GRADE_CELLS.items():
            gb.add_notebook(notebook, ASSIGNMENT)
            for name, points, cell_type, solution in grade_cells:
                gb.add_grade_cell(name, notebook, ASSIGNMENT, max_score=points, cell_type=cell_type)
                gb.add_source_cell(name, notebook, ASSIGNMENT, cell_type=cell_type, source="")
                if solution:
                    gb.add_solution_cell(name, notebook, ASSIGNMENT)
        for student in STUDENTS:
            gb.add_student(student)
        with warnings.catch_warnings():  # SQLAlchemy's autoflush note on add_submission (stock too)
            warnings.filterwarnings("ignore", message=".*not in session.*")
            for student in submitted:
                gb.add_submission(ASSIGNMENT, student)
    return course


def set_scores(course: Course, student: str, scores: dict[str, float | None],
               comment: str | None = None) -> None:
    """Give ``student``'s grade cells automatic scores (as a finished autograde would)."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, COURSE_ID) as gb:
        for nb in gb.find_submission(ASSIGNMENT, student).notebooks:
            for grade in nb.grades:
                if grade.name in scores:
                    grade.auto_score = scores[grade.name]
                    grade.needs_manual_grade = scores[grade.name] is None
            for c in nb.comments:
                c.auto_comment = comment
        gb.db.commit()


@pytest.fixture()
def course(tmp_path) -> Course:
    return small_course(tmp_path / "course")
