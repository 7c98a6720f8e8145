"""Reading nbgrader cells: which cell is what, and the hidden parts of test cells."""

from __future__ import annotations

import re

import nbformat

HIDDEN_TESTS = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS\n?", re.S)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION\n?", re.S)


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def is_answer(cell) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("solution")) and not meta.get("grade") and cell.cell_type == "code"


def is_test(cell) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def is_written(cell) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and bool(meta.get("solution"))


def cells_by_id(nb: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    return {grade_id(c): c for c in nb.cells if grade_id(c)}


def hidden_tests(source: str) -> list[str]:
    """The hidden-test blocks of a test cell's source."""
    return HIDDEN_TESTS.findall(source)


def without_hidden_tests(source: str) -> str:
    """A test cell as students see it."""
    return HIDDEN_TESTS.sub("", source)


def solutions(source: str) -> list[str]:
    return SOLUTION.findall(source)
