"""``SealQuizzes``: seal quizzes while ``nbgrader generate_assignment`` builds release/."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from nbgrader.preprocessors import NbGraderPreprocessor

from course.quiz.model import load_spec
from course.quiz.seal import seal, seal_graded

LOAD_CALL = re.compile(r"""course\.quiz\.(?P<call>load|load_graded)\(\s*(['"])(?P<path>[^'"]+)\2"""
                       r"""(?:\s*,\s*part\s*=\s*(['"])(?P<part>[^'"]+)\4)?\s*\)""")


class SealQuizzes(NbGraderPreprocessor):
    """Replace ``course.quiz.load("quiz.yaml", part=...)`` and ``load_graded`` by their sealed texts."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and LOAD_CALL.search(cell.source):
            folder = Path(resources.get("metadata", {}).get("path") or ".")

            def sealed(match: re.Match) -> str:
                spec = load_spec(folder / match["path"])
                if match["call"] == "load_graded":
                    return f'course.quiz.unseal_graded("{seal_graded(spec)}")'
                return f'course.quiz.unseal("{seal(spec, match["part"])}")'

            cell.source = LOAD_CALL.sub(sealed, cell.source)
        return cell, resources


def seal_notebook(nb: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """Seal a notebook's quiz loads in place, reading quiz files from ``folder``; returns it."""
    resources = {"metadata": {"path": str(folder)}}
    for index, cell in enumerate(nb.cells):
        SealQuizzes().preprocess_cell(cell, resources, index)
    return nb


def write_sealed(notebook: Path, dest: Path, nb: nbformat.NotebookNode | None = None) -> Path:
    """Write ``notebook`` (or ``nb``, a changed version of it) to ``dest`` with its quizzes sealed.

    An instructor's notebook as a student would hand it in: it runs without the quiz
    files, which nbgrader never copies next to a submission.
    """
    nb = nb if nb is not None else nbformat.read(notebook, as_version=4)
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(seal_notebook(nb, notebook.parent), dest)
    return dest
