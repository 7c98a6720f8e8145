"""Every submission ends in one named outcome; scores match stock nbgrader; re-grades replace grades.

Builds its own tiny assignment (course.grading.synthetic) in a temporary course
directory; every outcome comes from a real submission graded by real nbgrader.
"""

from __future__ import annotations

import csv
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook, MissingEntry

from course import coursedir
from course.__main__ import main
from course.grading import pool, synthetic
from course.grading.autograde import Options, grade
from course.grading.demo import build_course
from course.grading.outcomes import Outcome

pytestmark = pytest.mark.slow
BUDGET = 12.0


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = build_course(tmp_path_factory.mktemp("outcomes") / "course")
    pristine = tmp_path_factory.mktemp("stock") / "course"
    shutil.copytree(course.root, pristine)  # the same class, for a stock nbgrader run
    batch = grade(course, [synthetic.ASSIGNMENT], Options(workers=2, budget=BUDGET, progress=False))
    return course, pristine, {r.student: r for r in batch.results}


@pytest.mark.parametrize("student", sorted(synthetic.VARIANTS))
def test_each_submission_gets_its_outcome(graded, student):
    _, _, results = graded
    expected = synthetic.VARIANTS[student][1]
    assert results[student].outcome.value == expected, results[student].detail
    points = synthetic.expected_points(student)
    if points is not None:
        assert results[student].score == points
    if not results[student].outcome.graded:
        assert results[student].score is None and results[student].detail


def test_details_name_cells(graded):
    _, _, results = graded
    assert results["tampered"].restored == ["double-test (edited)"]
    assert results["deleted"].restored == ["hypot-test (deleted)"]
    assert "hypot-answer" in results["loop"].detail and "double-test" in results["loop"].cells_run
    assert "kernel died while running hypot-answer" in results["exit"].detail
    assert "not a valid notebook" in results["badjson"].detail
    assert "wrong file name" in results["renamed"].detail and "tiny-final-v2.ipynb" in results["renamed"].detail
    assert "missing notebook" in results["empty"].detail
    assert results["cheat"].withheld == ["double-test", "hypot-test"] and results["cheat"].score == 0


def test_time_budget_is_spent_once(graded):
    _, _, results = graded
    # the loop sits before a test cell with its own timeout in stock nbgrader; here the whole
    # notebook stops when the budget is gone
    assert results["loop"].seconds < BUDGET + 25


def test_gradebook_holds_exactly_the_graded(graded):
    course, _, results = graded
    with Gradebook(course.db_url, course.course_id) as gb:
        for student, result in results.items():
            if result.outcome.graded:
                nb = gb.find_submission_notebook(synthetic.NOTEBOOK, synthetic.ASSIGNMENT, student)
                auto = {g.name: g.auto_score for g in nb.grades if g.cell.cell_type == "code"}
                assert set(auto) == {"double-test", "hypot-test"}
                assert sum(auto.values()) == result.score
                assert (course.autograded / student / synthetic.ASSIGNMENT / "tiny.ipynb").exists()
            else:
                with pytest.raises(MissingEntry):
                    gb.find_submission(synthetic.ASSIGNMENT, student)
                assert not (course.autograded / student / synthetic.ASSIGNMENT).exists()
        cheat = gb.find_submission_notebook(synthetic.NOTEBOOK, synthetic.ASSIGNMENT, "cheat")
        assert all(g.needs_manual_grade for g in cheat.grades if g.name in ("double-test", "hypot-test"))


def test_scores_match_a_serial_stock_run(graded):
    _, pristine, results = graded
    well_formed = ("right", "wrong", "partial", "tampered", "deleted")
    for folder in (pristine / "submitted").iterdir():
        if folder.name not in well_formed:
            shutil.rmtree(folder)
    coursedir.nbgrader(["autograde", synthetic.ASSIGNMENT, "--force"], pristine)
    with Gradebook(f"sqlite:///{pristine / 'gradebook.db'}") as gb:
        for student in well_formed:
            nb = gb.find_submission_notebook(synthetic.NOTEBOOK, synthetic.ASSIGNMENT, student)
            stock = {g.name: g.auto_score for g in nb.grades}
            ours = {c.grade_id: c.auto_score for c in results[student].cells}
            assert ours == stock, student


def test_cli_table_csv_and_exit_status(graded, tmp_path, capsys):
    course, _, _ = graded
    out_csv = tmp_path / "outcomes.csv"
    status = main(["grade", "autograde", synthetic.ASSIGNMENT, "--course-dir", str(course.root),
                   "--student", "right", "--student", "badjson", "--quiet", "--csv", str(out_csv),
                   "--budget", str(BUDGET)])
    printed = capsys.readouterr().out
    assert status == 1  # badjson needs the instructor
    assert "unreadable" in printed and "graded" in printed
    rows = {r["student"]: r for r in csv.DictReader(out_csv.open())}
    assert rows["right"]["outcome"] == "graded" and float(rows["right"]["score"]) == 5
    assert rows["badjson"]["outcome"] == "unreadable" and rows["badjson"]["score"] == ""


def test_failed_regrade_leaves_no_old_grade(graded):
    course, _, _ = graded
    only_flip = Options(workers=1, budget=BUDGET, progress=False, students=["flip"])
    release = course.root / "release" / synthetic.ASSIGNMENT / "tiny.ipynb"
    synthetic.write_submission(course.submitted, "flip", "right", release)
    first = grade(course, [synthetic.ASSIGNMENT], only_flip)
    assert first.results[0].outcome is Outcome.GRADED
    shutil.rmtree(course.submitted / "flip")
    synthetic.write_submission(course.submitted, "flip", "exit", release)
    second = grade(course, [synthetic.ASSIGNMENT], only_flip)
    assert second.results[0].outcome is Outcome.KERNEL_DIED
    with Gradebook(course.db_url, course.course_id) as gb, pytest.raises(MissingEntry):
        gb.find_submission(synthetic.ASSIGNMENT, "flip")
    assert not (course.autograded / "flip" / synthetic.ASSIGNMENT).exists()


def test_watchdog_kills_a_notebook_that_ignores_interrupts(graded):
    """A kernel that ignores SIGINT and never returns is killed by the hard deadline, tree and all."""
    course, _, _ = graded
    release = course.root / "release" / synthetic.ASSIGNMENT / "tiny.ipynb"
    folder = synthetic.write_submission(course.submitted, "stubborn", "right", release)
    nb = nbformat.read(folder / "tiny.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "hypot-answer":
            cell.source = ("import signal, subprocess, sys\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                           "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], "
                           "start_new_session=True)\nwhile True:\n    pass")
    nbformat.write(nb, folder / "tiny.ipynb")
    batch = grade(course, [synthetic.ASSIGNMENT],
                  Options(workers=1, budget=6, grace=0, progress=False, students=["stubborn"]))
    result = batch.results[0]
    assert result.outcome is Outcome.TIMED_OUT and "still running after" in result.detail, result.detail
    assert pool._marked(f"{synthetic.ASSIGNMENT}/stubborn") == []  # nothing of the job survives
