"""nbgrader course directories and commands: the one layer that owns them.

- :class:`Course` and :func:`load`: a course directory as nbgrader sees it (root,
  gradebook URL, course id, exchange), read from its ``nbgrader_config.py``;
- :func:`lay_out`, :func:`create` and :func:`temporary`: a course directory (a throw-away
  one too) with a configuration and some assignments' sources (author's check, release
  build, self-grading, grading jobs, demos and tests); :func:`submit` puts a notebook
  where nbgrader expects a collected submission;
- :func:`nbgrader`: run a stock nbgrader command in a course directory, in a
  subprocess whose environment is built per call (``os.environ`` is never changed);
- :func:`known_alembic_version`: create gradebooks in this process without
  nbgrader shelling out to ``alembic`` through ``PATH``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from course import paths


@dataclass(frozen=True)
class Course:
    root: Path
    db_url: str
    course_id: str
    exchange_root: Path | None

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def release(self) -> Path:
        return self.root / "release"

    @property
    def submitted(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def config_file(self) -> Path:
        return self.root / "nbgrader_config.py"

    @property
    def sqlite_path(self) -> Path | None:
        """The gradebook file when the gradebook is SQLite, else None."""
        prefix = "sqlite:///"
        return Path(self.db_url[len(prefix):]) if self.db_url.startswith(prefix) else None

    @property
    def outcomes_dir(self) -> Path:
        """Where outcome CSVs and kept logs go (inside autograded/, which git ignores)."""
        return self.autograded / ".outcomes"


def load(root: Path | None = None) -> Course:
    """Read ``nbgrader_config.py`` the way nbgrader does (the course's own file decides)."""
    from traitlets.config.loader import Config, PyFileConfigLoader

    root = Path(root or (Path.cwd() if (Path.cwd() / "nbgrader_config.py").exists() else paths.ROOT))
    root = root.resolve()
    config = Config()
    if (root / "nbgrader_config.py").exists():
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    section = config.get("CourseDirectory", {})
    course_root = Path(section.get("root", root)).resolve()
    db_url = section.get("db_url") or f"sqlite:///{course_root / 'gradebook.db'}"
    exchange = config.get("Exchange", {}).get("root")
    return Course(root=course_root, db_url=db_url,
                  course_id=section.get("course_id", "default_course"),
                  exchange_root=Path(exchange) if exchange else None)


def lay_out(root: Path, assignments: list[str] = (), source: Path = paths.SOURCE, *,
            config: str | None = None, notebooks: bool = True) -> Path:
    """Write a course directory at ``root`` holding ``assignments`` copied from ``source``; returns it.

    ``config`` is the text of its ``nbgrader_config.py`` (default: this repository's).
    With ``notebooks=False`` only the assignments' other files are copied (what a
    grading job needs beside a submission; a missing source folder is then empty).
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(
        config if config is not None else (paths.ROOT / "nbgrader_config.py").read_text())
    skip = shutil.ignore_patterns(".ipynb_checkpoints", *([] if notebooks else ["*.ipynb"]))
    for assignment in assignments:
        target = root / "source" / assignment
        if notebooks or (source / assignment).is_dir():
            shutil.copytree(source / assignment, target, ignore=skip)
        else:
            target.mkdir(parents=True)
    return root


def create(root: Path, assignments: list[str] = (), source: Path = paths.SOURCE, *,
           config: str | None = None, notebooks: bool = True) -> Course:
    """:func:`lay_out` a course directory, then read it as nbgrader does."""
    return load(lay_out(root, assignments, source, config=config, notebooks=notebooks))


def submit(course: Course, student: str, assignment: str, notebook: Path, name: str | None = None) -> Path:
    """Put a copy of ``notebook`` where nbgrader expects ``student``'s collected submission."""
    folder = course.submitted / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or notebook.name)
    shutil.copy2(notebook, target)
    return target


@contextlib.contextmanager
def temporary(assignments: list[str] = (), source: Path = paths.SOURCE,
              prefix: str = "course-") -> Iterator[Course]:
    """A course directory that is removed afterwards (see :func:`create`)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield create(Path(tmp) / "course", assignments, source)


def tool_environment(**overrides: str) -> dict[str, str]:
    """The environment of an nbgrader subprocess: this Python's ``bin/`` first on ``PATH``.

    nbgrader runs ``alembic`` when it creates a gradebook; the course's own
    gradebook variable is dropped so a temporary course uses its own database.
    """
    env = {k: v for k, v in os.environ.items() if k != "COURSE_GRADEBOOK_URL"}
    env["PATH"] = os.pathsep.join(p for p in (str(Path(sys.executable).parent), env.get("PATH")) if p)
    env.update(overrides)
    return env


def nbgrader(args: list[str], course_root: Path, check: bool = True, **env: str) -> subprocess.CompletedProcess:
    """Run a stock nbgrader command in ``course_root`` (``env``: extra variables for it).

    With ``check``, raise when it fails.
    """
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_root,
                            env=tool_environment(**env), capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {course_root}:\n"
                           f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def generate(course_root: Path, assignment: str) -> Path:
    """``nbgrader generate_assignment``: the student version; returns its release folder."""
    nbgrader(["generate_assignment", assignment, "--force"], course_root)
    return course_root / "release" / assignment


@functools.cache
def alembic_head() -> str:
    """The gradebook schema version this nbgrader writes (``alembic heads``, run by this Python)."""
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini("sqlite:////tmp/unused.db") as ini:
        out = subprocess.run([sys.executable, "-m", "alembic", "-c", ini, "heads"],
                             capture_output=True, text=True, check=True).stdout
    return out.split()[0]


@contextlib.contextmanager
def known_alembic_version(version: str | None = None) -> Iterator[None]:
    """Gradebooks created in this block are stamped with ``version`` (default: :func:`alembic_head`).

    nbgrader asks ``alembic`` (found on ``PATH``) for each new database; this
    answers without a subprocess when the version is known and without ``PATH``
    otherwise.
    """
    import nbgrader.api

    stamp = version or alembic_head()
    original = nbgrader.api.get_alembic_version
    nbgrader.api.get_alembic_version = lambda: stamp
    try:
        yield
    finally:
        nbgrader.api.get_alembic_version = original
