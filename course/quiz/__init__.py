"""Quizzes with immediate feedback, whose explanations open only with the right answer.

In an instructor's notebook (``source/``)::

    quiz = course.quiz.load("quiz.yaml")                      # the end-of-chapter quiz
    check = course.quiz.load("quiz.yaml", part="partitions")  # a check inside the chapter
    graded = course.quiz.load_graded("quiz.yaml")             # graded questions, this student's variant

Building ``release/`` replaces those calls by ``course.quiz.unseal("...")`` and
``course.quiz.unseal_graded("...")``: the same quizzes, with each explanation and
feedback locked by its answer (see :mod:`course.quiz.seal` for what is and is not
hidden); graded questions carry no key at all (:mod:`course.quiz.graded`). With a widget
front end the quiz is interactive; anywhere else it prints as text and
``quiz.check(question_id, answer)`` gives the same feedback.
"""

from __future__ import annotations

from pathlib import Path

from course.quiz import engine
from course.quiz.engine import AnswerFormatError, Result
from course.quiz.graded import GradedQuiz
from course.quiz.model import QuizFormatError, load_spec
from course.quiz.seal import seal, seal_graded, unseal as _unseal
from course.quiz.variants import student_id

__all__ = ["Quiz", "GradedQuiz", "load", "load_graded", "unseal", "unseal_graded", "student_id",
           "Result", "AnswerFormatError", "QuizFormatError"]


class Quiz:
    """A sealed quiz: checks answers, remembers the learner's latest ones."""

    def __init__(self, payload: dict):
        self._payload = payload
        self.title = payload["title"]
        self.questions = payload["questions"]
        self._by_id = {q["id"]: q for q in self.questions}
        self.latest: dict[str, object] = {}
        self.results: dict[str, Result] = {}

    def check(self, question_id: str, answer: object, quiet: bool = False) -> Result:
        """Check an answer and (unless quiet) print the feedback."""
        if question_id not in self._by_id:
            raise KeyError(f"No question {question_id!r}; the ids are {list(self._by_id)}")
        question = self._by_id[question_id]
        result = engine.check(question, answer)
        self.latest[question_id] = engine.as_python(engine.normalise(question, answer), question["kind"])
        self.results[question_id] = result
        if not quiet:
            print(("✔ " if result.correct else "✘ ") + result.message)
        return result

    def score_line(self) -> str:
        right = sum(r.correct for r in self.results.values())
        return (f"{right} of {len(self.questions)} right"
                f" ({len(self.results)} answered)")

    def answer_line(self, name: str = "quiz_answers") -> str:
        """The learner's latest answers as one line of Python for an answer cell."""
        return f"{name} = {self.latest!r}"

    def text(self) -> str:
        return engine.plain_text(self._payload)

    def __repr__(self) -> str:  # a terminal or a plain Python prompt shows the text view
        return self.text()

    def widget(self):
        from course.quiz.widget import build

        return build(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": self.text()}
        try:
            bundle.update(self.widget()._repr_mimebundle_(include=include, exclude=exclude) or {})
            bundle["text/plain"] = self.text()
        except Exception:  # no widget support at all: the text view is enough
            pass
        return bundle


def load(path: str | Path = "quiz.yaml", part: str | None = None) -> Quiz:
    """A practice quiz of an authoring file (one ``part``, or the end quiz), sealed in memory as in release/."""
    return Quiz(_unseal(seal(load_spec(path), part)))


def unseal(text: str) -> Quiz:
    """The quiz from a sealed text (what student notebooks contain)."""
    return Quiz(_unseal(text))


def load_graded(path: str | Path = "quiz.yaml") -> GradedQuiz:
    """The graded questions of an authoring file, as this student's variant."""
    return GradedQuiz(_unseal(seal_graded(load_spec(path))))


def unseal_graded(text: str) -> GradedQuiz:
    """The graded questions from the student version's text, as this student's variant."""
    return GradedQuiz(_unseal(text))
