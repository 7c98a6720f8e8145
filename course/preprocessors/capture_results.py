"""``CaptureResults``: hand each notebook's scores and autograded copy to the course's grader.

Scores are computed with nbgrader's own ``determine_grade``; they travel over the
worker's private channel (:func:`course.grading.worker.send`), which the
student's kernel never holds.
"""

from __future__ import annotations

import nbformat
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from course.cells import grade_id
from course.grading import worker


class CaptureResults(NbGraderPreprocessor):
    """Send each grade cell's score (nbgrader's own rule) and the final notebook to the grader."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        cells = []
        for cell in nb.cells:
            if utils.is_grade(cell):
                score, max_score = utils.determine_grade(cell, self.log)
                cells.append({"grade_id": grade_id(cell), "auto_score": score,
                              "max_score": max_score})
        comments = {}
        for cell in nb.cells:
            if utils.is_solution(cell) or utils.is_task(cell):
                same = cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(cell)
                comments[grade_id(cell)] = (
                    "No response." if same and not utils.is_task(cell) else None)
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            penalty = gb.find_submission_notebook(
                info["notebook"], info["assignment"], info["student"]).late_submission_penalty
        worker.send("grades", {"notebook": info["notebook"], "cells": cells, "comments": comments,
                               "late_penalty": penalty, "ipynb": nbformat.writes(nb)})
        return nb, resources
