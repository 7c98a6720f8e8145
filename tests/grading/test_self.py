"""A learner grades their own notebook with the hidden tests; their file is left untouched."""

from __future__ import annotations

import os

import pytest

from course.grading import selfgrade, synthetic
from course.grading.demo import released_tiny_course

pytestmark = pytest.mark.slow


def test_self_grade_scores_shows_visible_messages_and_leaves_the_file_alone(tmp_path, capsys):
    released = released_tiny_course()  # stands in for the repository: source/tiny and release/tiny
    folder = synthetic.write_submission(tmp_path / "workspace", "me", "mixed",
                                        released / "release" / "tiny" / "tiny.ipynb")
    notebook = folder / "tiny.ipynb"
    os.utime(notebook, (1_000_000_000, 1_000_000_000))
    before = (notebook.read_bytes(), notebook.stat().st_mtime_ns)

    status = selfgrade.grade_and_report(notebook, None, 30.0, source=released / "source")

    printed = capsys.readouterr().out
    assert status == 0
    assert (notebook.read_bytes(), notebook.stat().st_mtime_ns) == before
    assert sorted(p.name for p in folder.iterdir()) == ["tiny.ipynb"]
    rows = {line.split()[0]: line for line in printed.splitlines() if line.strip()}
    assert "0/2" in rows["double-test"] and "double(2) should be 4" in rows["double-test"]
    assert "0/3" in rows["hypot-test"] and "a hidden test failed" in rows["hypot-test"]
    assert "graded by your instructor" in rows["why-answer"]
    assert "autograded score: 0 / 5" in printed
    assert synthetic.HIDDEN_MARK not in printed and "1e200" not in printed
