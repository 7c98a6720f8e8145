"""Locked explanations and feedback: only the right answer (or that option) opens them."""

from __future__ import annotations

import json

import pytest

from course.quiz.lock import lock, question_salt, unlock
from course.quiz.model import parse
from course.quiz.seal import number_bucket, seal, unseal

SPEC = {
    "quiz": "lock-quiz",
    "questions": [
        {"id": "tf", "kind": "true-false", "prompt": "Shards split data.", "answer": True,
         "explain": "EXPLAIN-TF", "feedback": {False: "FEEDBACK-TF-FALSE"}},
        {"id": "one", "kind": "single", "prompt": "Pick the queue.",
         "options": {"a": "S3", "b": "SQS", "c": "EBS"}, "answer": "b",
         "explain": "EXPLAIN-ONE", "feedback": {"a": "FEEDBACK-ONE-A"}},
        {"id": "many", "kind": "multiple", "prompt": "Pick the databases.",
         "options": {"a": "DynamoDB", "b": "SNS", "c": "RDS"}, "answer": ["c", "a"],
         "explain": "EXPLAIN-MANY", "feedback": {"b": "FEEDBACK-MANY-B", "c": "FEEDBACK-MANY-C"}},
        {"id": "num", "kind": "number", "prompt": "How many?", "answer": 3, "tolerance": 1,
         "explain": "EXPLAIN-NUM", "feedback": {"": "HINT-NUM"}},
        {"id": "half", "kind": "number", "prompt": "How long?", "answer": 128, "tolerance": 0.5,
         "explain": "EXPLAIN-HALF"},
        {"id": "exact", "kind": "number", "prompt": "How many?", "answer": 1000, "explain": "EXPLAIN-EXACT"},
    ],
}


@pytest.fixture(scope="module")
def questions():
    return {q["id"]: q for q in unseal(seal(parse(SPEC)))["questions"]}


def test_a_box_opens_with_its_value_only():
    salt = question_salt("quiz", "q")
    box = lock(salt, "pick", "b", "secret")
    assert unlock(salt, "pick", "b", box) == "secret"
    assert unlock(salt, "pick", "a", box) is None
    assert unlock(salt, "feedback", "b", box) is None, "the purpose is part of the key"
    assert unlock(question_salt("quiz", "other"), "pick", "b", box) is None, "the salt is per question"


def test_the_same_answer_in_two_questions_gives_different_boxes():
    assert lock(question_salt("quiz", "q1"), "pick", "b", "x") != lock(question_salt("quiz", "q2"), "pick", "b", "x")
    assert lock(question_salt("quiz-1", "q"), "pick", "b", "x") != lock(question_salt("quiz-2", "q"), "pick", "b", "x")


@pytest.mark.parametrize("qid, right, wrong, feedback", [
    ("one", "b", "a", "FEEDBACK-ONE-A"),
    ("tf", "true", "false", "FEEDBACK-TF-FALSE"),
])
def test_single_and_true_false(questions, qid, right, wrong, feedback):
    q = questions[qid]
    assert json.loads(unlock(q["salt"], "pick", right, q["boxes"][right])) == {"right": True, "text": f"EXPLAIN-{qid.upper()}"}
    assert json.loads(unlock(q["salt"], "pick", wrong, q["boxes"][wrong])) == {"right": False, "text": feedback}
    assert unlock(q["salt"], "pick", right, q["boxes"][wrong]) is None
    assert unlock(q["salt"], "pick", wrong, q["boxes"][right]) is None


def test_multiple_opens_the_explanation_with_exactly_the_right_set(questions):
    q = questions["many"]
    assert unlock(q["salt"], "answer", "a,c", q["key"]) == "EXPLAIN-MANY"
    for wrong in ("a", "c", "a,b,c", "c,a", "b"):
        assert unlock(q["salt"], "answer", wrong, q["key"]) is None
    assert unlock(q["salt"], "feedback", "b", q["feedback"]["b"]) == "FEEDBACK-MANY-B"
    assert unlock(q["salt"], "feedback", "a", q["feedback"]["b"]) is None


@pytest.mark.parametrize("qid, value, opens", [
    ("num", 3, True), ("num", 2.5, True), ("num", 3.4999, True), ("num", 2.4999, False), ("num", 3.5, False),
    ("num", 5, False),
    ("half", 128, True), ("half", 127.75, True), ("half", 128.2499, True), ("half", 127.7499, False),
    ("half", 128.25, False),
    ("exact", 1000, True), ("exact", 1000.0001, False), ("exact", 999, False),
])
def test_number_opens_within_its_tolerance(questions, qid, value, opens):
    q = questions[qid]
    opened = unlock(q["salt"], "answer", number_bucket(value, q["tolerance"]), q["key"])
    assert (opened == f"EXPLAIN-{qid.upper()}") if opens else opened is None


def test_number_buckets_ignore_float_noise():
    assert number_bucket(0.8, 0.005) == number_bucket(0.7975, 0.005) == "160"
    assert number_bucket(0.8025, 0.005) == "161"


def test_sealing_twice_gives_identical_text():
    assert seal(parse(SPEC)) == seal(parse(SPEC))


def test_the_sealed_payload_holds_no_explanation_or_feedback():
    text = json.dumps(unseal(seal(parse(SPEC))))
    assert "Pick the queue." in text and "DynamoDB" in text, "questions and options stay readable"
    assert "EXPLAIN" not in text and "FEEDBACK" not in text and "HINT" not in text
