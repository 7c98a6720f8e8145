"""Grading a class with stock nbgrader, accounted for, in parallel and fenced in.

``python -m course grade ...`` (see :mod:`course.grading.cli`). One module per job:

- :mod:`~course.grading.autograde`: the whole class: what to grade, workers in parallel, outcomes
- :mod:`~course.grading.snapshot`: an assignment as the gradebook holds it; a one-assignment copy
- :mod:`~course.grading.precheck`: readable? which test cells were touched?
- :mod:`~course.grading.jobdir`: the job directory of one submission (temporary course, kernelspec, limits)
- :mod:`~course.grading.worker`: runs stock ``nbgrader autograde`` in-process for one job
- :mod:`~course.grading.probes`: the guard and probe cells that check test cells really ran
- :mod:`~course.grading.isolation` and ``kernel_launcher.py``: namespaces, hidden files, limits
- :mod:`~course.grading.pool`: parallel workers with a hard deadline each
- :mod:`~course.grading.verdicts`: a worker's reports turned into outcomes
- :mod:`~course.grading.gradebook_writer`: outcomes into the real gradebook and ``autograded/``
- :mod:`~course.grading.outcomes` and :mod:`~course.grading.report`: the outcome record, table and CSV
- :mod:`~course.grading.feedback`, :mod:`~course.grading.selfgrade`, :mod:`~course.grading.export`
- :mod:`~course.grading.synthetic` and :mod:`~course.grading.demo`: a tiny assignment and a class
  of submissions of every kind, for tests, the benchmark and ``grade demo``

The nbgrader preprocessors the grader runs live in :mod:`course.preprocessors`;
course directories and nbgrader commands in :mod:`course.coursedir`. Grading never
imports the author's tools (:mod:`course.authoring`).
"""
