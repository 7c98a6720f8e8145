"""Build ``release/`` (the student notebooks) from ``source/`` with stock nbgrader.

``make release`` (``python -m course release``) is the one command that
regenerates it; tests/notebooks/test_round_trip.py fails when release/ is out of date.
"""

from __future__ import annotations

import shutil

from course import coursedir, paths


def build(assignments: list[str] | None = None) -> None:
    """Regenerate release/<id>/ for the given (default: all) assignments."""
    assignments = assignments or paths.assignments()
    with coursedir.temporary(assignments, prefix="course-release-") as course:
        for assignment in assignments:
            generated = coursedir.generate(course.root, assignment)
            target = paths.RELEASE / assignment
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(generated, target)
            print(f"release/{assignment}: regenerated from source/{assignment}")
