"""A class end to end with stock nbgrader commands in a temporary exchange and course directory.

release_assignment -> fetch_assignment -> submit -> collect -> (course grader) autograde ->
generate_feedback -> release_feedback -> fetch_feedback; zip_collect for LMS downloads;
export to CSV with the per-exercise summary.
"""

from __future__ import annotations

import csv
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest

from course import coursedir
from course.__main__ import main
from course.grading import synthetic
from course.grading.demo import build_course

pytestmark = pytest.mark.slow
COURSE_ID = "tinycourse"


def nbgrader(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    result = coursedir.nbgrader(list(args), cwd, check=False, COURSE_ID=COURSE_ID)
    assert result.returncode == 0, f"nbgrader {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def classroom(tmp_path_factory, monkeypatch_module):
    tmp = tmp_path_factory.mktemp("classroom")
    monkeypatch_module.setenv("COURSE_ID", COURSE_ID)
    course = build_course(tmp / "instructor", {})
    exchange, student = tmp / "exchange", tmp / "student-home"
    exchange.mkdir()
    student.mkdir()
    ex = f"--Exchange.root={exchange}"

    nbgrader(course.root, "release_assignment", synthetic.ASSIGNMENT, ex)
    nbgrader(student, "fetch_assignment", synthetic.ASSIGNMENT, "--course", COURSE_ID, ex)
    fetched = student / synthetic.ASSIGNMENT / "tiny.ipynb"
    nb = nbformat.read(fetched, as_version=4)
    for cell in nb.cells:  # the student answers one exercise right, one wrong
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "double-answer":
            cell.source = synthetic.RIGHT_DOUBLE
    nbformat.write(nb, fetched)
    nbgrader(student, "submit", synthetic.ASSIGNMENT, "--course", COURSE_ID, ex)
    nbgrader(course.root, "collect", synthetic.ASSIGNMENT, ex)

    # an LMS download: one zip of notebooks named <student>_attempt_<time>_<file>
    archive = course.root / "downloaded" / synthetic.ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    release = course.root / "release" / synthetic.ASSIGNMENT / "tiny.ipynb"
    lms = tmp / "lms"
    for who, variant in (("lmsright", "right"), ("lmsloop", "loop")):
        synthetic.write_submission(lms, who, variant, release)
    with zipfile.ZipFile(archive / "lms-export.zip", "w") as z:
        for who in ("lmsright", "lmsloop"):
            z.write(lms / who / synthetic.ASSIGNMENT / "tiny.ipynb",
                    f"{who}_attempt_2024-01-30-15-00-00_tiny.ipynb")
    nbgrader(course.root, "zip_collect", synthetic.ASSIGNMENT, "--force",
             "--FileNameCollectorPlugin.named_regexp="
             r".*/(?P<student_id>[a-z]+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>.+)")

    status = main(["grade", "autograde", synthetic.ASSIGNMENT, "--course-dir", str(course.root),
                   "--quiet", "--budget", "12"])
    nbgrader(course.root, "generate_feedback", synthetic.ASSIGNMENT)
    # feedback goes back through the exchange to exchange submitters (LMS students get the HTML
    # through the LMS: zip_collect leaves no submission secret to release against)
    nbgrader(course.root, "release_feedback", synthetic.ASSIGNMENT, ex, "--student", me())
    nbgrader(student, "fetch_feedback", synthetic.ASSIGNMENT, "--course", COURSE_ID, ex)
    return course, student, status


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def me() -> str:
    import getpass

    return getpass.getuser()


def test_collected_and_zip_collected_submissions_are_graded(classroom):
    course, _, status = classroom
    rows = {r["student"]: r for r in csv.DictReader((course.outcomes_dir / "tiny.csv").open())}
    assert rows[me()]["outcome"] == "graded" and float(rows[me()]["score"]) == 2
    assert rows["lmsright"]["outcome"] == "graded" and float(rows["lmsright"]["score"]) == 5
    assert rows["lmsloop"]["outcome"] == "timed-out"
    assert status == 1  # the timed-out submission needs the instructor


def test_student_fetches_feedback_without_hidden_tests(classroom):
    _, student, _ = classroom
    pages = list((student / synthetic.ASSIGNMENT / "feedback").glob("*/tiny.html"))
    assert len(pages) == 1
    html = pages[0].read_text()
    assert "Your scores" in html and "double-test" in html
    assert synthetic.HIDDEN_MARK not in html and "BEGIN HIDDEN" not in html


def test_export_csv_summary_and_plot(classroom, tmp_path, capsys):
    course, _, _ = classroom
    to, png = tmp_path / "grades.csv", tmp_path / "exercises.png"
    assert main(["grade", "export", "--course-dir", str(course.root), "--to", str(to),
                 "--plot", str(png)]) == 0
    printed = capsys.readouterr().out
    rows = {r["student_id"]: r for r in csv.DictReader(to.open())}
    assert float(rows["lmsright"]["score"]) == 5 and rows["lmsright"]["outcome"] == "graded"
    assert rows["lmsloop"]["outcome"] == "timed-out"          # not a silent 0
    assert "exercises the class fails most" in printed
    table = printed.split("exercises the class fails most:")[1]
    # nobody wrote the sentence, one of two missed hypot, both got double right
    assert table.index("why-answer") < table.index("hypot-test") < table.index("double-test")
    assert png.stat().st_size > 1000 and png.read_bytes()[:4] == b"\x89PNG"
