"""``python -m course grade self NOTEBOOK``: a learner grades their own copy with the hidden tests.

The notebook is read once and copied into a temporary course directory built
from the repository's ``source/`` with stock ``nbgrader generate_assignment``; it
is graded there exactly as an instructor's autograde would grade it. Nothing of
the learner's is written or even opened for writing. Hidden tests are shown only
as "a hidden test failed", as in instructor feedback.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course import coursedir, paths
from course.grading.autograde import GradingError, Options, grade
from course.grading.outcomes import Result
from course.preprocessors.hide_hidden_tests import failure_messages, hide_hidden_tests
from course.quiz.variants import student_id


@dataclass
class Row:
    exercise: str
    score: float | None
    max_score: float
    message: str


def find_assignment(notebook: Path, source: Path) -> str:
    """The assignment whose source notebook has this file's name (or whose id is its folder)."""
    ids = paths.assignments(source) if source.is_dir() else []
    by_name = [a for a in ids if paths.notebook(a, source).stem == notebook.stem]
    if len(by_name) == 1:
        return by_name[0]
    if notebook.parent.name in ids:
        return notebook.parent.name
    raise GradingError(f"cannot tell which assignment {notebook.name} belongs to; "
                       f"use --assignment (one of: {', '.join(ids) or 'none found'})")


def rows_from(result: Result, autograded: str | None) -> list[Row]:
    """One row per graded exercise: score and what the student may see of the test's message."""
    messages = failure_messages(hide_hidden_tests(nbformat.reads(autograded, as_version=4))) if autograded else {}
    rows = []
    for cell in result.cells:
        if cell.kind != "test":
            rows.append(Row(cell.grade_id, None, cell.max_score, "graded by your instructor"))
        else:
            rows.append(Row(cell.grade_id, cell.auto_score, cell.max_score,
                            messages.get(cell.grade_id, "passed" if cell.auto_score else "failed")))
    return rows


def grade_own(notebook: Path, assignment: str | None = None, budget: float = 120.0,
              source: Path | None = None) -> tuple[Result, list[Row]]:
    """Grade a copy of ``notebook`` against ``source`` (default: the repository's source/)."""
    source = source or paths.SOURCE
    notebook = notebook.resolve()
    data = notebook.read_bytes()  # the only access to the learner's file
    assignment = assignment or find_assignment(notebook, source)
    with coursedir.temporary([assignment], source, prefix="course-self-grade-") as course:
        coursedir.generate(course.root, assignment)
        name = paths.notebook(assignment, course.source).name
        student = student_id()  # graded as the variant the learner's notebook shows
        folder = course.submitted / student / assignment
        folder.mkdir(parents=True)
        (folder / name).write_bytes(data)
        batch = grade(course, [assignment], Options(workers=2, budget=budget, progress=False))  # canary alongside
        result = batch.results[0]
        graded = course.autograded / student / assignment / name
        captured = graded.read_text(encoding="utf-8") if graded.exists() else None
        return result, rows_from(result, captured)


def grade_and_report(notebook: Path, assignment: str | None, budget: float, source: Path | None = None) -> int:
    """Grade a learner's notebook and print the score table; 0 when it was graded."""
    if not notebook.is_file():
        raise GradingError(f"no such notebook: {notebook}")
    print(f"grading {notebook} with the hidden tests (your file is not changed) ...", flush=True)
    result, rows = grade_own(notebook, assignment, budget, source)
    if rows:
        width = max(len("exercise"), *(len(r.exercise) for r in rows))
        print(f"\n{'exercise':{width}}  {'score':>7}  result")
        for r in rows:
            score = "-" if r.score is None else f"{r.score:g}/{r.max_score:g}"
            print(f"{r.exercise:{width}}  {score:>7}  {r.message}")
    if result.outcome.graded:
        print(f"\nautograded score: {result.score:g} / {result.max_score:g}"
              + (f"  ({result.outcome.value}: {result.detail})" if result.detail else ""))
        return 0
    print(f"\nnot graded: {result.outcome.value}: {result.detail}", file=sys.stderr)
    return 1
