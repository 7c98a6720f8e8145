"""The job directory of one submission, laid out without running anything."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from traitlets.config.loader import PyFileConfigLoader

from course.coursedir import Course
from course.grading import jobdir
from course.grading.isolation import KernelLimits
from course.grading.snapshot import Snapshot

ASSIGNMENT = "tiny"
BASE_CONFIG = 'c = get_config()\nc.Execute.timeout = 17\nc.CourseDirectory.ignore = [".ipynb_checkpoints"]\n'


def write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture()
def laid_out(tmp_path):
    root = tmp_path / "instructor"
    course = Course(root=root, db_url=f"sqlite:///{root / 'gradebook.db'}", course_id="course101",
                    exchange_root=None)
    write(course.config_file, BASE_CONFIG)
    source = course.source / ASSIGNMENT
    write(source / "tiny.ipynb", "instructor notebook with solutions")
    write(source / "data.csv", "a,b\n1,2\n")
    write(source / "lib" / "helper.py", "HELP = 1\n")
    write(source / "lib" / "answers.ipynb", "another instructor notebook")
    write(source / ".ipynb_checkpoints" / "data-checkpoint.csv")
    write(course.source / "other" / "secret.csv", "another assignment")
    snapshot_db = write(tmp_path / "snapshot" / "gradebook.db", "one-assignment gradebook")
    snap = Snapshot(ASSIGNMENT, snapshot_db, {})
    submission = tmp_path / "submitted" / "alice" / ASSIGNMENT
    write(submission / "tiny.ipynb", "alice's notebook")
    write(submission / "extra.ipynb", "a notebook the assignment does not have")
    write(submission / "broken.ipynb", "{not json")           # precheck found it unreadable
    write(submission / "nested" / "tiny.ipynb", "a notebook in a subfolder")
    write(submission / ".ipynb_checkpoints" / "tiny-checkpoint.ipynb")
    write(submission / ".ipynb_checkpoints" / "notes-checkpoint.txt")
    write(submission / "timestamp.txt", "2026-03-01 12:00:00 UTC")
    write(submission / "data" / "mine.csv", "alice's data")
    limits = KernelLimits(memory_bytes=123 * 1024**2, cpu_seconds=99, hide=["/secret"], netguard=True,
                          netguard_file="/x/netguard.py")
    job_dir = tmp_path / "job-00007"
    job = jobdir.prepare(job_dir, course, snap, "alice", submission, ["tiny"], budget=45, limits=limits,
                         isolate_network=False, probes=False, student_info={"first_name": "Alice"},
                         extension_seconds=3600.0)
    return job, job_dir, course, limits


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_only_the_expected_notebooks_and_the_students_other_files_are_copied(laid_out):
    job, job_dir, _, _ = laid_out
    dest = job_dir / "course" / "submitted" / "alice" / ASSIGNMENT
    assert files(dest) == ["data/mine.csv", "timestamp.txt", "tiny.ipynb"]
    assert (dest / "tiny.ipynb").read_text() == "alice's notebook"


def test_source_holds_the_assignments_other_files_but_no_notebook(laid_out):
    _, job_dir, _, _ = laid_out
    source = job_dir / "course" / "source"
    assert files(source) == ["tiny/data.csv", "tiny/lib/helper.py"]
    assert (source / "tiny" / "lib" / "helper.py").read_text() == "HELP = 1\n"


def test_the_course_config_is_kept_and_the_grading_settings_appended(laid_out):
    job, job_dir, _, _ = laid_out
    root = job_dir / "course"
    text = (root / "nbgrader_config.py").read_text()
    assert text.startswith(BASE_CONFIG)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    assert config.Execute.timeout == 17, "the course's own settings still apply"
    assert config.CourseDirectory.root == str(root)
    assert config.CourseDirectory.db_url == f"sqlite:///{root / 'gradebook.db'}"
    assert config.CourseDirectory.course_id == "course101"
    assert config.BudgetedExecute.budget == 45.0 and config.BudgetedExecute.probes is False
    names = [p if isinstance(p, str) else p.__name__ for p in config.Autograde.autograde_preprocessors]
    assert "BudgetedExecute" in names and "Execute" not in names
    assert (root / "gradebook.db").read_text() == "one-assignment gradebook"


def test_limits_kernelspec_and_the_job(laid_out):
    job, job_dir, _, limits = laid_out
    assert KernelLimits.read(str(job_dir / "limits.json")) == limits
    spec = json.loads((job_dir / "jupyter" / "kernels" / "python3" / "kernel.json").read_text())
    launcher = Path(spec["argv"][1])
    assert spec["argv"] == [sys.executable, str(launcher), str(job_dir / "limits.json"), "-f", "{connection_file}"]
    assert launcher.name == "kernel_launcher.py" and launcher.is_file()
    assert (job_dir / "runtime").is_dir()
    assert (job.key, job.assignment, job.student, job.notebooks) == ("tiny/alice", "tiny", "alice", ["tiny"])
    assert (job.course_id, job.isolate_network, job.limits_file) == ("course101", False, str(job_dir / "limits.json"))
    assert job.student_info == {"first_name": "Alice"} and job.extension_seconds == 3600.0
    assert job.course_root == str(job_dir / "course") and job.log_file == str(job_dir / "log.txt")


def test_an_assignment_without_a_source_folder_and_a_course_without_config(tmp_path):
    course = Course(root=tmp_path / "bare", db_url="sqlite:///unused.db", course_id="c", exchange_root=None)
    snap = Snapshot(ASSIGNMENT, write(tmp_path / "gb.db"), {})
    submission = tmp_path / "sub"
    write(submission / "tiny.ipynb")
    job = jobdir.prepare(tmp_path / "job", course, snap, "bob", submission, ["tiny"], budget=10,
                         limits=KernelLimits())
    root = Path(job.course_root)
    assert (root / "source" / ASSIGNMENT).is_dir() and files(root / "source") == []
    assert (root / "nbgrader_config.py").read_text().startswith("c = get_config()\n")
    assert job.isolate_network is True and files(root / "submitted") == ["bob/tiny/tiny.ipynb"]
