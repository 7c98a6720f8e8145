"""nbgrader preprocessors the course adds, one per file, the nbgrader way.

- :class:`~course.preprocessors.seal_quizzes.SealQuizzes` (``generate_assignment``):
  quiz answer keys sealed in the student version;
- :class:`~course.preprocessors.hide_hidden_tests.HideHiddenTests` (``generate_feedback``):
  no hidden test, message or traceback line in feedback;
- :class:`~course.preprocessors.budgeted_execute.BudgetedExecute` and
  :class:`~course.preprocessors.capture_results.CaptureResults` (the course's
  grader): one time budget per notebook, integrity probes, results to the grader.

``nbgrader_config.py`` names the first two; :func:`grading_preprocessors` gives
the grader's autograde list.
"""

from __future__ import annotations


def grading_preprocessors(existing=None) -> list:
    """The autograde list with Execute replaced by BudgetedExecute and CaptureResults at the end."""
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import Execute

    from course.preprocessors.budgeted_execute import BudgetedExecute
    from course.preprocessors.capture_results import CaptureResults

    chosen = list(existing) if existing else list(Autograde.class_traits()["autograde_preprocessors"].default())
    out = []
    for pp in chosen:
        name = pp if isinstance(pp, str) else f"{pp.__module__}.{pp.__name__}"
        out.append(BudgetedExecute if name.endswith(".Execute") or pp is Execute else pp)
    return out + [CaptureResults]
