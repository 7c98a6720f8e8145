"""A snapshot of one assignment as the gradebook holds it, and a one-assignment gradebook copy.

Each submission is graded against a fresh SQLite copy of the assignment as the
real gradebook holds it (the same cells nbgrader's OverwriteCells would use),
so workers never share a database and the real one is only touched by the merge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from course import cells
from course.coursedir import known_alembic_version


@dataclass
class GradeCellInfo:
    grade_id: str
    max_score: float
    cell_type: str
    kind: str                 # "test" (code, autograded), "written" (manually graded) or "task"
    source: str               # the instructor's source, hidden tests included

    @property
    def visible_source(self) -> str:
        return cells.without_hidden_tests(self.source)


@dataclass
class NotebookInfo:
    name: str
    cells: list[GradeCellInfo]
    locked: dict[str, str] = field(default_factory=dict)   # read-only cells (not graded): grade_id -> source

    @property
    def tests(self) -> list[GradeCellInfo]:
        return [c for c in self.cells if c.kind == "test"]

    @property
    def max_auto_score(self) -> float:
        return sum(c.max_score for c in self.tests)


@dataclass
class Snapshot:
    assignment: str
    db_file: Path
    notebooks: dict[str, NotebookInfo]

    def notebook(self, name: str) -> NotebookInfo:
        return self.notebooks[name]


def _kind(cell, solution_names: set[str], task_names: set[str]) -> str:
    if cell.name in task_names:
        return "task"
    if cell.cell_type == "code" and cell.name not in solution_names:
        return "test"
    return "written"


def describe(db_url: str, course_id: str, assignment: str) -> dict[str, NotebookInfo]:
    """The assignment's notebooks and grade cells as the gradebook holds them."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        found = gb.find_assignment(assignment)
        notebooks = {}
        for nb in found.notebooks:
            sources = {c.name: c.source for c in nb.source_cells}
            order = [c.name for c in nb.source_cells]
            solution = {c.name for c in nb.solution_cells}
            task = {c.name for c in nb.task_cells}
            graded = [
                GradeCellInfo(c.name, float(c.max_score), c.cell_type, _kind(c, solution, task),
                              sources.get(c.name, ""))
                for c in list(nb.grade_cells) + list(nb.task_cells)
            ]
            graded.sort(key=lambda c: order.index(c.grade_id) if c.grade_id in order else len(order))
            graded_names = {c.grade_id for c in graded}
            locked = {c.name: c.source for c in nb.source_cells if c.locked and c.name not in graded_names}
            notebooks[nb.name] = NotebookInfo(nb.name, graded, locked)
    return notebooks


def in_gradebook(course, assignment: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.db_url, course.course_id) as gb:
        try:
            gb.find_assignment(assignment)
            return True
        except MissingEntry:
            return False


def build(db_url: str, course_id: str, assignment: str, folder: Path) -> Snapshot:
    """Copy one assignment from the gradebook at ``db_url`` into ``folder/gradebook.db``."""
    from nbgrader.api import Gradebook

    folder.mkdir(parents=True, exist_ok=True)
    db_file = folder / "gradebook.db"
    if db_file.exists():
        db_file.unlink()
    with Gradebook(db_url, course_id) as real, known_alembic_version(_schema_version(real)), \
            Gradebook(f"sqlite:///{db_file}", course_id) as new:
        found = real.find_assignment(assignment)
        new.add_assignment(assignment, duedate=found.duedate)
        for nb in found.notebooks:
            new.add_notebook(nb.name, assignment, kernelspec=nb.kernelspec)
            for c in nb.source_cells:
                new.add_source_cell(c.name, nb.name, assignment, cell_type=c.cell_type,
                                    locked=c.locked, source=c.source, checksum=c.checksum)
            for c in nb.grade_cells:
                new.add_grade_cell(c.name, nb.name, assignment, max_score=c.max_score,
                                   cell_type=c.cell_type)
            for c in nb.solution_cells:
                new.add_solution_cell(c.name, nb.name, assignment)
            for c in nb.task_cells:
                new.add_task_cell(c.name, nb.name, assignment, max_score=c.max_score,
                                  cell_type=c.cell_type)
    return Snapshot(assignment, db_file, describe(f"sqlite:///{db_file}", course_id, assignment))


def _schema_version(gb) -> str | None:
    """The real gradebook's schema version: new copies are stamped with it (no ``alembic`` run)."""
    from sqlalchemy import text

    try:
        return gb.db.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 (no alembic_version table: ask alembic)
        return None
