"""Writing outcomes into a real (temporary, in-process) nbgrader gradebook and ``autograded/``."""

from __future__ import annotations

import json
import stat

import pytest
from nbgrader.api import Gradebook, MissingEntry

from course.grading import gradebook_writer
from course.grading.outcomes import Outcome, Result
from tests.grading.conftest import ASSIGNMENT, COURSE_ID, set_scores


def grades(course, student: str) -> dict[str, tuple]:
    """grade cell -> (auto_score, manual_score, needs_manual_grade) of one submission."""
    with Gradebook(course.db_url, COURSE_ID) as gb:
        return {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade)
                for nb in gb.find_submission(ASSIGNMENT, student).notebooks for g in nb.grades}


def comments(course, student: str) -> dict[str, str | None]:
    with Gradebook(course.db_url, COURSE_ID) as gb:
        return {c.name: c.auto_comment
                for nb in gb.find_submission(ASSIGNMENT, student).notebooks for c in nb.comments}


def autograded_folder(course, student: str):
    """An old autograded/ folder as nbgrader leaves it: read-only files, a read-only subfolder."""
    folder = course.autograded / student / ASSIGNMENT
    (folder / "data").mkdir(parents=True)
    for path in (folder / "tiny.ipynb", folder / "data" / "out.csv"):
        path.write_text("old")
        path.chmod(0o444)
    (folder / "data").chmod(0o555)
    return folder


def captured(notebook: str, cells: dict[str, float | None], comment: str | None = None,
             late_penalty: float | None = None) -> dict:
    """The worker's ``grades`` message for one notebook."""
    return {"notebook": notebook, "ipynb": json.dumps({"graded": notebook}),
            "cells": [{"grade_id": k, "auto_score": v} for k, v in cells.items()],
            "comments": {"why-answer": comment} if comment else {}, "late_penalty": late_penalty}


# ---- invalidate -------------------------------------------------------------------------------

def test_invalidate_clears_old_automatic_scores_and_the_autograded_folder(course):
    set_scores(course, "alice", {"double-test": 2.0, "hypot-test": 3.0, "extra-test": 4.0}, "old comment")
    set_scores(course, "bob", {"double-test": 2.0}, "bob's")
    folder = autograded_folder(course, "alice")
    with Gradebook(course.db_url, COURSE_ID) as gb:
        gb.find_grade("why-answer", "tiny", ASSIGNMENT, "alice").manual_score = 0.5
        gb.db.commit()
        gradebook_writer.invalidate(gb, course, ASSIGNMENT, "alice")
    assert not folder.exists(), "read-only files and folders are removed too"
    assert grades(course, "alice") == {
        "double-test": (None, None, True), "hypot-test": (None, None, True),
        "why-answer": (None, 0.5, True), "extra-test": (None, None, True)}, "manual scores are kept"
    assert comments(course, "alice") == {"why-answer": None}
    assert grades(course, "bob")["double-test"] == (2.0, None, False), "other students are untouched"
    assert comments(course, "bob") == {"why-answer": "bob's"}


def test_invalidate_without_a_submission_still_removes_the_folder(tmp_path):
    from tests.grading.conftest import small_course

    course = small_course(tmp_path / "course", submitted=[])
    folder = autograded_folder(course, "alice")
    with Gradebook(course.db_url, COURSE_ID) as gb:
        gradebook_writer.invalidate(gb, course, ASSIGNMENT, "alice")
        with pytest.raises(MissingEntry):
            gb.find_submission(ASSIGNMENT, "alice")
    assert not folder.exists()


def test_remove_autograded_leaves_other_students_and_assignments(course):
    mine = autograded_folder(course, "alice")
    other = course.autograded / "bob" / ASSIGNMENT / "tiny.ipynb"
    elsewhere = course.autograded / "alice" / "other-assignment" / "a.ipynb"
    for path in (other, elsewhere):
        path.parent.mkdir(parents=True)
        path.write_text("keep")
    gradebook_writer.remove_autograded(course, ASSIGNMENT, "alice")
    gradebook_writer.remove_autograded(course, ASSIGNMENT, "carol")  # nothing there: no error
    assert not mine.exists() and other.read_text() == "keep" and elsewhere.read_text() == "keep"


# ---- record -----------------------------------------------------------------------------------

def test_record_stores_scores_comments_penalty_timestamp_and_withholds(course, tmp_path):
    submission = tmp_path / "submitted" / "alice" / ASSIGNMENT
    submission.mkdir(parents=True)
    (submission / "timestamp.txt").write_text("2026-03-01 12:30:00.000000 UTC\n")
    job_autograded = tmp_path / "job" / "autograded" / "alice" / ASSIGNMENT
    (job_autograded / "plots").mkdir(parents=True)
    (job_autograded / "plots" / "fig.png").write_bytes(b"png")
    (job_autograded / "tiny.ipynb").write_text("nbgrader's copy, not ours")
    (job_autograded / "extra.ipynb").write_text("half-run notebook of a kernel that died")
    with Gradebook(course.db_url, COURSE_ID) as gb:
        gb.find_grade("why-answer", "tiny", ASSIGNMENT, "alice").manual_score = 1.0
        gb.db.commit()
        results = [Result("alice", ASSIGNMENT, "tiny", Outcome.INTEGRITY, withheld=["hypot-test"]),
                   Result("alice", ASSIGNMENT, "extra", Outcome.KERNEL_DIED)]
        gradebook_writer.record(gb, course, results,
                                {"tiny": captured("tiny", {"double-test": 2.0, "hypot-test": 3.0,
                                                           "why-answer": None}, "No response.", 0.5)},
                                submission, job_autograded)
        stored = gb.find_submission(ASSIGNMENT, "alice")
        assert stored.timestamp.isoformat() == "2026-03-01T12:30:00"
        assert gb.find_submission_notebook("tiny", ASSIGNMENT, "alice").late_submission_penalty == 0.5
    assert grades(course, "alice") == {
        "double-test": (2.0, None, False),
        "hypot-test": (0.0, None, True),        # withheld: no points, a person must look
        "why-answer": (None, 1.0, True),        # written: the grader's manual score stands
        "extra-test": (None, None, True),       # the kernel died in this notebook: not graded
    }
    assert comments(course, "alice") == {"why-answer": "No response."}
    dest = course.autograded / "alice" / ASSIGNMENT
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == \
        ["plots/fig.png", "tiny.ipynb"], "graded notebooks and nbgrader's other files, nothing else"
    assert not (dest / "extra.ipynb").exists(), "a notebook that was not graded has no autograded copy"
    assert json.loads((dest / "tiny.ipynb").read_text()) == {"graded": "tiny"}
    assert (dest / "plots" / "fig.png").read_bytes() == b"png"
    assert all(not p.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
               for p in dest.rglob("*") if p.is_file()), "autograded files are read-only"


def test_record_replaces_an_older_autograded_folder(course, tmp_path):
    old = autograded_folder(course, "alice")
    with Gradebook(course.db_url, COURSE_ID) as gb:
        gradebook_writer.record(gb, course, [Result("alice", ASSIGNMENT, "tiny", Outcome.GRADED)],
                                {"tiny": captured("tiny", {"double-test": 1.0})}, tmp_path, None)
    assert not (old / "data").exists()
    assert json.loads((old / "tiny.ipynb").read_text()) == {"graded": "tiny"}
    assert grades(course, "alice")["double-test"] == (1.0, None, False)
    assert grades(course, "alice")["hypot-test"] == (None, None, True), "no score captured: manual"


def test_record_with_nothing_graded_removes_the_submission(course, tmp_path):
    set_scores(course, "alice", {"double-test": 2.0})
    folder = autograded_folder(course, "alice")
    with Gradebook(course.db_url, COURSE_ID) as gb:
        gradebook_writer.record(gb, course, [Result("alice", ASSIGNMENT, "tiny", Outcome.TIMED_OUT),
                                             Result("alice", ASSIGNMENT, "extra", Outcome.UNREADABLE)],
                                {}, tmp_path, None)
        with pytest.raises(MissingEntry):
            gb.find_submission(ASSIGNMENT, "alice")
        assert gb.find_submission(ASSIGNMENT, "bob"), "only this student's submission goes"
        gradebook_writer.record(gb, course, [Result("carol", ASSIGNMENT, "tiny", Outcome.ERROR)],
                                {}, tmp_path, None)  # never in the gradebook: nothing to remove
    assert not folder.exists()
