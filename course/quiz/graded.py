"""Graded questions: this student's variant, answers recorded, never judged in the notebook.

The learner sees each prompt with their own numbers and writes their answers in an
answer cell as ``graded_answers = {...}`` (the widget builds the line). A test cell
per question calls :meth:`GradedQuiz.answer` in its visible part (is there an answer,
of the right shape?) and computes this student's key in a hidden part, from
:meth:`GradedQuiz.params`.
"""

from __future__ import annotations

from course.quiz import engine
from course.quiz.engine import AnswerFormatError
from course.quiz.variants import student_id, variant


class GradedQuiz:
    """The graded questions of one chapter, for one student."""

    def __init__(self, payload: dict, student: str | None = None):
        self.quiz_id = payload["quiz"]
        self.title = payload["title"]
        self.student = student or student_id()
        self.questions = []
        for q in payload["graded"]:
            values = variant(self.quiz_id, q["id"], q["params"], self.student)
            self.questions.append({**q, "values": values, "prompt": q["prompt"].format(**values)})
        self._by_id = {q["id"]: q for q in self.questions}
        self.latest: dict[str, object] = {}

    def _question(self, question_id: str) -> dict:
        if question_id not in self._by_id:
            raise KeyError(f"No graded question {question_id!r}; the ids are {list(self._by_id)}")
        return self._by_id[question_id]

    def params(self, question_id: str) -> dict:
        """This student's numbers for a question (hidden tests compute the key from them)."""
        return dict(self._question(question_id)["values"])

    def prompt(self, question_id: str) -> str:
        return self._question(question_id)["prompt"]

    def answer(self, question_id: str, answers: dict):
        """The learner's answer in canonical form; an AssertionError says what is missing or malformed."""
        question = self._question(question_id)
        assert isinstance(answers, dict), (
            "graded_answers must be a dict such as {" + f'"{question_id}": ...' + "}; "
            f"got {type(answers).__name__}")
        assert answers.get(question_id) not in (None, ..., "", []), (
            f'graded_answers has no answer for "{question_id}": add one (the quiz widget builds the line)')
        try:
            return engine.as_python(engine.normalise(question, answers[question_id]), question["kind"])
        except AnswerFormatError as exc:
            raise AssertionError(str(exc)) from None

    def record(self, question_id: str, answer: object) -> None:
        """Keep an answer for the answer line (no feedback: this is graded later)."""
        question = self._question(question_id)
        self.latest[question_id] = engine.as_python(engine.normalise(question, answer), question["kind"])

    def answer_line(self, name: str = "graded_answers") -> str:
        return f"{name} = {self.latest!r}"

    def text(self) -> str:
        lines = [f"{self.title} (your variant: {self.student})", ""]
        for n, q in enumerate(self.questions, 1):
            lines.append(f"{n}. [{q['id']}] {q['prompt']}")
            lines += [f"     {label}) {text}" for label, text in q["options"].items()]
            lines.append({"true-false": "     True / False", "multiple": "     (choose all that apply)",
                          "number": "     (answer with a number)"}.get(q["kind"], ""))
        lines.append("Write your answers in the answer cell below as graded_answers = {"
                     f'"{self.questions[0]["id"]}": ..., ...}}. They are checked when your notebook is graded.')
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    def widget(self):
        from course.quiz.widget import build_graded

        return build_graded(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": self.text()}
        try:
            bundle.update(self.widget()._repr_mimebundle_(include=include, exclude=exclude) or {})
            bundle["text/plain"] = self.text()
        except Exception:  # no widget support at all: the text view is enough
            pass
        return bundle
