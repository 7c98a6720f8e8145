"""A learner grades their own notebook with the hidden tests; their file is left untouched."""

from __future__ import annotations

import os

import pytest

from course.grading import selfgrade, synthetic
from course.grading.outcomes import Outcome

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def learner(tmp_path_factory):
    """A repository-like source/ with the tiny assignment and a learner's workspace copy."""
    from course.grading.demo import _released_course

    released = _released_course()
    workspace = tmp_path_factory.mktemp("workspace")
    folder = synthetic.write_submission(workspace, "me", "off", released / "release" / "tiny" / "tiny.ipynb")
    return released / "source", folder / "tiny.ipynb"


def test_self_grade_scores_and_leaves_the_file_alone(learner, capsys):
    source, notebook = learner
    os.utime(notebook, (1_000_000_000, 1_000_000_000))
    before = (notebook.read_bytes(), notebook.stat().st_mtime_ns)
    status = selfgrade.run(notebook, None, 30.0, source=source)
    printed = capsys.readouterr().out
    assert status == 0
    assert (notebook.read_bytes(), notebook.stat().st_mtime_ns) == before
    assert sorted(p.name for p in notebook.parent.iterdir()) == ["tiny.ipynb"]
    assert "double-test" in printed and "0/2" in printed and "double(2) should be 4" in printed
    assert "hypot-test" in printed and "3/3" in printed
    assert "autograded score: 3 / 5" in printed
    assert synthetic.HIDDEN_MARK not in printed


def test_self_grade_hides_hidden_messages(learner, tmp_path):
    source, notebook = learner
    from course.grading.demo import _released_course

    folder = synthetic.write_submission(tmp_path, "me", "partial",
                                        _released_course() / "release" / "tiny" / "tiny.ipynb")
    result, rows = selfgrade.grade_own(folder / "tiny.ipynb", "tiny", 30.0, source)
    assert result.outcome is Outcome.GRADED and result.score == 2
    hypot = next(r for r in rows if r.exercise == "hypot-test")
    assert "hidden test failed" in hypot.message and synthetic.HIDDEN_MARK not in hypot.message
