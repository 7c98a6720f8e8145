"""A tiny nbgrader assignment and a class of synthetic submissions.

Used by the tests and ``python -m course grade demo``: every
grading outcome is produced by a real submission, never by a mock.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course import cells

ASSIGNMENT = "tiny"
NOTEBOOK = "tiny"
HIDDEN_MARK = "HIDDEN-CHECK-7f3a"  # appears only in hidden tests: must never reach feedback


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
            "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def tiny_notebook() -> nbformat.NotebookNode:
    """Instructor version: two exercises, visible and hidden tests, one written answer."""
    tiny_cells = [
        new_markdown_cell("# Tiny assignment\nTwo functions and one sentence.",
                          metadata=_meta("intro", grade=False, solution=False, locked=True)),
        new_code_cell("import math", metadata=_meta("setup", grade=False, solution=False, locked=True)),
        new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                      metadata=_meta("double-answer", grade=False, solution=True, locked=False)),
        new_code_cell(
            'assert double(2) == 4, "double(2) should be 4"\n'
            "### BEGIN HIDDEN TESTS\n"
            f'assert double(-3) == -6, "{HIDDEN_MARK}: negative numbers"\n'
            "### END HIDDEN TESTS",
            metadata=_meta("double-test", grade=True, solution=False, locked=True, points=2)),
        new_code_cell("def hypot(a, b):\n    ### BEGIN SOLUTION\n    return math.hypot(a, b)\n"
                      "    ### END SOLUTION",
                      metadata=_meta("hypot-answer", grade=False, solution=True, locked=False)),
        new_code_cell(
            'assert hypot(3, 4) == 5, "hypot(3, 4) should be 5"\n'
            "### BEGIN HIDDEN TESTS\n"
            f'assert abs(hypot(1e200, 1e200) - 1.4142135623730951e200) < 1e190, "{HIDDEN_MARK}: overflow"\n'
            "### END HIDDEN TESTS",
            metadata=_meta("hypot-test", grade=True, solution=False, locked=True, points=3)),
        new_markdown_cell("Why is `math.hypot` better than the formula? YOUR ANSWER HERE",
                          metadata=_meta("why-answer", grade=True, solution=True, locked=False, points=1)),
    ]
    nb = new_notebook(cells=tiny_cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write_source(course_root: Path) -> Path:
    """Write ``source/tiny/tiny.ipynb`` into a course directory; returns the notebook path."""
    path = course_root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(tiny_notebook(), path)
    return path


def _edit(nb: nbformat.NotebookNode, grade_id: str, source: str) -> None:
    for cell in nb.cells:
        if cells.grade_id(cell) == grade_id:
            cell.source = source
            return
    raise KeyError(grade_id)


def _without(nb: nbformat.NotebookNode, grade_id: str) -> None:
    nb.cells = [c for c in nb.cells if cells.grade_id(c) != grade_id]


RIGHT_DOUBLE = "def double(x):\n    return 2 * x"
RIGHT_HYPOT = "def hypot(a, b):\n    return math.hypot(a, b)"

#: name -> (what the student did, the outcome the grader must report)
VARIANTS = {
    "right": ("both answers right", "graded"),
    "wrong": ("the untouched release: nothing answered", "graded"),
    "partial": ("double right, hypot overflows on the hidden test", "graded"),
    "tampered": ("replaced the double test by `pass`", "graded-restored"),
    "deleted": ("deleted the hypot test cell", "graded-restored"),
    "relabeled": ("set grade: false and points: 0 on both test cells", "graded-restored"),
    "unlocked": ("edited the locked setup cell (import math)", "graded-restored"),
    "loop": ("an infinite loop in an answer cell", "timed-out"),
    "exit": ("os._exit(1) in an answer cell", "kernel-died"),
    "badjson": ("the file is not valid JSON", "unreadable"),
    "renamed": ("submitted the notebook under another name", "unreadable"),
    "empty": ("submitted a folder without the notebook", "unreadable"),
    "cheat": ("an input transformer that empties every later cell", "integrity-unverified"),
}

#: more submissions, for feedback and self-grading tests
EXTRA_VARIANTS = {
    "off": ("double wrong (visible test fails), hypot right", "graded"),
    "snoop": ("both right, and a last cell printing the input history (In)", "graded"),
    "mixed": ("double fails its visible test, hypot a hidden one", "graded"),
}


def write_submission(submitted: Path, student: str, variant: str, release_nb: Path) -> Path:
    """Write one synthetic submission under ``submitted/<student>/tiny/``; returns its folder."""
    folder = submitted / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(release_nb, as_version=4)
    name = f"{NOTEBOOK}.ipynb"
    if variant in ("right", "tampered", "deleted", "relabeled", "unlocked", "loop", "exit", "cheat", "renamed", "off", "snoop"):
        _edit(nb, "double-answer", RIGHT_DOUBLE)
        _edit(nb, "hypot-answer", RIGHT_HYPOT)
    if variant in ("partial", "mixed"):
        _edit(nb, "double-answer", RIGHT_DOUBLE)
        _edit(nb, "hypot-answer", "def hypot(a, b):\n    return math.sqrt(a * a + b * b)")
    if variant == "tampered":
        _edit(nb, "double-test", "pass  # no tests here")
    if variant == "deleted":
        _without(nb, "hypot-test")
    if variant == "relabeled":
        for cell in nb.cells:
            if cells.grade_id(cell) in ("double-test", "hypot-test"):
                cell.metadata.nbgrader.update(grade=False, points=0)
    if variant == "unlocked":
        _edit(nb, "setup", "import math\nmath.hypot = lambda a, b: 5")
    if variant == "loop":
        _edit(nb, "hypot-answer", RIGHT_HYPOT + "\nwhile True:\n    pass")
    if variant == "exit":
        _edit(nb, "hypot-answer", RIGHT_HYPOT + "\nimport os\nos._exit(1)")
    if variant == "cheat":
        _edit(nb, "double-answer", "def double(x):\n    return 0\n"
              "get_ipython().input_transformers_post.append(lambda lines: [])")
    if variant in ("off", "mixed"):
        _edit(nb, "double-answer", "def double(x):\n    return 3 * x")
    if variant == "snoop":
        nb.cells.append(new_code_cell("print(In)\nprint(_ih[-2])"))
    if variant == "renamed":
        name = f"{NOTEBOOK}-final-v2.ipynb"
    if variant == "badjson":
        (folder / name).write_text('{"cells": [ this is not json', encoding="utf-8")
        return folder
    if variant != "empty":
        nbformat.write(nb, folder / name)
    return folder


def write_class(submitted: Path, release_nb: Path, variants: dict[str, str]) -> None:
    """Write ``{student: variant}`` submissions."""
    for student, variant in variants.items():
        write_submission(submitted, student, variant, release_nb)


def expected_points(variant: str) -> float | None:
    """Autograded points a variant should get (None when it must not be graded)."""
    return {"right": 5.0, "wrong": 0.0, "partial": 2.0, "tampered": 5.0, "deleted": 5.0, "relabeled": 5.0, "unlocked": 5.0,
            "off": 3.0, "snoop": 5.0, "mixed": 0.0}.get(variant)
