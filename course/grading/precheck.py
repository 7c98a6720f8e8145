"""Look at a submission before grading: can each notebook be read, which test cells were touched.

nbgrader restores tampered and deleted test cells itself (checksums, OverwriteCells
with ``add_missing_cells``); this module only finds out which ones, by grade_id,
so the outcome can say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.cells import grade_id, normalize
from course.grading.snapshot import NotebookInfo


@dataclass
class Precheck:
    notebook: str
    readable: bool
    problem: str = ""                                   # why it cannot be graded
    restored: list[str] = field(default_factory=list)   # "grade_id (how)"
    restored_ids: list[str] = field(default_factory=list)


def read(path: Path) -> tuple[nbformat.NotebookNode | None, str]:
    """(notebook, "") or (None, why it is unreadable)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except UnicodeDecodeError:
        return None, f"{path.name} is not UTF-8 text"
    except Exception as exc:  # noqa: BLE001 (nbformat raises several kinds for bad JSON/structure)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, f"{path.name} is not a valid notebook ({first[:120]})"
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        return None, f"{path.name} does not follow the notebook format ({exc.message[:120]})"
    return nb, ""


def _points(meta) -> float | None:
    try:
        return float(meta.get("points"))
    except (TypeError, ValueError):
        return None


def touched_tests(nb: nbformat.NotebookNode, info: NotebookInfo) -> list[tuple[str, str]]:
    """(grade_id, how) for each test cell the student deleted, edited or re-labelled (and re-labelled written answers)."""
    cells = {}
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid is not None:
            cells.setdefault(gid, cell)
    found = []
    for test in info.tests:
        cell = cells.get(test.grade_id)
        if cell is None:
            found.append((test.grade_id, "deleted"))
            continue
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            found.append((test.grade_id, "cell type changed"))
        elif not meta.get("grade") or meta.get("solution"):
            found.append((test.grade_id, "metadata changed"))
        elif _points(meta) != test.max_score:
            found.append((test.grade_id, "points changed"))
        elif normalize(cell.source) not in (normalize(test.visible_source), normalize(test.source)):
            found.append((test.grade_id, "edited"))
    for written in (c for c in info.cells if c.kind == "written" and c.grade_id in cells):
        meta = cells[written.grade_id].metadata.get("nbgrader", {})
        if not (meta.get("grade") and meta.get("solution")) or _points(meta) != written.max_score:
            found.append((written.grade_id, "metadata changed"))
    return found


def edited_locked_cells(nb: nbformat.NotebookNode, info: NotebookInfo) -> list[tuple[str, str]]:
    """(grade_id, "locked cell edited") for read-only cells whose source the student changed."""
    sources = {grade_id(c): c.source for c in nb.cells if grade_id(c) in info.locked}
    return [(gid, "locked cell edited") for gid, source in sources.items()
            if normalize(source) != normalize(info.locked[gid])]


def restore_metadata(nb: nbformat.NotebookNode, info: NotebookInfo) -> bool:
    """Put back the nbgrader flags and points of graded cells from the gradebook; True if any changed.

    nbgrader restores a tampered cell's source but not a cleared ``grade`` flag or
    points (it then fails on the checksum), so the grader restores those first.
    """
    by_id = {c.grade_id: c for c in info.cells if c.kind in ("test", "written")}
    changed = False
    for index, cell in enumerate(nb.cells):
        known = by_id.get(grade_id(cell))
        if known is None:
            continue
        meta = cell.metadata.setdefault("nbgrader", {})
        wanted = {"grade": True, "solution": known.kind == "written", "points": known.max_score}
        if known.kind == "test":
            wanted["locked"] = True
        if cell.cell_type != known.cell_type:
            fresh = (nbformat.v4.new_code_cell if known.cell_type == "code" else nbformat.v4.new_markdown_cell)(
                cell.source, metadata=cell.metadata)
            if "id" in cell:
                fresh["id"] = cell["id"]
            nb.cells[index] = cell = fresh
            meta = cell.metadata["nbgrader"]
            changed = True
        if any(meta.get(k) != v for k, v in wanted.items()):
            meta.update(wanted)
            changed = True
    return changed


def check(folder: Path, info: NotebookInfo, expected: set[str] = frozenset()) -> Precheck:
    """Precheck one expected notebook (``expected``: all the assignment's notebook names)."""
    path = folder / f"{info.name}.ipynb"
    if not folder.is_dir():
        return Precheck(info.name, False, "no submission folder")
    if not path.exists():
        others = sorted(p.name for p in folder.glob("*.ipynb") if p.stem not in expected)
        if others:
            return Precheck(info.name, False,
                            f"wrong file name: expected {path.name}, found {', '.join(others)}")
        return Precheck(info.name, False, f"missing notebook: no {path.name} in the submission")
    nb, problem = read(path)
    if nb is None:
        return Precheck(info.name, False, problem)
    touched = touched_tests(nb, info) + edited_locked_cells(nb, info)
    return Precheck(info.name, True, restored=[f"{gid} ({how})" for gid, how in touched],
                    restored_ids=[gid for gid, _ in touched])
