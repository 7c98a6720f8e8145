"""One variant of each graded question per student, derived from the student's id.

Each parameter's value is picked from its list by a SHA-256 of the quiz, the
question, the parameter and the student id: the same student always gets the same
numbers (in their notebook and when graded), two students usually get different
ones, and nothing random or stored is involved.

Which id: the grader's (``COURSE_STUDENT_ID``, set by the course's grader and by
``course grade self``); under stock ``nbgrader autograde``, the student folder the
notebook runs in (``autograded/<student>/<assignment>/``); in a learner's own
JupyterLab, the hub user name (``JUPYTERHUB_USER``) or the id saved with
``python -m course student-id ID``; anywhere else the fixed variant ``practice``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

PRACTICE = "practice"
ENV = "COURSE_STUDENT_ID"


def settings_file() -> Path:
    """Where ``python -m course student-id`` keeps the learner's id (Jupyter's config folder)."""
    from jupyter_core.paths import jupyter_config_dir

    return Path(jupyter_config_dir()) / "distributed-patterns-course.json"


def _saved_id() -> str | None:
    try:
        return json.loads(settings_file().read_text()).get("student_id") or None
    except (OSError, ValueError, AttributeError):
        return None


def _autograded_folder(cwd: Path) -> str | None:
    return cwd.parent.name if cwd.parent.parent.name == "autograded" else None


def student_id() -> str:
    """The id whose variant this notebook shows and is graded on (see the module docstring)."""
    return (os.environ.get(ENV) or _autograded_folder(Path.cwd())
            or os.environ.get("JUPYTERHUB_USER") or _saved_id() or PRACTICE)


def save_student_id(student: str) -> Path:
    """Remember the learner's id (the one their instructor grades them under)."""
    student = student.strip()
    if not student or any(c in student for c in "/\\\n"):
        raise ValueError(f"{student!r} is not a student id: use the id your instructor grades you "
                         "under (nbgrader's student id), without slashes or line breaks")
    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"student_id": student}) + "\n")
    return path


def pick(values: list, *key: str):
    """The value of ``values`` that the key (quiz, question, parameter, student) selects."""
    digest = hashlib.sha256("|".join(key).encode()).digest()
    return values[int.from_bytes(digest[:8], "big") % len(values)]


def variant(quiz_id: str, question_id: str, params: dict[str, list], student: str) -> dict:
    """The parameters of one question for one student."""
    return {name: pick(values, quiz_id, question_id, name, student) for name, values in sorted(params.items())}
