"""Quiz questions as authors write them, and their checks.

An author writes one quiz per notebook as YAML (``source/<id>/quiz.yaml``)::

    quiz: 01-sharding
    questions:
      - id: hot-key
        kind: single            # single | multiple | true-false | number
        prompt: Which partition key spreads writes best?
        options: {a: order date, b: customer id}
        answer: b
        explain: Why b is right (shown once the learner gets it right).
        feedback: {a: Why a is tempting and wrong (shown when a is picked).}
        seed: practice-3        # optional: the seed question this one places
        part: partitions        # optional: shown in a check inside the chapter, not the end quiz
      - id: drain-time
        kind: number
        prompt: How many seconds until the queue is empty?
        answer: 120
        tolerance: 1            # answers that round to the same multiple of 1 count
        feedback: {"": A hint shown for any wrong number.}

A multiple-select question lists ``answer: [a, c]``; a true-false one
``answer: true`` with ``feedback: {false: ...}``. Seed interview questions
answered as written exercises are listed under ``written:`` as
``{seed: interview-N, grade_id: written-...}``.

Graded questions go under ``graded:``: the same fields without ``answer``,
``explain`` or ``feedback`` (their key is computed in a hidden test), plus
``params``, one list of values per ``{name}`` in the prompt; each student gets
one value of each (:mod:`course.quiz.variants`).

The key is plain only here. :mod:`course.quiz.seal` turns a quiz into a form
that can check answers without containing them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

KINDS = ("single", "multiple", "true-false", "number")


class QuizFormatError(ValueError):
    """A quiz file that cannot be used, with the place and the fix in the message."""


@dataclass
class Question:
    id: str
    kind: str
    prompt: str
    answer: object
    options: dict[str, str] = field(default_factory=dict)
    explain: str = ""
    feedback: dict[str, str] = field(default_factory=dict)
    tolerance: float = 0.0
    seed: str | None = None
    part: str | None = None

    def labels(self) -> list[str]:
        if self.kind == "true-false":
            return ["true", "false"]
        return list(self.options)


@dataclass
class GradedQuestion:
    """A question whose key lives in a hidden test; numbers in its prompt vary per student."""

    id: str
    kind: str
    prompt: str
    options: dict[str, str] = field(default_factory=dict)
    params: dict[str, list] = field(default_factory=dict)
    seed: str | None = None


@dataclass
class QuizSpec:
    quiz: str
    questions: list[Question]
    title: str = "Check your understanding"
    written: list[dict] = field(default_factory=list)
    graded: list[GradedQuestion] = field(default_factory=list)

    def parts(self) -> set[str]:
        return {q.part for q in self.questions if q.part}

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(f"No question {question_id!r} in quiz {self.quiz!r}")


def _tf_label(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text
    raise QuizFormatError(f"a true-false answer must be true or false, not {value!r}")


def _question(raw: dict, where: str) -> Question:
    missing = [k for k in ("id", "kind", "prompt", "answer") if k not in raw]
    if missing:
        raise QuizFormatError(f"{where}: add the missing field(s) {', '.join(missing)}")
    kind = raw["kind"]
    if kind not in KINDS:
        raise QuizFormatError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    options = {str(k): str(v) for k, v in (raw.get("options") or {}).items()}
    feedback = {str(k).lower() if isinstance(k, bool) else str(k): str(v)
                for k, v in (raw.get("feedback") or {}).items()}
    answer = raw["answer"]
    if kind == "single":
        if str(answer) not in options:
            raise QuizFormatError(f"{where}: answer {answer!r} is not one of the options {list(options)}")
        answer = str(answer)
    elif kind == "multiple":
        answer = sorted(str(a) for a in (answer if isinstance(answer, list) else [answer]))
        unknown = [a for a in answer if a not in options]
        if unknown or not answer:
            raise QuizFormatError(f"{where}: answers {unknown or answer} must be a non-empty list of options {list(options)}")
    elif kind == "true-false":
        answer = _tf_label(answer)
        feedback = {_tf_label(k): v for k, v in feedback.items()}
    else:
        answer = float(answer)
    if kind in ("single", "multiple") and len(options) < 2:
        raise QuizFormatError(f"{where}: give at least two options")
    stray = [k for k in feedback if kind != "number" and k not in (options or {"true": 1, "false": 1})]
    if stray:
        raise QuizFormatError(f"{where}: feedback for unknown option(s) {stray}")
    return Question(
        id=str(raw["id"]), kind=kind, prompt=str(raw["prompt"]).strip(), answer=answer,
        options=options, explain=str(raw.get("explain", "")).strip(), feedback=feedback,
        tolerance=float(raw.get("tolerance", 0.0)), seed=raw.get("seed"),
        part=str(raw["part"]) if raw.get("part") else None,
    )


def _graded_question(raw: dict, where: str) -> GradedQuestion:
    missing = [k for k in ("id", "kind", "prompt") if k not in raw]
    if missing:
        raise QuizFormatError(f"{where}: add the missing field(s) {', '.join(missing)}")
    leaked = [k for k in ("answer", "explain", "feedback") if k in raw]
    if leaked:
        raise QuizFormatError(f"{where}: remove {', '.join(leaked)}: a graded question's key is computed "
                              "in its hidden test, and quiz.yaml is sealed into the student version")
    if raw["kind"] not in KINDS:
        raise QuizFormatError(f"{where}: kind {raw['kind']!r} is not one of {', '.join(KINDS)}")
    options = {str(k): str(v) for k, v in (raw.get("options") or {}).items()}
    if raw["kind"] in ("single", "multiple") and len(options) < 2:
        raise QuizFormatError(f"{where}: give at least two options")
    params = raw.get("params") or {}
    bad = [name for name, values in params.items() if not isinstance(values, list) or not values]
    if bad:
        raise QuizFormatError(f"{where}: params {bad} need a non-empty list of values each")
    prompt = str(raw["prompt"]).strip()
    try:
        prompt.format(**{name: values[0] for name, values in params.items()})
    except (KeyError, IndexError, ValueError) as exc:
        raise QuizFormatError(f"{where}: the prompt uses {exc} but params do not define it "
                              "(write literal braces as {{ }})") from None
    return GradedQuestion(id=str(raw["id"]), kind=raw["kind"], prompt=prompt, options=options,
                          params={str(k): list(v) for k, v in params.items()}, seed=raw.get("seed"))


def parse(data: dict, source: str = "quiz") -> QuizSpec:
    """Build a :class:`QuizSpec` from the YAML structure, checking every field."""
    if not isinstance(data, dict) or "quiz" not in data or "questions" not in data:
        raise QuizFormatError(f"{source}: a quiz file needs the keys 'quiz' and 'questions'")
    questions = [
        _question(raw, f"{source}, question {i + 1} ({raw.get('id', 'no id')})")
        for i, raw in enumerate(data["questions"] or [])
    ]
    graded = [
        _graded_question(raw, f"{source}, graded question {i + 1} ({raw.get('id', 'no id')})")
        for i, raw in enumerate(data.get("graded") or [])
    ]
    ids = [q.id for q in questions] + [q.id for q in graded]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise QuizFormatError(f"{source}: question ids must be unique; repeated: {duplicates}")
    return QuizSpec(
        quiz=str(data["quiz"]), questions=questions,
        title=str(data.get("title", "Check your understanding")),
        written=list(data.get("written") or []), graded=graded,
    )


def load_spec(path: str | Path) -> QuizSpec:
    """Read and check an authoring file."""
    path = Path(path)
    if not path.exists():
        raise QuizFormatError(
            f"{path}: no such quiz file. Learners get the sealed quiz inside the notebook; "
            "this file exists only in the instructor's source/ folder."
        )
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
