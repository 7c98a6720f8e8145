"""The grades export: the outcome column, the newest outcomes, the exercises the class fails most.

Stock ``nbgrader export`` is not run here: where the whole export is tested, a
CSV in nbgrader's format stands in for it.
"""

from __future__ import annotations

import math
import os

import pandas as pd
from nbgrader.api import Gradebook

from course.grading import export, report
from course.grading.outcomes import Outcome, Result
from tests.grading.conftest import ASSIGNMENT, COURSE_ID, set_scores

NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score"]


def stock_rows(*rows) -> pd.DataFrame:
    """Rows as nbgrader export writes them: (student, timestamp or None, raw score)."""
    return pd.DataFrame([{"assignment": ASSIGNMENT, "duedate": None, "timestamp": ts, "student_id": s,
                          "last_name": None, "first_name": None, "email": None, "raw_score": raw,
                          "late_submission_penalty": 0.0, "score": raw, "max_score": 10.0}
                         for s, ts, raw in rows], columns=NBGRADER_COLUMNS)


def outcome_rows(*rows) -> pd.DataFrame:
    return pd.DataFrame([{"assignment": ASSIGNMENT, "student": s, "outcome": o, "detail": d} for s, o, d in rows],
                        columns=["assignment", "student", "outcome", "detail"])


# ---- with_outcomes ----------------------------------------------------------------------------

def test_every_row_says_how_its_score_came_about():
    grades = stock_rows(("alice", "2026-03-01 12:00:00", 5.0),   # graded by the course grader
                        ("bob", None, 0.0),                      # never submitted (stock's zero)
                        ("carol", "2026-03-01 12:00:00", 0.0),   # graded by stock nbgrader: a real zero
                        ("dave", None, 0.0))                     # the course grader: kernel died
    outcomes = outcome_rows(("alice", "graded", ""), ("dave", "kernel-died", "the kernel died in cell 3"),
                            ("erin", "unreadable", "invalid JSON"))  # not in the gradebook at all
    merged = export.with_outcomes(grades, outcomes)
    assert list(merged["student_id"]) == ["alice", "bob", "carol", "dave", "erin"]
    assert dict(zip(merged["student_id"], merged["outcome"])) == {
        "alice": "graded", "bob": "no submission graded", "carol": "graded (stock nbgrader)",
        "dave": "kernel-died", "erin": "unreadable"}
    assert merged.loc[merged["student_id"] == "dave", "detail"].item() == "the kernel died in cell 3"
    assert merged.loc[merged["student_id"] == "alice", "raw_score"].item() == 5.0
    assert math.isnan(merged.loc[merged["student_id"] == "erin", "raw_score"].item())
    assert list(grades.columns) == NBGRADER_COLUMNS, "the caller's frame is not changed"


def test_numeric_student_ids_match_their_outcomes():
    grades = stock_rows((12345, "2026-03-01 12:00:00", 5.0), (67890, None, 0.0))  # read_csv made them ints
    merged = export.with_outcomes(grades, outcome_rows(("12345", "graded", ""), ("67890", "timed-out", "")))
    assert len(merged) == 2
    assert dict(zip(merged["student_id"], merged["outcome"])) == {"12345": "graded", "67890": "timed-out"}


# ---- latest_outcomes --------------------------------------------------------------------------

def test_no_outcome_files_give_an_empty_table(course):
    found = export.latest_outcomes(course)
    assert found.empty and list(found.columns) == ["assignment", "student", "outcome", "detail"]


def test_the_newest_outcome_per_student_wins(course):
    course.outcomes_dir.mkdir(parents=True)
    old = report.write_csv([Result("007", ASSIGNMENT, "tiny", Outcome.KERNEL_DIED, detail="died"),
                            Result("bob", ASSIGNMENT, "tiny", Outcome.TIMED_OUT, detail="slow")],
                           course.outcomes_dir / "b-older.csv")
    new = report.write_csv([Result("007", ASSIGNMENT, "tiny", Outcome.GRADED, score=5)],
                           course.outcomes_dir / "a-newer.csv")  # named to sort first: mtime decides
    os.utime(old, (1_000_000, 1_000_000))
    os.utime(new, (2_000_000, 2_000_000))
    found = export.latest_outcomes(course).sort_values("student").reset_index(drop=True)
    assert list(found.columns) == ["assignment", "student", "outcome", "detail"]
    assert found.to_dict("records") == [
        {"assignment": ASSIGNMENT, "student": "007", "outcome": "graded", "detail": ""},
        {"assignment": ASSIGNMENT, "student": "bob", "outcome": "timed-out", "detail": "slow"}]


def test_a_student_reports_their_worst_notebook_and_every_notebook_is_listed(course):
    course.outcomes_dir.mkdir(parents=True)
    report.write_csv([Result("alice", ASSIGNMENT, "extra", Outcome.RESTORED, detail="test cells put back: t"),
                      Result("alice", ASSIGNMENT, "tiny", Outcome.GRADED, score=5),
                      Result("bob", ASSIGNMENT, "tiny", Outcome.GRADED, score=5)],
                     course.outcomes_dir / f"{ASSIGNMENT}.csv")
    worst = export.latest_outcomes(course).sort_values("student")
    assert worst[["student", "outcome", "detail"]].values.tolist() == [
        ["alice", "graded-restored", "test cells put back: t"], ["bob", "graded", ""]]
    every = export.notebook_outcomes(course)
    assert every[["student", "notebook", "outcome"]].values.tolist() == [
        ["alice", "extra", "graded-restored"], ["alice", "tiny", "graded"], ["bob", "tiny", "graded"]]


# ---- exercise_summary -------------------------------------------------------------------------

def test_exercises_are_ranked_by_how_many_lost_points(course):
    set_scores(course, "alice", {"double-test": 2.0, "hypot-test": 3.0})
    set_scores(course, "bob", {"double-test": 2.0, "hypot-test": 0.0})
    with Gradebook(course.db_url, COURSE_ID) as gb:
        gb.find_grade("why-answer", "tiny", ASSIGNMENT, "alice").manual_score = 0.5
        gb.db.commit()
    summary = export.exercise_summary(course)
    assert list(summary.columns) == ["assignment", "exercise", "kind", "graded", "mean score", "max",
                                     "lost points", "fail rate"]
    rows = {r["exercise"]: r for r in summary.to_dict("records")}
    assert list(summary["exercise"]) == ["why-answer", "hypot-test", "double-test"]  # extra-test: no scores
    assert rows["hypot-test"] == {"assignment": ASSIGNMENT, "exercise": "hypot-test", "kind": "test",
                                  "graded": 2, "mean score": 1.5, "max": 3.0, "lost points": 1,
                                  "fail rate": 0.5}
    assert rows["why-answer"]["kind"] == "written" and rows["why-answer"]["graded"] == 1
    assert rows["why-answer"]["fail rate"] == 1.0 and rows["why-answer"]["mean score"] == 0.5
    assert rows["double-test"]["lost points"] == 0 and rows["double-test"]["fail rate"] == 0.0
    assert export.exercise_summary(course, ["another-assignment"]).empty
    assert len(export.exercise_summary(course, [ASSIGNMENT])) == 3


# ---- export_grades ----------------------------------------------------------------------------

def test_export_keeps_numeric_student_ids_as_written(course, tmp_path, monkeypatch, capsys):
    """University ids are digits, often with leading zeros: "007" must stay "007"."""
    def stock_export(course, to, assignments=None):
        stock_rows(("007", None, 0.0), ("0042", "2026-03-01 12:00:00", 5.0)).to_csv(to, index=False)
        return to

    monkeypatch.setattr(export, "stock_export", stock_export)
    course.outcomes_dir.mkdir(parents=True)
    report.write_csv([Result("007", ASSIGNMENT, "tiny", Outcome.KERNEL_DIED, detail="died"),
                      Result("0042", ASSIGNMENT, "tiny", Outcome.GRADED, score=5)],
                     course.outcomes_dir / f"{ASSIGNMENT}.csv")
    assert export.export_grades(course, [ASSIGNMENT], tmp_path / "grades.csv", tmp_path / "plot.png") == 0
    written = pd.read_csv(tmp_path / "grades.csv", dtype=str, keep_default_na=False)
    assert written[["student_id", "raw_score", "outcome"]].values.tolist() == [
        ["0042", "5.0", "graded"], ["007", "0.0", "kernel-died"]]
    assert "007/tiny: kernel-died" in capsys.readouterr().out
    every = pd.read_csv(tmp_path / "grades-notebooks.csv", dtype=str, keep_default_na=False)
    assert every[["student", "notebook", "outcome"]].values.tolist() == [
        ["0042", "tiny", "graded"], ["007", "tiny", "kernel-died"]]
