"""The author's pipeline: execute, generate the student version, autograde.

Everything runs in temporary course directories, never in the repository's
own gradebook; stock nbgrader does the work.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course import paths


def tool_environment() -> dict[str, str]:
    """The environment for nbgrader subprocesses: this Python's bin/ first (nbgrader runs alembic)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("COURSE_GRADEBOOK_URL", None)
    return env


def nbgrader(args: list[str], course_root: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run a stock nbgrader command in ``course_root``."""
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course_root,
        env=tool_environment(), capture_output=True, text=True,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def execute(notebook_path: Path, timeout: int = 120) -> nbformat.NotebookNode:
    """Execute a notebook in a temporary copy of its folder; errors stay in the outputs."""
    return execute_node(nbformat.read(notebook_path, as_version=4), notebook_path.parent, timeout)


def execute_node(nb: nbformat.NotebookNode, folder: Path, timeout: int = 120) -> nbformat.NotebookNode:
    """Execute a notebook object with a temporary copy of ``folder`` as working directory."""
    with tempfile.TemporaryDirectory(prefix="course-run-") as tmp:
        shutil.copytree(folder, tmp, dirs_exist_ok=True)
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": tmp}}).execute()
    return nb


def errors(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(cell id, error text) for each cell that raised."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", cell.get("id", "?"))
                found.append((grade_id, f"{out['ename']}: {out['evalue']}"))
    return found


def make_course_root(tmp: Path, assignments: list[str]) -> Path:
    """A temporary nbgrader course directory with this repo's config and sources."""
    shutil.copy2(paths.ROOT / "nbgrader_config.py", tmp / "nbgrader_config.py")
    for assignment in assignments:
        shutil.copytree(paths.SOURCE / assignment, tmp / "source" / assignment)
    return tmp


def generate(course_root: Path, assignment: str) -> Path:
    """``nbgrader generate_assignment`` in a course directory; returns the release folder."""
    nbgrader(["generate_assignment", assignment, "--force"], course_root)
    return course_root / "release" / assignment


@dataclass
class CellScore:
    grade_id: str
    score: float
    max_score: float
    manual: bool


def submit(course_root: Path, student: str, assignment: str, notebook: Path,
           name: str | None = None) -> None:
    """Place a notebook where nbgrader expects a collected submission (as ``name``)."""
    folder = course_root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(notebook, folder / (name or notebook.name))


def autograde(course_root: Path, assignment: str) -> subprocess.CompletedProcess:
    return nbgrader(["autograde", assignment, "--force"], course_root, check=False)


def scores(course_root: Path, assignment: str, student: str) -> dict[str, CellScore]:
    """Per-cell scores of one autograded submission, from the gradebook."""
    from nbgrader.api import Gradebook

    name = paths.notebook(assignment, course_root / "source").stem
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(name, assignment, student)
        return {
            g.name: CellScore(g.name, g.score, g.max_score,
                              g.needs_manual_grade or g.cell.cell_type == "markdown")
            for g in nb.grades
        }


def check(assignment: str) -> bool:
    """Execute, generate, autograde solution and blank release; print what an author needs."""
    source_nb = paths.notebook(assignment)
    print(f"== {assignment}: executing {source_nb.relative_to(paths.ROOT)}")
    failures = errors(execute(source_nb))
    for grade_id, text in failures:
        print(f"   error in {grade_id}: {text}")
    ok = not failures
    with tempfile.TemporaryDirectory(prefix="course-check-") as tmp:
        root = make_course_root(Path(tmp), [assignment])
        release = generate(root, assignment)
        print(f"   generated {release.relative_to(root)}")
        submit(root, "solution", assignment, root / "source" / assignment / source_nb.name)
        submit(root, "blank", assignment, release / source_nb.name)
        result = autograde(root, assignment)
        for student in ("solution", "blank"):
            try:
                cells = scores(root, assignment, student)
            except Exception as exc:  # a submission nbgrader could not grade
                print(f"   {student}: NOT GRADED ({exc})\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
                ok = False
                continue
            auto = [c for c in cells.values() if not c.manual]
            got = sum(c.score or 0 for c in auto)
            total = sum(c.max_score for c in auto)
            print(f"   {student}: {got:g}/{total:g} autograded points")
            for c in auto:
                print(f"      {c.grade_id}: {c.score:g}/{c.max_score:g}")
            expected = total if student == "solution" else 0
            ok &= got == expected
    print(f"   {'OK' if ok else 'PROBLEMS'}")
    return ok
