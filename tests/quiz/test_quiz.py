"""The quiz engine: checking, sealing, the text fallback and the widget."""

from __future__ import annotations

import pytest
import yaml

from course import quiz as q
from course.quiz.model import QuizFormatError, parse
from course.quiz.seal import seal

SPEC = {
    "quiz": "test-quiz",
    "questions": [
        {"id": "tf", "kind": "true-false", "prompt": "Sharding splits a dataset.", "answer": True,
         "explain": "Each shard holds part of the keys.", "feedback": {False: "Think of what a shard holds."}},
        {"id": "one", "kind": "single", "prompt": "Pick the queue.",
         "options": {"a": "Amazon S3", "b": "Amazon SQS", "c": "Amazon EBS"}, "answer": "b",
         "explain": "SQS is a message queue service.", "feedback": {"a": "S3 stores objects, not messages."}},
        {"id": "many", "kind": "multiple", "prompt": "Pick the databases.",
         "options": {"a": "DynamoDB", "b": "SNS", "c": "RDS"}, "answer": ["a", "c"],
         "explain": "DynamoDB and RDS store data.", "feedback": {"b": "SNS delivers notifications."}},
        {"id": "num", "kind": "number", "prompt": "How many AZs in a Multi-AZ DB cluster?",
         "answer": 3, "tolerance": 1, "explain": "One writer and two readers."},
    ],
}


@pytest.fixture()
def quiz():
    return q.unseal(seal(parse(SPEC)))


def test_single_choice_right_and_wrong(quiz):
    wrong = quiz.check("one", "a", quiet=True)
    assert not wrong.correct and "S3 stores objects" in wrong.message
    assert "SQS is a message queue" not in wrong.message, "a wrong answer must not reveal the explanation"
    right = quiz.check("one", "B", quiet=True)
    assert right.correct and "SQS is a message queue" in right.message


def test_multiple_select_is_right_only_with_exactly_the_right_set(quiz):
    assert quiz.check("many", ["c", "a"], quiet=True).correct
    partial = quiz.check("many", ["a"], quiet=True)
    assert not partial.correct and partial.partial
    assert (partial.right_picked, partial.wrong_picked, partial.right_total) == (1, 0, 2)
    overshoot = quiz.check("many", ["a", "b", "c"], quiet=True)
    assert not overshoot.correct and overshoot.wrong_picked == 1
    assert "SNS delivers" in overshoot.message
    none_right = quiz.check("many", ["b"], quiet=True)
    assert not none_right.correct and not none_right.partial


def test_true_false_accepts_booleans_and_words(quiz):
    assert quiz.check("tf", True, quiet=True).correct
    assert quiz.check("tf", "true", quiet=True).correct
    wrong = quiz.check("tf", False, quiet=True)
    assert not wrong.correct and "Think of what a shard holds" in wrong.message


def test_number_within_tolerance(quiz):
    assert quiz.check("num", 3, quiet=True).correct
    assert quiz.check("num", "3.4", quiet=True).correct
    assert quiz.check("num", 2.5, quiet=True).correct, "halves round up: 2.5 is nearest 3"
    assert not quiz.check("num", 3.5, quiet=True).correct
    assert not quiz.check("num", 2.49, quiet=True).correct
    wrong = quiz.check("num", 5, quiet=True)
    assert not wrong.correct and wrong.message == "Not quite. Think again and retry."


def test_answers_of_the_wrong_shape_say_what_is_expected(quiz):
    with pytest.raises(q.AnswerFormatError, match="one of"):
        quiz.check("one", "z", quiet=True)
    with pytest.raises(q.AnswerFormatError, match="True or False"):
        quiz.check("tf", "maybe", quiet=True)
    with pytest.raises(KeyError, match="ids are"):
        quiz.check("nope", "a", quiet=True)


def test_score_and_answer_line_track_the_latest_answers(quiz):
    quiz.check("one", "a", quiet=True)
    quiz.check("one", "b", quiet=True)
    quiz.check("tf", True, quiet=True)
    quiz.check("many", ["c", "a"], quiet=True)
    assert quiz.score_line().startswith("3 of 4 right")
    namespace: dict = {}
    exec(quiz.answer_line(), namespace)
    assert namespace["quiz_answers"] == {"one": "b", "tf": True, "many": ["a", "c"]}


def test_sealed_text_hides_keys_and_explanations():
    sealed = seal(parse(SPEC))
    for secret in ("SQS is a message queue", "S3 stores objects", "Amazon SQS", '"answer"'):
        assert secret not in sealed
    assert sealed == seal(parse(SPEC)), "sealing is deterministic so release/ diffs stay quiet"


def test_authoring_errors_name_the_question_and_the_fix():
    broken = {"quiz": "x", "questions": [{"id": "a", "kind": "single", "prompt": "?",
                                          "options": {"a": "1", "b": "2"}, "answer": "c"}]}
    with pytest.raises(QuizFormatError, match=r"question 1 \(a\).*not one of the options"):
        parse(broken)
    with pytest.raises(QuizFormatError, match="missing field"):
        parse({"quiz": "x", "questions": [{"id": "a"}]})
    twice = {"quiz": "x", "questions": [SPEC["questions"][0], SPEC["questions"][0]]}
    with pytest.raises(QuizFormatError, match="unique"):
        parse(twice)


def test_load_reads_an_authoring_file(tmp_path):
    path = tmp_path / "quiz.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    assert [x["id"] for x in q.load(path).questions] == ["tf", "one", "many", "num"]
    with pytest.raises(QuizFormatError, match="sealed quiz inside the notebook"):
        q.load(tmp_path / "missing.yaml")


def test_without_a_widget_front_end_the_quiz_prints_as_text(quiz):
    bundle = quiz._repr_mimebundle_()
    text = bundle["text/plain"]
    assert "Pick the queue." in text and "b) Amazon SQS" in text and "choose all that apply" in text
    assert "SQS is a message queue" not in text


def test_a_damaged_seal_says_how_to_recover():
    with pytest.raises(ValueError, match="Restore the cell"):
        q.unseal("not-a-quiz")


def test_the_widget_gives_feedback_on_click(quiz):
    box = quiz.widget()
    card = box.children[2]  # title, tf, one, ...
    prompt, field, button, feedback = card.children
    field.value = "a"
    button.click()
    assert "✘" in feedback.value and "S3 stores objects" in feedback.value
    field.value = "b"
    button.click()
    assert "✔" in feedback.value and "SQS is a message queue" in feedback.value
    score, answer_line = box.children[-2:]
    assert "1 of 4 right" in score.value
    assert "quiz_answers = {&#x27;one&#x27;: &#x27;b&#x27;}" in answer_line.value


def test_the_widget_asks_for_a_pick_before_checking(quiz):
    card = quiz.widget().children[3]  # the multiple-select question
    _, boxes, button, feedback = card.children
    button.click()
    assert "Pick an answer first" in feedback.value
    boxes.children[0].value = True
    button.click()
    assert "1 of your 1 choices is right" in feedback.value
