"""Checking answers against a sealed quiz, and the plain-text view of a quiz."""

from __future__ import annotations

import json
from dataclasses import dataclass

from course.quiz.lock import unlock
from course.quiz.seal import number_bucket


@dataclass(frozen=True)
class Result:
    """The outcome of one check: right or not, and what to tell the learner."""

    question_id: str
    correct: bool
    message: str
    right_picked: int = 0
    wrong_picked: int = 0
    right_total: int = 0

    @property
    def partial(self) -> bool:
        return not self.correct and self.right_picked > 0


class AnswerFormatError(ValueError):
    """An answer of the wrong shape (says which shape is expected)."""


def normalise(question: dict, answer: object) -> object:
    """The canonical form of an answer: label, sorted labels, 'true'/'false', float."""
    kind, qid = question["kind"], question["id"]
    labels = list(question["options"])
    if kind == "single":
        label = str(answer).strip().lower()
        if label not in labels:
            raise AnswerFormatError(f"{qid}: answer with one of {labels}, e.g. {labels[0]!r}")
        return label
    if kind == "multiple":
        picked = [answer] if isinstance(answer, str) else list(answer or [])
        picked = sorted({str(a).strip().lower() for a in picked})
        unknown = [a for a in picked if a not in labels]
        if unknown:
            raise AnswerFormatError(f"{qid}: {unknown} are not options; pick from {labels}, e.g. {labels[:2]}")
        return picked
    if kind == "true-false":
        text = str(answer).strip().lower()
        if text not in ("true", "false"):
            raise AnswerFormatError(f"{qid}: answer True or False")
        return text
    try:
        return float(answer)
    except (TypeError, ValueError):
        raise AnswerFormatError(f"{qid}: answer with a number, e.g. 42") from None


def check(question: dict, answer: object) -> Result:
    """Check one answer; the message teaches (feedback for a wrong pick, explanation when right).

    The explanation and the feedback are locked (:mod:`course.quiz.seal`): the
    answer given is the key that opens them.
    """
    qid, kind, salt = question["id"], question["kind"], question["salt"]
    value = normalise(question, answer)
    if kind == "multiple":
        marks = question["marks"]
        truly = {label for label in marks if unlock(salt, "mark", f"{label}=True", marks[label]) is not None}
        right, wrong = len(truly & set(value)), len(set(value) - truly)
        correct = set(value) == truly
        if correct:
            message = "Right. " + (unlock(salt, "answer", ",".join(value), question["key"]) or "")
        else:
            mistakes = [label for label in value if label not in truly] + sorted(truly - set(value))
            noted = next((label for label in mistakes if label in question["feedback"]), None)
            note = unlock(salt, "feedback", noted, question["feedback"][noted]) if noted else ""
            verb = "is" if right == 1 else "are"
            message = (f"Not yet: {right} of your {len(value)} choices {verb} right"
                       f"{' and some right ones are missing' if right < len(truly) else ''}. "
                       + note)
        return Result(qid, correct, message.strip(), right, wrong, len(truly))
    if kind == "number":
        explain = unlock(salt, "answer", number_bucket(value, question["tolerance"]), question["key"])
        correct, text = explain is not None, explain or ""
        if not correct and "hint" in question:
            text = unlock(salt, "hint", "", question["hint"]) or ""
    else:
        opened = json.loads(unlock(salt, "pick", value, question["boxes"][value]))
        correct, text = opened["right"], opened["text"]
    if correct:
        message = "Right. " + text
    else:
        message = "Not quite. " + (text or "Think again and retry.")
    return Result(qid, correct, message.strip(), int(correct), int(not correct), 1)


def as_python(value: object, kind: str) -> object:
    """An answer as the learner would type it in an answer cell."""
    if kind == "true-false":
        return value == "true"
    return value


def plain_text(payload: dict) -> str:
    """The quiz as text, for terminals and headless runs (no answers shown)."""
    lines = [f"{payload['title']} ({len(payload['questions'])} questions)", ""]
    for n, q in enumerate(payload["questions"], 1):
        lines.append(f"{n}. [{q['id']}] {q['prompt']}")
        if q["kind"] == "true-false":
            lines.append("     True / False")
        for label, text in q["options"].items():
            lines.append(f"     {label}) {text}")
        if q["kind"] == "multiple":
            lines.append("     (choose all that apply)")
        if q["kind"] == "number":
            lines.append("     (answer with a number)")
        lines.append("")
    lines.append('Check an answer with quiz.check("<question id>", <answer>), '
                 'e.g. quiz.check("' + payload["questions"][0]["id"] + '", ...).')
    return "\n".join(lines)
