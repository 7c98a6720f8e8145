"""Seal a quiz: keep what a learner sees, replace the key by salted hashes.

The sealed text is compressed JSON in base64, so neither the key nor the
explanations can be read in a notebook a student receives. The check is local
(the notebook must answer without a server), so a determined reader could
still try each option against the hashes: sealing hides the key, it is not
cryptography against a learner who wants to cheat themselves. Graded quizzes
are therefore checked by nbgrader's hidden tests, not by these hashes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib

from course.quiz.model import Question, QuizSpec

FORMAT = 1


def digest(salt: str, question_id: str, value: str) -> str:
    return hashlib.sha256(f"{salt}|{question_id}|{value}".encode()).hexdigest()[:24]


def number_bucket(value: float, tolerance: float) -> str:
    """Answers that round to the same multiple of ``tolerance`` count as equal."""
    return str(round(value / tolerance)) if tolerance else repr(float(value))


def _sealed_question(q: Question, salt: str) -> dict:
    sealed = {"id": q.id, "kind": q.kind, "prompt": q.prompt, "options": q.options,
              "explain": q.explain, "feedback": q.feedback, "tolerance": q.tolerance}
    if q.kind == "multiple":
        sealed["marks"] = {
            label: digest(salt, q.id, f"{label}={label in q.answer}") for label in q.options
        }
    elif q.kind == "number":
        sealed["key"] = digest(salt, q.id, number_bucket(q.answer, q.tolerance))
    else:
        sealed["key"] = digest(salt, q.id, q.answer)
    return sealed


def seal(spec: QuizSpec) -> str:
    """The sealed text for a quiz (deterministic, so release/ diffs stay quiet)."""
    salt = hashlib.sha256(f"course-quiz|{spec.quiz}".encode()).hexdigest()[:16]
    payload = {"format": FORMAT, "quiz": spec.quiz, "title": spec.title, "salt": salt,
               "questions": [_sealed_question(q, salt) for q in spec.questions]}
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(raw, 9)).decode()


def unseal(text: str) -> dict:
    """The sealed payload as a dict (answers stay hashed)."""
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
