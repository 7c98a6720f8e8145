"""nbgrader configuration: the repository root is the course directory.

Run every stock nbgrader command from the repository root, e.g.
``nbgrader generate_assignment 01-sharding`` or ``nbgrader autograde 01-sharding``.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821  (provided by nbgrader)

HERE = Path(__file__).resolve().parent

c.CourseDirectory.root = str(HERE)
c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "distributed-patterns")
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
# Authoring files that must never reach students: quiz keys in plain form.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "quiz.yaml",
]

# The gradebook lives in the course root (git-ignored).
c.CourseDirectory.db_url = os.environ.get(
    "COURSE_GRADEBOOK_URL", "sqlite:///" + str(HERE / "gradebook.db")
)

# The exchange: a folder any user can write, configurable per class.
c.Exchange.root = os.environ.get(
    "COURSE_EXCHANGE", str(Path.home() / ".local" / "share" / "nbgrader-exchange")
)

# Grading: per-cell timeout; test cells a student deleted are put back and graded.
c.Execute.timeout = int(os.environ.get("COURSE_CELL_TIMEOUT", "60"))
c.Execute.interrupt_on_timeout = True
c.OverwriteCells.add_missing_cells = True

# Release: seal quiz answer keys in the same step that builds release/.
from nbgrader.converters.generate_assignment import GenerateAssignment  # noqa: E402

c.GenerateAssignment.preprocessors = [
    "course.preprocessors.seal_quizzes.SealQuizzes",
    *GenerateAssignment.class_traits()["preprocessors"].default(),
]

# Feedback: students see their score per exercise and the visible tests' messages, never
# the hidden tests (not their source, not their messages, not in tracebacks).
from nbgrader.converters.generate_feedback import GenerateFeedback  # noqa: E402

c.GenerateFeedback.preprocessors = [
    "course.preprocessors.hide_hidden_tests.HideHiddenTests",
    *GenerateFeedback.class_traits()["preprocessors"].default(),
]
