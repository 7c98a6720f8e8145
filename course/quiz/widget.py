"""The ipywidgets view of a quiz: pick, check, see why, retry.

Native radio buttons, checkboxes and buttons keep it usable from the keyboard
(Tab, arrows, Space, Enter); colours come from JupyterLab's theme variables, so
it reads in light and dark themes alike.
"""

from __future__ import annotations

import html

import ipywidgets as w

from course.quiz.engine import AnswerFormatError

TRUE_FALSE = [("True", "true"), ("False", "false")]


def _box(text: str, tone: str) -> str:
    colour = {"right": "var(--jp-success-color1, #2e7d32)",
              "wrong": "var(--jp-error-color1, #c62828)",
              "info": "var(--jp-brand-color1, #1976d2)"}[tone]
    return (f'<div class="course-quiz-feedback" role="status" style="border-left:4px solid {colour};'
            f'padding:4px 10px;margin:4px 0;color:var(--jp-ui-font-color1);'
            f'background:var(--jp-layout-color2)">{text}</div>')


def _input(question: dict):
    kind = question["kind"]
    layout = w.Layout(width="auto")
    if kind == "single":
        options = [(f"{label}) {text}", label) for label, text in question["options"].items()]
        return w.RadioButtons(options=options, value=None, layout=layout)
    if kind == "true-false":
        return w.RadioButtons(options=TRUE_FALSE, value=None, layout=layout)
    if kind == "multiple":
        boxes = [w.Checkbox(value=False, description=f"{label}) {text}", indent=False,
                             layout=layout) for label, text in question["options"].items()]
        for box, label in zip(boxes, question["options"]):
            box.label = label
        return w.VBox(boxes)
    return w.FloatText(value=None, description="Answer:", layout=w.Layout(width="240px"))


def _value(question: dict, field):
    if question["kind"] == "multiple":
        return [box.label for box in field.children if box.value]
    return field.value


def build(quiz) -> w.VBox:
    """One card per question, then the score line and the answer line to keep."""
    score = w.HTML()
    answer_line = w.HTML()
    cards = []

    def refresh():
        score.value = _box(f"<b>Score:</b> {quiz.score_line()}", "info")
        answer_line.value = (
            "<div style='color:var(--jp-ui-font-color2)'>Your answers as code (copy this line "
            "into the answer cell if your instructor grades the quiz):</div>"
            f"<pre style='margin:2px 0'>{html.escape(quiz.answer_line())}</pre>")

    for n, question in enumerate(quiz.questions, 1):
        prompt = w.HTML(f"<b>{n}.</b> {html.escape(question['prompt'])}"
                        + (" <i>(choose all that apply)</i>" if question["kind"] == "multiple" else ""))
        field = _input(question)
        button = w.Button(description="Check", button_style="primary",
                          tooltip=f"Check your answer to question {n}")
        feedback = w.HTML()

        def on_click(_, question=question, field=field, feedback=feedback):
            value = _value(question, field)
            if value is None or value == []:
                feedback.value = _box("Pick an answer first.", "info")
                return
            try:
                result = quiz.check(question["id"], value, quiet=True)
            except AnswerFormatError as exc:
                feedback.value = _box(html.escape(str(exc)), "info")
                return
            mark = "✔" if result.correct else "✘"
            feedback.value = _box(f"{mark} {html.escape(result.message)}",
                                  "right" if result.correct else "wrong")
            refresh()

        button.on_click(on_click)
        card = w.VBox([prompt, field, button, feedback], layout=w.Layout(margin="0 0 12px 0"))
        card.add_class("course-quiz-question")
        card.add_class(f"course-quiz-q-{question['id']}")
        cards.append(card)
    refresh()
    title = w.HTML(f"<h3 style='margin:4px 0'>{html.escape(quiz.title)}</h3>")
    quiz_box = w.VBox([title, *cards, score, answer_line])
    quiz_box.add_class("course-quiz")
    return quiz_box


def build_graded(graded) -> w.VBox:
    """One card per graded question with this student's numbers; answers build the line to paste."""
    answer_line = w.HTML()

    def refresh():
        answer_line.value = (
            "<div style='color:var(--jp-ui-font-color2)'>Copy this line into the answer cell below; "
            "it is checked when your notebook is graded:</div>"
            f"<pre style='margin:2px 0'>{html.escape(graded.answer_line())}</pre>")

    cards = []
    for n, question in enumerate(graded.questions, 1):
        prompt = w.HTML(f"<b>{n}.</b> {html.escape(question['prompt'])}"
                        + (" <i>(choose all that apply)</i>" if question["kind"] == "multiple" else ""))
        field = _input(question)
        button = w.Button(description="Record", tooltip=f"Record your answer to question {n}")
        note = w.HTML()

        def on_click(_, question=question, field=field, note=note):
            value = _value(question, field)
            if value is None or value == []:
                note.value = _box("Pick an answer first.", "info")
                return
            try:
                graded.record(question["id"], value)
            except AnswerFormatError as exc:
                note.value = _box(html.escape(str(exc)), "info")
                return
            note.value = _box("Recorded (not checked until grading).", "info")
            refresh()

        button.on_click(on_click)
        card = w.VBox([prompt, field, button, note], layout=w.Layout(margin="0 0 12px 0"))
        card.add_class("course-graded-question")
        cards.append(card)
    refresh()
    title = w.HTML(f"<h3 style='margin:4px 0'>{html.escape(graded.title)}</h3>"
                   f"<div style='color:var(--jp-ui-font-color2)'>Your variant: {html.escape(graded.student)}</div>")
    box = w.VBox([title, *cards, answer_line])
    box.add_class("course-graded-quiz")
    return box
