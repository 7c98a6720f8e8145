"""A temporary course with the tiny assignment released and a synthetic class submitted.

``python -m course grade demo`` grades one submission of every kind and prints
the outcome table; the tests build their courses with :func:`build_course`.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from course import coursedir
from course.coursedir import Course, load
from course.grading import report, synthetic
from course.grading.autograde import Options, grade

_released: Path | None = None


def released_tiny_course() -> Path:
    """The tiny assignment generated once per process by stock ``nbgrader generate_assignment``."""
    global _released
    if _released is None or not (_released / "gradebook.db").exists():
        root = Path(tempfile.mkdtemp(prefix="course-grade-tiny-"))
        coursedir.lay_out(root)
        synthetic.write_source(root)
        coursedir.generate(root, synthetic.ASSIGNMENT)
        atexit.register(shutil.rmtree, root, True)
        _released = root
    return _released


def build_course(root: Path, variants: dict[str, str] | None = None) -> Course:
    """A course directory at ``root``: the repo's config, source/tiny, its gradebook, submissions.

    ``variants`` maps student -> variant (see :data:`synthetic.VARIANTS`); default one of each.
    """
    shutil.copytree(released_tiny_course(), root, dirs_exist_ok=True)
    release = root / "release" / synthetic.ASSIGNMENT / f"{synthetic.NOTEBOOK}.ipynb"
    synthetic.write_class(root / "submitted", release,
                          variants if variants is not None else {v: v for v in synthetic.VARIANTS})
    return load(root)


def grade_demo_class(workers: int, budget: float) -> int:
    """Grade one synthetic submission of every kind and print the outcome table."""
    with tempfile.TemporaryDirectory(prefix="course-grade-demo-") as tmp:
        course = build_course(Path(tmp) / "course")
        print(f"a synthetic class of {len(synthetic.VARIANTS)} students in {course.root}:")
        for name, (what, expected) in synthetic.VARIANTS.items():
            print(f"  {name:9} {what} (expect {expected})")
        batch = grade(course, [synthetic.ASSIGNMENT], Options(workers=workers, budget=budget))
        return report.print_batch(batch)
