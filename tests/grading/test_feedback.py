"""Feedback shows scores and visible test messages, never hidden tests."""

from __future__ import annotations

import pytest

from course.grading import feedback, synthetic
from course.grading.autograde import Options, grade
from course.grading.demo import build_course

pytestmark = pytest.mark.slow
STUDENTS = {"right": "right", "partial": "partial", "off": "off", "snoop": "snoop", "wrong": "wrong"}


@pytest.fixture(scope="module")
def with_feedback(tmp_path_factory):
    course = build_course(tmp_path_factory.mktemp("feedback") / "course", STUDENTS)
    batch = grade(course, [synthetic.ASSIGNMENT], Options(workers=2, budget=20, progress=False))
    assert {r.student: r.outcome.value for r in batch.results} == {s: "graded" for s in STUDENTS}
    status = feedback.generate(course, [synthetic.ASSIGNMENT])
    pages = {s: (course.feedback / s / synthetic.ASSIGNMENT / "tiny.html").read_text() for s in STUDENTS}
    return course, status, pages


def test_no_hidden_test_text_in_any_feedback(with_feedback):
    course, status, pages = with_feedback
    assert status == 0
    for student, page in pages.items():
        assert synthetic.HIDDEN_MARK not in page, student
        assert "1e200" not in page and "double(-3)" not in page, student
        assert "BEGIN HIDDEN TESTS" not in page, student
    assert feedback.leaks(course, synthetic.ASSIGNMENT) == []


def test_visible_messages_and_scores_are_shown(with_feedback):
    _, _, pages = with_feedback
    assert "double(2) should be 4" in pages["off"]          # a visible test's message
    assert "a hidden test failed" in pages["partial"]       # a hidden one's, without its text
    for page in pages.values():
        assert "Your scores" in page and "double-test" in page and "hypot-test" in page
    assert "3 / 3" in pages["off"] and "0 / 2" in pages["off"]


def test_leak_check_catches_a_leak(with_feedback, tmp_path):
    course, _, _ = with_feedback
    page = course.feedback / "right" / synthetic.ASSIGNMENT / "tiny.html"
    original = page.read_text()
    try:
        page.write_text(original + f"<pre>assert double(-3) == -6, &quot;{synthetic.HIDDEN_MARK}: "
                                   "negative numbers&quot;</pre>")
        assert feedback.leaks(course, synthetic.ASSIGNMENT)
    finally:
        page.write_text(original)
