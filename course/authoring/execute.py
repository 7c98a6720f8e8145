"""Run a notebook headless, the way a learner's Run All would, and read its errors."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course.cells import grade_id


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
    """(grade_id or cell id, error text) for each cell that raised."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append((grade_id(cell) or cell.get("id", "?"), f"{out['ename']}: {out['evalue']}"))
    return found
