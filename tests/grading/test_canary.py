"""A batch starts by grading the instructor's solution in the same fence; a wrong environment stops it."""

from __future__ import annotations

import os
import sys

import nbformat
import pytest

from course.__main__ import main
from course.grading import synthetic
from course.grading.autograde import CanaryFailed, Options, grade
from course.grading.demo import build_course

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not (sys.platform.startswith("linux") and os.geteuid() == 0),
    reason="the fence's private /tmp (which hides the helper package) needs Linux namespaces as root")]


def scores(course, student):
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gb:
        nb = gb.find_submission(synthetic.ASSIGNMENT, student).notebooks[0]
        return {g.name: g.auto_score for g in nb.grades}


def test_a_package_missing_inside_the_fence_stops_the_batch_before_any_grade(tmp_path, monkeypatch, capsys):
    course = build_course(tmp_path / "course", {"alice": "right"})
    first = grade(course, [synthetic.ASSIGNMENT], Options(workers=2, budget=30, progress=False))
    assert [r.outcome.value for r in first.results] == ["graded"]
    before = scores(course, "alice")

    # The solution needs a package that lives under /tmp, as when the course package is
    # installed from a checkout there: the grading fence gives kernels a private /tmp.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "helper_outside_the_fence.py").write_text("VALUE = 1\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(outside), os.environ.get("PYTHONPATH", "")]))
    source = course.source / synthetic.ASSIGNMENT / f"{synthetic.NOTEBOOK}.ipynb"
    nb = nbformat.read(source, as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "double-answer")
    answer.source = "import helper_outside_the_fence\n" + answer.source
    nbformat.write(nb, source)

    with pytest.raises(CanaryFailed) as failed:
        grade(course, [synthetic.ASSIGNMENT], Options(workers=2, budget=30, progress=False))
    message = str(failed.value)
    assert "'helper_outside_the_fence' is not importable inside the grading fence" in message
    assert "nothing was written to the gradebook" in message and "double-answer" in message
    assert scores(course, "alice") == before, "the old grades stand untouched"
    assert (course.autograded / "alice" / synthetic.ASSIGNMENT).is_dir()

    status = main(["grade", "autograde", synthetic.ASSIGNMENT, "--course-dir", str(course.root), "--quiet"])
    assert status == 2 and "not importable inside the grading fence" in capsys.readouterr().err
