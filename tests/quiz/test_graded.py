"""Graded questions: a variant per student, no key in what students get, answers checked for shape."""

from __future__ import annotations

import textwrap

import pytest

import course.quiz
from course.quiz import variants
from course.quiz.model import QuizFormatError, parse
from course.quiz.seal import seal_graded, unseal

QUIZ = textwrap.dedent("""
    quiz: 99-demo
    questions:
      - {id: practice-one, kind: true-false, prompt: "Queues decouple.", answer: true, explain: "They do."}
      - {id: check-one, kind: true-false, prompt: "Shards split data.", answer: true, part: shards}
    graded:
      - id: drain-time
        kind: number
        prompt: "A backlog of {backlog:,} messages, {consumers} consumers at {rate} msg/s each: seconds to drain?"
        params: {backlog: [1000, 2000, 3000, 4000, 5000, 6000], consumers: [2, 3, 4, 5], rate: [10, 20, 25, 50]}
      - id: best-key
        kind: single
        prompt: "Which key spreads writes best?"
        options: {a: date, b: customer id}
""")


@pytest.fixture
def quiz_file(tmp_path):
    path = tmp_path / "quiz.yaml"
    path.write_text(QUIZ)
    return path


def graded_for(quiz_file, student, monkeypatch):
    monkeypatch.setenv(variants.ENV, student)
    return course.quiz.load_graded(quiz_file)


def drain_key(params):
    return params["backlog"] / (params["consumers"] * params["rate"])


def test_two_students_get_different_numbers_and_each_is_graded_on_their_own(quiz_file, monkeypatch):
    ana, ben = graded_for(quiz_file, "ana", monkeypatch), graded_for(quiz_file, "ben", monkeypatch)
    assert ana.params("drain-time") != ben.params("drain-time")
    assert ana.prompt("drain-time") != ben.prompt("drain-time")
    assert f"{ana.params('drain-time')['backlog']:,}" in ana.prompt("drain-time")
    ana_answer = {"drain-time": drain_key(ana.params("drain-time"))}
    assert ana.answer("drain-time", ana_answer) == pytest.approx(drain_key(ana.params("drain-time")))
    assert ben.answer("drain-time", ana_answer) != pytest.approx(drain_key(ben.params("drain-time"))), \
        "a copied answer is wrong for another student"


def test_the_variant_is_stable_and_headless_runs_get_the_practice_one(quiz_file, monkeypatch, tmp_path):
    assert graded_for(quiz_file, "ana", monkeypatch).params("drain-time") == \
        graded_for(quiz_file, "ana", monkeypatch).params("drain-time")
    for name in (variants.ENV, "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    assert course.quiz.student_id() == variants.PRACTICE
    monkeypatch.setenv("JUPYTERHUB_USER", "hubuser")
    assert course.quiz.student_id() == "hubuser"
    monkeypatch.delenv("JUPYTERHUB_USER")
    variants.save_student_id("s-042")
    assert course.quiz.student_id() == "s-042"
    folder = tmp_path / "autograded" / "s-777" / "99-demo"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    assert course.quiz.student_id() == "s-777", "stock nbgrader autograde runs in the student's folder"
    with pytest.raises(ValueError, match="without slashes"):
        variants.save_student_id("../x")


def test_answers_of_the_wrong_shape_say_what_to_write(quiz_file, monkeypatch):
    graded = graded_for(quiz_file, "ana", monkeypatch)
    with pytest.raises(AssertionError, match="must be a dict"):
        graded.answer("drain-time", [1])
    with pytest.raises(AssertionError, match='no answer for "best-key"'):
        graded.answer("best-key", {"best-key": ...})
    with pytest.raises(AssertionError, match="one of"):
        graded.answer("best-key", {"best-key": "z"})
    assert graded.answer("best-key", {"best-key": " B "}) == "b"
    graded.record("best-key", "b")
    assert graded.answer_line() == "graded_answers = {'best-key': 'b'}"
    assert "your variant: ana" in graded.text()


def test_the_student_version_carries_no_key_and_keys_in_the_yaml_are_refused(quiz_file):
    import yaml

    spec = parse(yaml.safe_load(QUIZ))
    payload = unseal(seal_graded(spec))
    assert "answer" not in str(payload) and "explain" not in str(payload)
    bad = yaml.safe_load(QUIZ)
    bad["graded"][1]["answer"] = "b"
    with pytest.raises(QuizFormatError, match="key is computed"):
        parse(bad)
    bad = yaml.safe_load(QUIZ)
    bad["graded"][0]["prompt"] = "{missing} messages"
    with pytest.raises(QuizFormatError, match="params do not define"):
        parse(bad)


def test_parts_split_checks_from_the_end_quiz(quiz_file):
    assert [q["id"] for q in course.quiz.load(quiz_file).questions] == ["practice-one"]
    assert [q["id"] for q in course.quiz.load(quiz_file, part="shards").questions] == ["check-one"]
    with pytest.raises(QuizFormatError, match="the parts are"):
        course.quiz.load(quiz_file, part="nope")
