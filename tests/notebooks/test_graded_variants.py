"""Graded questions end to end: two students get different numbers and each is graded on their own.

For every chapter with graded questions whose prompts have parameters, the solution
is run as student "ben" to get ben's answers; those answers, written as literals,
are then graded as ben (full marks on the graded questions) and as "ana", who has
other numbers (the questions whose numbers differ fail).
"""

from __future__ import annotations

import ast
import os

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from course import coursedir, paths
from course.authoring.execute import execute_node
from course.cells import is_answer, is_test
from course.grading.autograde import Options, grade
from course.quiz import variants
from course.preprocessors.seal_quizzes import write_sealed
from course.quiz.model import load_spec

pytestmark = pytest.mark.slow


def chapters_with_variants() -> list:
    found = []
    for assignment in paths.assignments(paths.SOURCE):
        spec = load_spec(paths.SOURCE / assignment / "quiz.yaml")
        if any(q.params for q in spec.graded):
            found.append(pytest.param(assignment, marks=pytest.mark.xdist_group(assignment)))
    return found


def answers_of(assignment: str, student: str) -> dict:
    """The solution's graded_answers when the notebook runs as ``student``."""
    nb = nbformat.read(paths.notebook(assignment), as_version=4)
    nb.cells.append(new_code_cell("print(repr(graded_answers))"))
    before = os.environ.get(variants.ENV)
    os.environ[variants.ENV] = student
    try:
        execute_node(nb, paths.notebook(assignment).parent)
    finally:
        os.environ.pop(variants.ENV) if before is None else os.environ.__setitem__(variants.ENV, before)
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    return ast.literal_eval(printed.strip())


def graded_cells(nb) -> list[str]:
    return [c.metadata.nbgrader.grade_id for c in nb.cells if is_test(c) and "graded.answer(" in c.source]


@pytest.mark.parametrize("assignment", chapters_with_variants() or [pytest.param(None, marks=pytest.mark.skip)])
def test_each_student_is_graded_on_their_own_variant(assignment, tmp_path):
    spec = load_spec(paths.SOURCE / assignment / "quiz.yaml")
    ana = {q.id: variants.variant(spec.quiz, q.id, q.params, "ana") for q in spec.graded}
    ben = {q.id: variants.variant(spec.quiz, q.id, q.params, "ben") for q in spec.graded}
    differing = [q for q in spec.graded if q.params and ana[q.id] != ben[q.id]]
    assert differing, "ana and ben must get different numbers on some graded question"

    answers = answers_of(assignment, "ben")
    solution = nbformat.read(paths.notebook(assignment), as_version=4)
    answer_cell = next(c for c in solution.cells if is_answer(c) and "graded_answers" in c.source)
    answer_cell.source = f"graded_answers = {answers!r}"
    literal = write_sealed(paths.notebook(assignment), tmp_path / "literal" / paths.notebook(assignment).name,
                           solution)

    course = coursedir.create(tmp_path / "course", [assignment])
    coursedir.generate(course.root, assignment)
    for student in ("ana", "ben"):
        coursedir.submit(course, student, assignment, literal)
    results = {r.student: r for r in grade(course, [assignment], Options(workers=2, progress=False)).results}
    ids = graded_cells(solution)
    score = {s: {c.grade_id: (c.auto_score, c.max_score) for c in results[s].cells} for s in results}
    for gid in ids:
        got, full = score["ben"][gid]
        assert got == full, f"ben's own answers lose points on {gid}"
    lost = [gid for gid in ids if score["ana"][gid][0] < score["ana"][gid][1]]
    assert lost, "ana handed in ben's numbers and still got every graded question right"
    print(f"\n{assignment}: ana's numbers {[ana[q.id] for q in differing]}, ben's {[ben[q.id] for q in differing]};"
          f" ben's answers {answers}: ben {score['ben']}, ana {score['ana']}")
