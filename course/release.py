"""Build ``release/`` (the student notebooks) from ``source/`` with stock nbgrader.

``make release`` (``python -m course release``) is the one command that
regenerates it; tests/test_release.py fails when release/ is out of date.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from course import paths, pipeline


def generate_all(assignments: list[str], into: Path) -> dict[str, Path]:
    """Generate the student version of each assignment under ``into``; returns their folders."""
    root = pipeline.make_course_root(into, assignments)
    return {a: pipeline.generate(root, a) for a in assignments}


def build(assignments: list[str] | None = None) -> None:
    """Regenerate release/<id>/ for the given (default: all) assignments."""
    assignments = assignments or paths.assignments()
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        for assignment, folder in generate_all(assignments, Path(tmp)).items():
            target = paths.RELEASE / assignment
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(folder, target)
            print(f"release/{assignment}: regenerated from source/{assignment}")
