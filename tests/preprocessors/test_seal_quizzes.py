"""The release step seals quizzes: the plain key never reaches a student notebook."""

from __future__ import annotations

import nbformat
import yaml

from course.preprocessors.seal_quizzes import SealQuizzes

QUIZ = {"quiz": "x", "questions": [{"id": "q", "kind": "single", "prompt": "Which?",
                                     "options": {"a": "one", "b": "two"}, "answer": "b",
                                     "explain": "Two is the secret explanation."}]}


def test_the_load_call_is_replaced_by_the_sealed_quiz(tmp_path):
    (tmp_path / "quiz.yaml").write_text(yaml.safe_dump(QUIZ))
    cell = nbformat.v4.new_code_cell('quiz = course.quiz.load("quiz.yaml")\nquiz')
    other = nbformat.v4.new_code_cell("x = 1")
    resources = {"metadata": {"path": str(tmp_path)}}
    sealed, _ = SealQuizzes().preprocess_cell(cell, resources, 0)
    assert sealed.source.startswith('quiz = course.quiz.unseal("')
    assert sealed.source.endswith("\nquiz")
    assert "secret explanation" not in sealed.source and "answer" not in sealed.source
    assert SealQuizzes().preprocess_cell(other, resources, 1)[0].source == "x = 1"


def test_checks_and_graded_questions_are_sealed_separately(tmp_path):
    import course.quiz

    quiz = dict(QUIZ, questions=[*QUIZ["questions"], {**QUIZ["questions"][0], "id": "c", "part": "mid"}],
                graded=[{"id": "g", "kind": "number", "prompt": "{n} items?", "params": {"n": [1, 2]}}])
    (tmp_path / "quiz.yaml").write_text(yaml.safe_dump(quiz))
    resources = {"metadata": {"path": str(tmp_path)}}
    check = nbformat.v4.new_code_cell("check = course.quiz.load('quiz.yaml', part='mid')")
    graded = nbformat.v4.new_code_cell('graded = course.quiz.load_graded("quiz.yaml")')
    check_src = SealQuizzes().preprocess_cell(check, resources, 0)[0].source
    graded_src = SealQuizzes().preprocess_cell(graded, resources, 1)[0].source
    assert "course.quiz.load" not in check_src + graded_src
    sealed_check = eval(check_src.split("=", 1)[1], {"course": course})
    assert [q["id"] for q in sealed_check.questions] == ["c"]
    assert graded_src.startswith('graded = course.quiz.unseal_graded("')
    assert [q["id"] for q in eval(graded_src.split("=", 1)[1], {"course": course}).questions] == ["g"]
