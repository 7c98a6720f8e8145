"""Each chapter, run once per test session and shared by every test that needs it.

``chapter(assignment)`` gives lazily computed, cached results:

- ``executed``: the instructor notebook run headless (and what the network guard refused);
- ``graded``: a temporary course where stock nbgrader generated the student version and
  the course's grader (probes on, isolated as the machine allows) graded the solution, the
  untouched student version ("blank") and the solution with the plausible wrong answers of
  ``tests/wrong_answers/<id>.yaml`` put in, at most one per answer cell in each of "wrong-1",
  "wrong-2", ... (so every one is graded); all handed in with their quizzes sealed.

Tests of one chapter share an xdist group, so under ``pytest -n 2`` each chapter is
executed and graded once, on one worker, while the other worker takes another chapter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import nbformat
import pytest
import yaml

from course import coursedir, paths
from course.authoring.execute import execute
from course.cells import cells_by_id
from course.grading.autograde import Options, grade
from course.grading.outcomes import Result
from course.preprocessors.seal_quizzes import write_sealed


def chapter_params() -> list:
    """One pytest param per chapter, in the chapter's xdist group."""
    return [pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in paths.assignments(paths.SOURCE)]


def wrong_answers(assignment: str) -> list[dict]:
    return yaml.safe_load((paths.ROOT / "tests" / "wrong_answers" / f"{assignment}.yaml").read_text())


def wrong_students(assignment: str) -> list[list[tuple[int, dict]]]:
    """The wrong answers spread over students "wrong-1", "wrong-2", ...: at most one per answer cell each.

    Every entry is graded (not only the last one of its answer cell), with as few
    submissions as the answer cell with the most wrong answers needs.
    """
    students: list[list[tuple[int, dict]]] = []
    taken: dict[str, int] = {}
    for number, entry in enumerate(wrong_answers(assignment)):
        k = taken.get(entry["answer_cell"], 0)
        taken[entry["answer_cell"]] = k + 1
        if k == len(students):
            students.append([])
        students[k].append((number, entry))
    return students


def with_wrong_answers(assignment: str, entries: list[dict]) -> nbformat.NotebookNode:
    """The solution notebook with ``entries`` (plausible wrong answers) put in."""
    nb = nbformat.read(paths.notebook(assignment), as_version=4)
    by_id = cells_by_id(nb)
    for entry in entries:
        by_id[entry["answer_cell"]].source = entry["source"]
    return nb


@dataclass
class Graded:
    release: Path                               # what nbgrader generated today
    results: dict[str, Result]                  # student -> the grader's result
    autograded: dict[str, nbformat.NotebookNode]  # student -> the graded notebook, outputs included


class Chapter:
    def __init__(self, assignment: str, folder: Path, netlog: Path):
        self.assignment, self.folder, self.netlog = assignment, folder, netlog
        self.notebook = paths.notebook(assignment)

    @cached_property
    def executed(self) -> tuple[nbformat.NotebookNode, str]:
        """The instructor notebook, executed; and the connections the guard refused meanwhile."""
        before = self.netlog.read_text() if self.netlog.exists() else ""
        nb = execute(self.notebook)
        after = self.netlog.read_text() if self.netlog.exists() else ""
        return nb, after[len(before):]

    @cached_property
    def graded(self) -> Graded:
        course = coursedir.create(self.folder / "course", [self.assignment])
        release = coursedir.generate(course.root, self.assignment)
        name = self.notebook.name
        # handed in as students would: quizzes sealed (no quiz file lies next to a submission)
        submissions = {"solution": write_sealed(self.notebook, self.folder / "solution" / name),
                       "blank": release / name}
        for k, entries in enumerate(wrong_students(self.assignment), 1):
            submissions[f"wrong-{k}"] = write_sealed(self.notebook, self.folder / f"wrong-{k}" / name,
                                                     with_wrong_answers(self.assignment, [e for _, e in entries]))
        for student, notebook in submissions.items():
            coursedir.submit(course, student, self.assignment, notebook, name)
        workers = 1 if os.environ.get("PYTEST_XDIST_WORKER") else 2
        batch = grade(course, [self.assignment], Options(workers=workers, progress=False, canary=False))  # 'solution' is one
        results = {r.student: r for r in batch.results}
        autograded = {}
        for student in results:
            path = course.autograded / student / self.assignment / name
            if path.exists():
                autograded[student] = nbformat.read(path, as_version=4)
        return Graded(release, results, autograded)


@pytest.fixture(scope="session")
def netlog(tmp_path_factory):
    """Kernels started by the tests note every refused connection here."""
    log = tmp_path_factory.mktemp("netguard") / "refused.log"
    os.environ["COURSE_NETGUARD_LOG"] = str(log)
    yield log
    os.environ.pop("COURSE_NETGUARD_LOG", None)


@pytest.fixture(scope="session")
def chapter(tmp_path_factory, netlog):
    """``chapter(assignment)``: the chapter's shared, lazily computed results."""
    made: dict[str, Chapter] = {}

    def get(assignment: str) -> Chapter:
        if assignment not in made:
            made[assignment] = Chapter(assignment, tmp_path_factory.mktemp(assignment), netlog)
        return made[assignment]

    return get
