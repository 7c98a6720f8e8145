"""The instructor's course directory as nbgrader sees it: root, gradebook URL, folders."""

from __future__ import annotations

import os
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


def tool_path() -> str:
    """PATH with this Python's bin/ first: nbgrader runs ``alembic`` when it creates a gradebook."""
    import sys

    return str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
