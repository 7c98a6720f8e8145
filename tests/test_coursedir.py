"""nbgrader course directories: reading their config, creating them, the tool environment, gradebook stamps.

No nbgrader or alembic subprocess runs here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbgrader.api
import pytest
from nbgrader.api import Gradebook
from sqlalchemy import text

from course import coursedir, paths
from course.coursedir import Course


def write(path: Path, content: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


@pytest.fixture()
def no_course_variables(monkeypatch):
    for name in ("COURSE_GRADEBOOK_URL", "COURSE_ID", "COURSE_EXCHANGE"):
        monkeypatch.delenv(name, raising=False)


# ---- load -------------------------------------------------------------------------------------

def test_load_reads_the_courses_own_config(tmp_path):
    write(tmp_path / "nbgrader_config.py", "c = get_config()\n"
          "c.CourseDirectory.course_id = 'cs101'\n"
          "c.CourseDirectory.db_url = 'postgresql://db.internal/grades'\n"
          "c.Exchange.root = '/srv/exchange'\n")
    course = coursedir.load(tmp_path)
    assert course == Course(root=tmp_path.resolve(), db_url="postgresql://db.internal/grades",
                            course_id="cs101", exchange_root=Path("/srv/exchange"))
    assert course.sqlite_path is None


def test_load_follows_a_root_set_in_the_config(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    write(tmp_path / "here" / "nbgrader_config.py", f"c = get_config()\nc.CourseDirectory.root = {str(elsewhere)!r}\n")
    course = coursedir.load(tmp_path / "here")
    assert course.root == elsewhere.resolve()
    assert course.db_url == f"sqlite:///{elsewhere.resolve() / 'gradebook.db'}"


def test_load_without_config_uses_nbgraders_defaults(tmp_path):
    course = coursedir.load(tmp_path)
    assert course == Course(root=tmp_path.resolve(), db_url=f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}",
                            course_id="default_course", exchange_root=None)
    assert course.sqlite_path == tmp_path.resolve() / "gradebook.db"
    assert (course.source, course.release, course.submitted, course.autograded, course.feedback) == tuple(
        course.root / name for name in ("source", "release", "submitted", "autograded", "feedback"))
    assert course.config_file == course.root / "nbgrader_config.py"
    assert course.outcomes_dir == course.root / "autograded" / ".outcomes"


def test_load_finds_the_course_in_the_current_folder_else_the_repository(tmp_path, monkeypatch):
    write(tmp_path / "mine" / "nbgrader_config.py", "c = get_config()\nc.CourseDirectory.course_id = 'mine'\n")
    monkeypatch.chdir(tmp_path / "mine")
    assert coursedir.load().course_id == "mine"
    (tmp_path / "none").mkdir()
    monkeypatch.chdir(tmp_path / "none")
    assert coursedir.load().root == paths.ROOT.resolve()


def test_the_repository_config_takes_gradebook_id_and_exchange_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_GRADEBOOK_URL", "sqlite:////srv/grades/spring.db")
    monkeypatch.setenv("COURSE_ID", "spring-2027")
    monkeypatch.setenv("COURSE_EXCHANGE", "/srv/exchange")
    course = coursedir.create(tmp_path / "course")
    assert course.db_url == "sqlite:////srv/grades/spring.db"
    assert course.sqlite_path == Path("/srv/grades/spring.db")
    assert course.course_id == "spring-2027" and course.exchange_root == Path("/srv/exchange")


def test_the_repository_config_defaults_to_a_gradebook_in_the_course(tmp_path, no_course_variables):
    course = coursedir.create(tmp_path / "course")
    assert course.root == (tmp_path / "course").resolve()
    assert course.db_url == f"sqlite:///{course.root / 'gradebook.db'}"
    assert course.course_id == "distributed-patterns"
    assert course.exchange_root == Path.home() / ".local" / "share" / "nbgrader-exchange"


# ---- create and temporary ---------------------------------------------------------------------

@pytest.fixture()
def source(tmp_path) -> Path:
    src = tmp_path / "src"
    write(src / "a1" / "a1.ipynb", "notebook")
    write(src / "a1" / "data" / "table.csv", "a,b")
    write(src / "a1" / ".ipynb_checkpoints" / "a1-checkpoint.ipynb")
    write(src / "a2" / "a2.ipynb")
    return src


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_create_copies_the_repository_config_and_the_chosen_assignments(tmp_path, source, no_course_variables):
    course = coursedir.create(tmp_path / "course", ["a1"], source)
    assert files(course.root) == ["nbgrader_config.py", "source/a1/a1.ipynb", "source/a1/data/table.csv"]
    assert course.config_file.read_text() == (paths.ROOT / "nbgrader_config.py").read_text()
    assert course.root == (tmp_path / "course").resolve()


def test_create_with_its_own_config_and_without_notebooks(tmp_path, source):
    config = "c = get_config()\nc.CourseDirectory.course_id = 'job'\n"
    course = coursedir.create(tmp_path / "job", ["a1", "missing"], source, config=config, notebooks=False)
    assert files(course.root) == ["nbgrader_config.py", "source/a1/data/table.csv"]
    assert (course.source / "missing").is_dir(), "a missing source folder is an empty one"
    assert course.config_file.read_text() == config and course.course_id == "job"
    with pytest.raises(FileNotFoundError):
        coursedir.create(tmp_path / "again", ["missing"], source)  # with notebooks, it must exist


def test_temporary_course_is_removed_afterwards(source, no_course_variables):
    with coursedir.temporary(["a2"], source, prefix="course-test-") as course:
        assert files(course.root) == ["nbgrader_config.py", "source/a2/a2.ipynb"]
        assert course.root.name == "course" and course.root.parent.name.startswith("course-test-")
        holder = course.root.parent
    assert not holder.exists()
    with pytest.raises(RuntimeError), coursedir.temporary([], source) as course:
        holder = course.root.parent
        raise RuntimeError("an error inside")
    assert not holder.exists(), "removed after an error too"


# ---- tool_environment -------------------------------------------------------------------------

def test_tool_environment_builds_a_new_environment_and_leaves_os_environ_alone(monkeypatch):
    monkeypatch.setenv("COURSE_GRADEBOOK_URL", "sqlite:////instructor/gradebook.db")
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin")
    monkeypatch.setenv("SOMETHING_ELSE", "kept")
    before = dict(os.environ)
    env = coursedir.tool_environment(JUPYTER_PATH="/job/jupyter", SOMETHING_ELSE="overridden")
    assert dict(os.environ) == before, "os.environ was changed"
    assert env["PATH"] == os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin"])
    assert "COURSE_GRADEBOOK_URL" not in env, "a temporary course must use its own gradebook"
    assert env["JUPYTER_PATH"] == "/job/jupyter" and env["SOMETHING_ELSE"] == "overridden"
    assert {k: v for k, v in env.items() if k not in ("PATH", "JUPYTER_PATH", "SOMETHING_ELSE")} == \
        {k: v for k, v in before.items() if k not in ("PATH", "SOMETHING_ELSE", "COURSE_GRADEBOOK_URL")}
    env["PATH"] = "changed"
    assert os.environ["PATH"] == "/usr/local/bin:/usr/bin"


# ---- known_alembic_version --------------------------------------------------------------------

def stamp_of(db: Path) -> str:
    with Gradebook(f"sqlite:///{db}") as gb:
        return gb.db.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_gradebooks_created_in_the_block_get_the_stamp_without_alembic(tmp_path, monkeypatch):
    original = nbgrader.api.get_alembic_version
    monkeypatch.setenv("PATH", str(tmp_path / "no-alembic-here"))
    with coursedir.known_alembic_version("abc123def456"):
        assert nbgrader.api.get_alembic_version() == "abc123def456"
        with Gradebook(f"sqlite:///{tmp_path / 'new.db'}"):
            pass
    assert nbgrader.api.get_alembic_version is original
    assert stamp_of(tmp_path / "new.db") == "abc123def456"


def test_the_original_comes_back_after_errors_and_nesting(monkeypatch):
    original = nbgrader.api.get_alembic_version
    monkeypatch.setattr(coursedir, "alembic_head", lambda: "head-from-alembic")
    with pytest.raises(ValueError):
        with coursedir.known_alembic_version():
            assert nbgrader.api.get_alembic_version() == "head-from-alembic"
            raise ValueError("inside")
    assert nbgrader.api.get_alembic_version is original
    with coursedir.known_alembic_version("outer"):
        with coursedir.known_alembic_version("inner"):
            assert nbgrader.api.get_alembic_version() == "inner"
        assert nbgrader.api.get_alembic_version() == "outer"
    assert nbgrader.api.get_alembic_version is original


def test_submit_puts_a_copy_where_nbgrader_collects_it(tmp_path, no_course_variables):
    course = coursedir.create(tmp_path / "course")
    mine = write(tmp_path / "mine.ipynb", "{}")
    placed = coursedir.submit(course, "alice", "a1", mine, "a1.ipynb")
    assert placed == course.submitted / "alice" / "a1" / "a1.ipynb" and placed.read_text() == "{}"
    assert mine.exists(), "the original stays where it was"
