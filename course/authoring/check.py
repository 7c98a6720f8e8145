"""The author's check of a chapter: ``python -m course check ID``.

It checks the chapter rules (:mod:`course.authoring.rules`), executes the instructor notebook, generates the student version with stock
nbgrader in a temporary course directory, and grades the solution and the
untouched student version with the course's grader (probes on): the solution
must earn every autograded point and the student version none.
"""

from __future__ import annotations

from course import coursedir, paths
from course.authoring import rules
from course.authoring.execute import errors, execute
from course.grading.autograde import Options, grade
from course.grading.outcomes import Outcome, Result
from course.preprocessors.seal_quizzes import write_sealed


def grade_solution_and_blank(assignment: str, workers: int = 2) -> dict[str, Result]:
    """Grade the solution and the untouched student version: {"solution": ..., "blank": ...}."""
    name = paths.notebook(assignment).name
    with coursedir.temporary([assignment], prefix="course-check-") as course:
        release = coursedir.generate(course.root, assignment)
        solution = write_sealed(course.source / assignment / name, course.root / "sealed" / name)
        for student, notebook in (("solution", solution), ("blank", release / name)):
            coursedir.submit(course, student, assignment, notebook)
        batch = grade(course, [assignment], Options(workers=workers, progress=False, canary=False))  # graded anyway
    return {r.student: r for r in batch.results}


def check(assignment: str) -> bool:
    """Execute, generate, grade; print what an author needs; True when all is well."""
    source_nb = paths.notebook(assignment)
    print(f"== {assignment}: executing {source_nb.relative_to(paths.ROOT)}")
    failures = errors(execute(source_nb))
    for where, text in failures:
        print(f"   error in {where}: {text}")
    ok = not failures
    for problem in rules.problems(assignment):
        print(f"   rule: {problem}")
        ok = False
    for student, result in grade_solution_and_blank(assignment).items():
        expected = result.max_score if student == "solution" else 0
        print(f"   {student}: {result.outcome.value}, {result.score or 0:g}/{result.max_score:g} "
              f"autograded points {result.detail}")
        for cell in result.cells:
            if cell.kind == "test":
                print(f"      {cell.grade_id}: {cell.auto_score or 0:g}/{cell.max_score:g}")
        ok &= result.outcome is Outcome.GRADED and (result.score or 0) == expected
    print(f"   {'OK' if ok else 'PROBLEMS'}")
    return ok
