"""The job directory of one submission: a temporary course directory, kernelspec and limits.

It holds only what grading needs: the course's ``nbgrader_config.py`` with a few
settings appended, a one-assignment gradebook, the assignment's non-notebook
files from ``source/`` (nbgrader copies those next to the submission) and the
submission itself. No instructor notebook, no other student.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from course import coursedir
from course.coursedir import Course
from course.grading import isolation, precheck
from course.grading.snapshot import Snapshot
from course.grading.worker import Job

GRADING_BLOCK = '''

# ---- appended by course.grading: grade one submission in this folder ----
from course.preprocessors import grading_preprocessors as _course_grading_preprocessors
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = {db_url!r}
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.Autograde.create_student = True
c.Autograde.autograde_preprocessors = _course_grading_preprocessors(c.Autograde.get("autograde_preprocessors"))
c.OverwriteCells.add_missing_cells = True
c.BudgetedExecute.budget = {budget!r}
c.BudgetedExecute.probes = {probes!r}
c.BudgetedExecute.shutdown_kernel = "immediate"  # the notebook is done: no need to wait ~1.5 s
'''


def config_text(course: Course, root: Path, course_id: str, budget: float, probes: bool = True) -> str:
    base = course.config_file.read_text() if course.config_file.exists() else "c = get_config()\n"
    return base + GRADING_BLOCK.format(root=str(root), db_url=f"sqlite:///{root / 'gradebook.db'}",
                                       course_id=course_id, budget=float(budget), probes=probes)


def _restore_metadata(path: Path, info) -> None:
    """The graded cells' nbgrader flags and points as the gradebook has them (see precheck)."""
    nb = nbformat.read(path, as_version=4)
    if precheck.restore_metadata(nb, info):
        nbformat.write(nb, path)


def prepare(job_dir: Path, course: Course, snapshot: Snapshot, student: str, submission: Path,
            notebooks: list[str], *, budget: float, limits: isolation.KernelLimits,
            isolate_network: bool = True, probes: bool = True, student_info: dict | None = None,
            extension_seconds: float | None = None) -> Job:
    """Lay out ``job_dir`` for one student's assignment; returns the worker's job."""
    assignment = snapshot.assignment
    root = job_dir / "course"
    coursedir.lay_out(root, [assignment], course.source, notebooks=False,
                      config=config_text(course, root, course.course_id, budget, probes))
    shutil.copy2(snapshot.db_file, root / "gradebook.db")
    dest = root / "submitted" / student / assignment
    dest.mkdir(parents=True)
    for path in submission.rglob("*"):
        rel = path.relative_to(submission)
        if path.is_dir() or ".ipynb_checkpoints" in rel.parts:
            continue
        if path.suffix == ".ipynb" and (len(rel.parts) > 1 or path.stem not in notebooks):
            continue  # unreadable or unexpected notebooks are reported, not graded
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest / rel)
        if path.suffix == ".ipynb" and path.stem in snapshot.notebooks:
            _restore_metadata(dest / rel, snapshot.notebook(path.stem))
    limits_file = job_dir / "limits.json"
    limits.write(limits_file)
    isolation.write_kernelspec(job_dir / "jupyter", limits_file)
    (job_dir / "runtime").mkdir()
    return Job(key=f"{assignment}/{student}", assignment=assignment, student=student,
               job_dir=str(job_dir), notebooks=list(notebooks), course_id=course.course_id,
               isolate_network=isolate_network, limits_file=str(limits_file),
               student_info=student_info or {}, extension_seconds=extension_seconds)
