"""Seal a quiz: keep what a learner sees, lock what they should earn.

Prompts and options stay readable. Each explanation is encrypted with a key
derived from the right answer, and each wrong option's feedback with a key
derived from that option (:mod:`course.quiz.lock`), so neither can be read
before that answer is given. What this does not hide: the check runs in the
notebook, without a server, so anyone can try every option (2 to 8 of them), or
a range of numbers, and a multiple-select question marks each option right or
wrong so that it can say how many picks are right. Practice quizzes are for
learning; graded questions are checked by nbgrader's hidden tests.
"""

from __future__ import annotations

import base64
import json
import math
import zlib

from course.quiz.lock import lock, question_salt
from course.quiz.model import GradedQuestion, Question, QuizFormatError, QuizSpec

FORMAT = 2


def number_bucket(value: float, tolerance: float) -> str:
    """The nearest multiple of ``tolerance`` (halves round up): answers with the same one count as equal."""
    if not tolerance:
        return repr(float(value))
    return str(math.floor(round(value / tolerance, 9) + 0.5))


def choice_box(right: bool, text: str) -> str:
    return json.dumps({"right": right, "text": text}, sort_keys=True)


def _sealed_question(q: Question, quiz_id: str) -> dict:
    salt = question_salt(quiz_id, q.id)
    sealed = {"id": q.id, "kind": q.kind, "prompt": q.prompt, "options": q.options,
              "tolerance": q.tolerance, "salt": salt}
    if q.kind in ("single", "true-false"):
        sealed["boxes"] = {
            label: lock(salt, "pick", label, choice_box(label == q.answer,
                                                       q.explain if label == q.answer else q.feedback.get(label, "")))
            for label in q.labels()
        }
    elif q.kind == "multiple":
        sealed["marks"] = {label: lock(salt, "mark", f"{label}={label in q.answer}") for label in q.options}
        sealed["key"] = lock(salt, "answer", ",".join(q.answer), q.explain)
        sealed["feedback"] = {label: lock(salt, "feedback", label, text) for label, text in q.feedback.items()}
    else:
        sealed["key"] = lock(salt, "answer", number_bucket(q.answer, q.tolerance), q.explain)
        if "" in q.feedback:
            sealed["hint"] = lock(salt, "hint", "", q.feedback[""])
    return sealed


def practice_questions(spec: QuizSpec, part: str | None = None) -> list[Question]:
    """The questions of one check (``part``) or, without a part, of the end-of-chapter quiz."""
    chosen = [q for q in spec.questions if q.part == part]
    if not chosen:
        where = f"part {part!r}" if part else "the end-of-chapter quiz (questions without a part)"
        raise QuizFormatError(f"quiz {spec.quiz}: no practice questions for {where}; "
                              f"the parts are {sorted(spec.parts())}")
    return chosen


def _pack(payload: dict) -> str:
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(raw, 9)).decode()


def seal(spec: QuizSpec, part: str | None = None) -> str:
    """The sealed text of a practice quiz or check (deterministic, so release/ diffs stay quiet)."""
    title = spec.title if part is None else f"{spec.title}: quick check"
    return _pack({"format": FORMAT, "quiz": spec.quiz, "title": title,
                  "questions": [_sealed_question(q, spec.quiz) for q in practice_questions(spec, part)]})


def _graded_question(q: GradedQuestion) -> dict:
    return {"id": q.id, "kind": q.kind, "prompt": q.prompt, "options": q.options, "params": q.params}


def seal_graded(spec: QuizSpec) -> str:
    """The graded questions as the student version carries them: no key, nothing to hide."""
    if not spec.graded:
        raise QuizFormatError(f"quiz {spec.quiz}: no graded questions; add them under 'graded:'")
    return _pack({"format": FORMAT, "quiz": spec.quiz, "title": f"{spec.title}: graded questions",
                  "graded": [_graded_question(q) for q in spec.graded]})


def unseal(text: str) -> dict:
    """The sealed payload as a dict (explanations and feedback stay locked)."""
    try:
        payload = json.loads(zlib.decompress(base64.b64decode(text)))
    except (ValueError, zlib.error) as exc:
        raise ValueError(
            "This sealed quiz is damaged. Restore the cell from the original notebook "
            "(release/ in the course repository)."
        ) from exc
    if payload.get("format") != FORMAT:
        raise ValueError("This quiz was sealed by another version of the course package: update it.")
    return payload
