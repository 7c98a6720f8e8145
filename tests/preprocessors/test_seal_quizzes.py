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
