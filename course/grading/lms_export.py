"""Grades where instructors' tools live: Gradescope ``results.json`` files and a Canvas gradebook CSV.

Only submissions whose outcome is graded are exported; every other one is listed
with its outcome, so a broken submission never becomes a silent zero in the LMS.

- Gradescope (its autograder's ``results.json``): one file per submission, a test
  per autograded cell with its score and the message a student may read (a
  hidden test shows only its hint); tests with hidden parts are ``after_published``.
- Canvas (its gradebook import): ``Student, ID, SIS User ID, SIS Login ID, Section``
  and one column per assignment, after a ``Points Possible`` row; blank cells are
  left untouched by Canvas's import.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat

from course import cells
from course.coursedir import Course
from course.preprocessors.hide_hidden_tests import failure_messages, hide_hidden_tests

GRADED = ("graded", "graded-restored", "graded (stock nbgrader)")
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def _messages(course: Course, assignment: str, student: str, notebook: str) -> tuple[dict, set]:
    """(failure messages a student may read, grade_ids of test cells with hidden parts)."""
    path = course.autograded / student / assignment / f"{notebook}.ipynb"
    if not path.exists():
        return {}, set()
    nb = nbformat.read(path, as_version=4)
    hidden = {cells.grade_id(c) for c in nb.cells if cells.is_test(c) and cells.hidden_tests(c.source)}
    return failure_messages(hide_hidden_tests(nb)), hidden


def gradescope_results(course: Course, assignment: str, student: str) -> dict:
    """One submission's ``results.json`` content."""
    from nbgrader.api import Gradebook

    tests = []
    with Gradebook(course.db_url, course.course_id) as gb:
        submission = gb.find_submission(assignment, student)
        for notebook in submission.notebooks:
            messages, hidden = _messages(course, assignment, student, notebook.name)
            for grade in notebook.grades:
                if grade.cell_type != "code" or grade.auto_score is None:
                    continue
                tests.append({
                    "name": f"{notebook.name}: {grade.name}", "score": float(grade.score),
                    "max_score": float(grade.max_score),
                    "output": messages.get(grade.name, "passed" if grade.score >= grade.max_score else "failed"),
                    "visibility": "after_published" if grade.name in hidden else "visible"})
    return {"score": sum(t["score"] for t in tests), "tests": tests, "visibility": "visible",
            "output": "Autograded tests; written answers are graded by your instructor."}


def write_gradescope(course: Course, grades, folder: Path) -> list[Path]:
    """``folder/<assignment>/<student>/results.json`` for every graded row of ``grades``."""
    written = []
    for row in grades[grades["outcome"].isin(GRADED)].itertuples():
        path = folder / row.assignment / str(row.student_id) / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(gradescope_results(course, row.assignment, str(row.student_id)), indent=1))
        written.append(path)
    return written


def write_canvas(grades, path: Path, lms_ids: dict[str, str] | None = None) -> Path:
    """A Canvas gradebook import: one row per student, one column per assignment (blank if not graded)."""
    lms_ids = lms_ids or {}
    assignments = sorted(grades["assignment"].unique())
    possible = {a: grades.loc[grades["assignment"] == a, "max_score"].max() for a in assignments}
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CANVAS_HEADER + assignments)
        writer.writerow(["Points Possible", "", "", "", ""] + [f"{possible[a]:g}" for a in assignments])
        for student, rows in grades.groupby("student_id", sort=True):
            first, last = rows["first_name"].dropna(), rows["last_name"].dropna()
            name = ", ".join(str(x.iloc[0]) for x in (last, first) if len(x)) or str(student)
            scores = {r.assignment: f"{r.score:g}" for r in rows.itertuples() if r.outcome in GRADED}
            writer.writerow([name, lms_ids.get(str(student), ""), student, "", ""]
                            + [scores.get(a, "") for a in assignments])
    return path


def lms_user_ids(course: Course) -> dict[str, str]:
    """nbgrader's ``lms_user_id`` of each student who has one (Canvas's numeric user ID)."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gb:
        return {s.id: str(s.lms_user_id) for s in gb.students if s.lms_user_id}
