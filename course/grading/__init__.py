"""Grading a class with stock nbgrader, accounted for, in parallel and fenced in.

``python -m course grade ...`` (see :mod:`course.grading.cli`). One module per job:

- :mod:`~course.coursedir`: the instructor's course directory and gradebook URL
- :mod:`~course.grading.snapshot`: the assignment as the gradebook holds it; a one-assignment copy
- :mod:`~course.grading.precheck`: readable? which test cells were touched?
- :mod:`~course.grading.jobdir`: the temporary course directory of one submission
- :mod:`~course.grading.worker`: runs stock ``nbgrader autograde`` in-process for one submission
- :mod:`~course.preprocessors.budgeted_execute`: time budget, progress, integrity probes, result capture
- :mod:`~course.grading.probes`: the guard and probe cells that check test cells really ran
- :mod:`~course.grading.isolation` and ``kernel_launcher.py``: namespaces, hidden files, limits
- :mod:`~course.grading.pool`: parallel workers with a hard deadline each
- :mod:`~course.grading.verdicts`: worker reports to outcomes
- :mod:`~course.grading.gradebook_writer`: outcomes into the real gradebook and ``autograded/``
- :mod:`~course.grading.report`: outcome table and CSV
- :mod:`~course.grading.autograde`: the whole class
- :mod:`~course.grading.feedback`, :mod:`~course.grading.selfgrade`, :mod:`~course.grading.export`
- :mod:`~course.grading.synthetic`: a tiny assignment and submissions for tests and demos
"""
