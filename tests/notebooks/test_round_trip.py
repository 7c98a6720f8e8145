"""Every chapter end to end: it runs, release/ is current, and the course's grader scores it right.

Runs stock nbgrader and the course's grader in temporary course directories, never
in the repository's own. Results are shared per chapter (see conftest.py).
"""

from __future__ import annotations

import json

import pytest

from course import paths
from course.authoring.execute import errors
from course.cells import cells_by_id, hidden_line_numbers, is_answer, is_test
from course.grading.outcomes import Outcome
from course.preprocessors.hide_hidden_tests import failing_line

from .conftest import chapter_params, wrong_students

pytestmark = pytest.mark.slow
CHAPTERS = chapter_params()


@pytest.mark.parametrize("assignment", CHAPTERS)
def test_source_notebook_runs_and_passes_every_test(assignment, chapter):
    nb, refused = chapter(assignment).executed
    assert errors(nb) == [], "the instructor notebook must run clean, hidden tests included"
    if not nb.metadata.get("course", {}).get("demonstrates_network_guard"):
        assert refused == "", f"the notebook tried to leave the machine: {refused}"


@pytest.mark.parametrize("assignment", CHAPTERS)
def test_release_is_what_nbgrader_generates_today(assignment, chapter):
    fresh = chapter(assignment).graded.release
    committed = paths.RELEASE / assignment
    assert committed.exists(), f"release/{assignment} is missing: run `make release`"
    fresh_files = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
    committed_files = sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file())
    assert fresh_files == committed_files, "release/ has other files than nbgrader generates: run `make release`"
    for relative in fresh_files:
        a, b = (fresh / relative), (committed / relative)
        if relative.endswith(".ipynb"):
            same = json.loads(a.read_text()) == json.loads(b.read_text())
        else:
            same = a.read_bytes() == b.read_bytes()
        assert same, f"release/{assignment}/{relative} is out of date: run `make release` and commit"


@pytest.mark.parametrize("assignment", CHAPTERS)
def test_course_grader_gives_the_solution_full_marks_and_the_blank_zero(assignment, chapter):
    results = chapter(assignment).graded.results
    solution, blank = results["solution"], results["blank"]
    assert solution.outcome is Outcome.GRADED, f"solution: {solution.outcome.value}: {solution.detail}"
    assert blank.outcome is Outcome.GRADED, f"blank: {blank.outcome.value}: {blank.detail}"
    tests = [c for c in solution.cells if c.kind == "test"]
    assert tests, "no autograded cells"
    for cell in tests:
        assert cell.auto_score == cell.max_score, f"the solution loses points on {cell.grade_id}"
    assert solution.score == solution.max_score > 0
    assert [c.auto_score for c in blank.cells if c.kind == "test"] == [0] * len(tests), \
        "the untouched student version earns points"
    assert blank.score == 0


@pytest.mark.parametrize("assignment", CHAPTERS)
def test_student_version_runs_everything_but_the_exercises(assignment, chapter):
    nb = chapter(assignment).graded.autograded["blank"]
    by_id = cells_by_id(nb)
    failing = {where for where, _ in errors(nb)}
    allowed = {gid for gid, c in by_id.items() if is_answer(c) or is_test(c)}
    assert failing <= allowed, f"cells other than exercises fail in the student version: {failing - allowed}"
    tests = {gid for gid, c in by_id.items() if is_test(c)}
    assert tests <= failing, f"test cells that pass on the untouched student version: {tests - failing}"


@pytest.mark.parametrize("assignment", CHAPTERS)
def test_plausible_wrong_answers_pass_the_visible_tests_and_fail_a_hidden_one(assignment, chapter):
    graded = chapter(assignment).graded
    for k, entries in enumerate(wrong_students(assignment), 1):
        student = f"wrong-{k}"
        wrong = graded.results[student]
        assert wrong.outcome is Outcome.GRADED, f"{student}: {wrong.outcome.value}: {wrong.detail}"
        scores = {c.grade_id: c for c in wrong.cells}
        cells = cells_by_id(graded.autograded[student])
        for number, entry in entries:
            test_id, why = entry["fails"], f"#{number + 1} {entry['answer_cell']} ({entry['why']})"
            assert scores[test_id].auto_score < scores[test_id].max_score, \
                f"the hidden tests of {test_id} miss the wrong answer {why}"
            raised = [o for o in cells[test_id].outputs if o.get("output_type") == "error"]
            assert raised, f"{test_id} lost points without failing: was it executed?"
            line = failing_line(raised[0].get("traceback", []))
            assert line in hidden_line_numbers(cells[test_id].source), \
                f"the wrong answer {why} already fails a visible test of {test_id} (line {line})"
