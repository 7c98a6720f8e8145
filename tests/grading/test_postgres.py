"""A PostgreSQL gradebook, as on a shared course server: autograde, feedback, export, one grader at a time.

The test starts its own PostgreSQL server on 127.0.0.1 (a throw-away cluster in a
temporary folder). Debian's ``postgresql`` package provides it; as root, the test
installs it when missing, and skips elsewhere, saying what to install.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from course.__main__ import main
from course.coursedir import load, nbgrader
from course.grading import lock, synthetic
from course.grading.demo import build_course

pytestmark = pytest.mark.slow
STUDENTS = {"right": "right", "partial": "partial", "exit": "exit"}


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "postgresql"], capture_output=True, timeout=600,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory):
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed: `apt-get install postgresql` (Debian/Ubuntu)")
    folder = Path(tempfile.mkdtemp(prefix="course-postgres-"))  # pytest's folders are closed to other users
    run_as = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    subprocess.run(run_as + [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                             "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run(run_as + [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "start",
                             "-o", f"-h 127.0.0.1 -p {port} -k {folder}"], check=True, capture_output=True)
    try:
        subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                        "gradebook"], check=True, capture_output=True)
        yield f"postgresql://postgres@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run(run_as + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def course(postgres_url, tmp_path_factory):
    os.environ["COURSE_GRADEBOOK_URL"] = postgres_url
    try:
        root = tmp_path_factory.mktemp("pg-course") / "course"
        build_course(root, STUDENTS)
        (root / "gradebook.db").unlink()  # the SQLite gradebook of the template: not used here
        nbgrader(["generate_assignment", synthetic.ASSIGNMENT, "--force"], root,
                 COURSE_GRADEBOOK_URL=postgres_url)
        yield load(root)
    finally:
        os.environ.pop("COURSE_GRADEBOOK_URL", None)


def test_autograde_feedback_and_export_on_postgres(course, tmp_path, capsys):
    assert course.db_url.startswith("postgresql://") and not (course.root / "gradebook.db").exists()
    status = main(["grade", "autograde", synthetic.ASSIGNMENT, "--course-dir", str(course.root), "--quiet",
                   "--workers", "2", "--budget", "30"])
    assert status == 1, "one kernel died: the instructor must look"
    assert main(["grade", "feedback", synthetic.ASSIGNMENT, "--course-dir", str(course.root)]) == 0
    assert (course.feedback / "partial" / synthetic.ASSIGNMENT / "tiny.html").exists()
    grades_csv = tmp_path / "grades.csv"
    assert main(["grade", "export", synthetic.ASSIGNMENT, "--course-dir", str(course.root),
                 "--to", str(grades_csv), "--plot", str(tmp_path / "p.png")]) == 0
    grades = pd.read_csv(grades_csv, dtype={"student_id": str}).set_index("student_id")
    assert grades.loc["right", "raw_score"] == 5 and grades.loc["partial", "raw_score"] == 2
    assert grades.loc["exit", "outcome"] == "kernel-died"
    assert not (course.root / "gradebook.db").exists(), "nothing fell back to SQLite"


def test_a_second_grader_on_the_same_postgres_gradebook_is_refused(course, capsys):
    with lock.exclusive(course):
        status = main(["grade", "autograde", synthetic.ASSIGNMENT, "--course-dir", str(course.root), "--quiet"])
    assert status == 2
    assert "another grader is already grading the gradebook 127.0.0.1" in capsys.readouterr().err
    started = time.monotonic()
    with lock.exclusive(course):  # released: the next grader may start at once
        assert time.monotonic() - started < 5
