"""Write graded submissions into the real gradebook, one at a time, from the parent process only.

Before a batch, every submission about to be graded is invalidated (its automatic
scores cleared, its autograded folder removed), so an interrupted or failed
re-grade never leaves an old grade standing. A graded notebook then gets its new
automatic scores (manual scores and comments a grader entered are kept, as stock
nbgrader keeps them); a submission none of whose notebooks could be graded is
removed from the gradebook.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from course.coursedir import Course
from course.grading.outcomes import Result


def invalidate(gb: Gradebook, course: Course, assignment: str, student: str) -> None:
    """Clear the automatic scores of a submission that is about to be re-graded."""
    remove_autograded(course, assignment, student)
    try:
        submission = gb.find_submission(assignment, student)
    except MissingEntry:
        return
    for nb in submission.notebooks:
        for grade in nb.grades:
            grade.auto_score = None
            grade.needs_manual_grade = True
        for comment in nb.comments:
            comment.auto_comment = None
    gb.db.commit()


def remove_autograded(course: Course, assignment: str, student: str) -> None:
    folder = course.autograded / student / assignment
    if folder.exists():
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(path.stat().st_mode | stat.S_IWUSR)
        shutil.rmtree(folder)


def _timestamp(submission_dir: Path) -> str | None:
    path = submission_dir / "timestamp.txt"
    return path.read_text().strip() if path.exists() else None


def record(gb: Gradebook, course: Course, results: list[Result], captured: dict[str, dict],
           submission_dir: Path, job_autograded: Path | None) -> None:
    """Store one student's assignment: ``captured`` maps notebook name -> the worker's grades message."""
    assignment, student = results[0].assignment, results[0].student
    graded = [r for r in results if r.outcome.graded]
    if not graded:
        try:
            gb.remove_submission(assignment, student)
        except MissingEntry:
            pass
        remove_autograded(course, assignment, student)
        return
    gb.update_or_create_student(student)
    timestamp = _timestamp(submission_dir)
    if timestamp:
        gb.update_or_create_submission(assignment, student, timestamp=timestamp)
    else:
        gb.update_or_create_submission(assignment, student)
    for result in results:
        nb = gb.find_submission_notebook(result.notebook, assignment, student)
        if not result.outcome.graded:
            for grade in nb.grades:
                grade.auto_score = None
                grade.needs_manual_grade = True
            continue
        data = captured[result.notebook]
        scores = {c["grade_id"]: c["auto_score"] for c in data["cells"]}
        for grade in nb.grades:
            score = scores.get(grade.name)
            if grade.name in result.withheld:
                grade.auto_score, grade.needs_manual_grade = 0.0, True
            else:
                grade.auto_score = score
                grade.needs_manual_grade = grade.manual_score is not None or score is None
        for comment in nb.comments:
            comment.auto_comment = data["comments"].get(comment.name)
        nb.late_submission_penalty = data.get("late_penalty")
    gb.db.commit()
    _write_autograded(course, results, captured, job_autograded)


def _write_autograded(course: Course, results: list[Result], captured: dict[str, dict],
                      job_autograded: Path | None) -> None:
    """autograded/<student>/<assignment>/: the graded notebooks and the files nbgrader put beside them."""
    assignment, student = results[0].assignment, results[0].student
    remove_autograded(course, assignment, student)
    dest = course.autograded / student / assignment
    dest.mkdir(parents=True)
    if job_autograded and job_autograded.is_dir():
        for path in job_autograded.rglob("*"):
            if path.is_file() and path.suffix != ".ipynb":
                target = dest / path.relative_to(job_autograded)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
    for result in results:
        if result.outcome.graded:
            (dest / f"{result.notebook}.ipynb").write_text(captured[result.notebook]["ipynb"],
                                                          encoding="utf-8")
    for path in dest.rglob("*"):
        if path.is_file():
            os.chmod(path, 0o444)  # as nbgrader leaves autograded files
