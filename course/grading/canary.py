"""The canary: the instructor's own solution, graded in the same fence first.

Before any grade is written, each assignment's solution notebook from ``source/``
is graded exactly as a submission is (same worker, fence, limits and probes). If
it does not get every autograded point with outcome ``graded``, the environment
is wrong (a package missing inside the fence, a broken mount, another Python) and
every grade of the batch would be too: grading stops with the first failing cell
and its error, and the gradebook is left as it was.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from course.coursedir import Course
from course.grading import jobdir, precheck, verdicts
from course.grading.outcomes import Outcome, Result
from course.preprocessors.seal_quizzes import write_sealed

STUDENT = "course-canary"


class CanaryFailed(RuntimeError):
    """The solution did not get full marks inside the grading fence: grading would be wrong."""


def jobs(course: Course, described: dict, snapshots: dict, batch_dir: Path, limits, options) -> tuple[list, dict]:
    """One job per assignment grading its solution; and the prechecks verdicts need."""
    made, checks = [], {}
    for assignment, notebooks in described.items():
        folder = batch_dir / "canary-solutions" / assignment  # as handed in: quizzes sealed, no quiz files
        for name in notebooks:
            write_sealed(course.source / assignment / f"{name}.ipynb", folder / f"{name}.ipynb")
        checks[assignment] = {n: precheck.check(folder, info, set(notebooks)) for n, info in notebooks.items()}
        made.append(jobdir.prepare(batch_dir / f"canary-{assignment}", course, snapshots[assignment], STUDENT,
                                   folder, list(notebooks), budget=options.budget, limits=limits,
                                   isolate_network=options.isolate and options.namespaces,
                                   probes=options.probes))
    return made, checks


def is_canary(job) -> bool:
    return job.student == STUDENT and Path(job.job_dir).name.startswith("canary-")


def first_error(job, notebook: str) -> str:
    """'<cell>: <error>' for the first cell of the graded solution that raised, or ''."""
    path = Path(job.course_root) / "autograded" / job.student / job.assignment / f"{notebook}.ipynb"
    if not path.exists():
        return ""
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                where = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index}"
                return f"{where}: {out.get('ename')}: {out.get('evalue')}"
    return ""


def explain(result: Result, error: str) -> str:
    """The message an instructor gets: what failed, why it matters, what to do."""
    what = (f"the instructor's solution of {result.assignment}/{result.notebook} got "
            f"{result.score or 0:g}/{result.max_score:g} with outcome {result.outcome.value} inside the "
            "grading fence, so every grade of this batch would be wrong; nothing was written to the gradebook")
    if "ModuleNotFoundError" in error:
        module = error.split("No module named", 1)[-1].strip(" '\"")
        cause = (f"the package {module!r} is not importable inside the grading fence ({error}): install it "
                 "in the Python that runs the grader, and check that the grader runs from the course's "
                 "environment")
    elif error:
        cause = f"first failing cell {error}"
    else:
        cause = result.detail or "no cell raised; see the log"
    return f"{what}. Cause: {cause}. Fix the environment (or the solution: `python -m course check " \
           f"{result.assignment}`) and grade again."


def verify(finished, snapshot, checks: dict) -> None:
    """Raise :class:`CanaryFailed` unless the solution got full marks, outcome graded."""
    for result in verdicts.results(finished, snapshot, checks):
        if result.outcome is not Outcome.GRADED or (result.score or 0) < result.max_score:
            raise CanaryFailed(explain(result, first_error(finished.job, result.notebook)))
