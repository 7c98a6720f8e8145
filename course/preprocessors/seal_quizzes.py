"""``SealQuizzes``: seal quizzes while ``nbgrader generate_assignment`` builds release/."""

from __future__ import annotations

import re
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from course.quiz.model import load_spec
from course.quiz.seal import seal

LOAD_CALL = re.compile(r"""course\.quiz\.load\(\s*(['"])(?P<path>[^'"]+)\1\s*\)""")


class SealQuizzes(NbGraderPreprocessor):
    """Replace ``course.quiz.load("quiz.yaml")`` by the sealed quiz (explanations and feedback locked)."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and LOAD_CALL.search(cell.source):
            folder = Path(resources.get("metadata", {}).get("path") or ".")

            def sealed(match: re.Match) -> str:
                return f'course.quiz.unseal("{seal(load_spec(folder / match["path"]))}")'

            cell.source = LOAD_CALL.sub(sealed, cell.source)
        return cell, resources
