"""Fast checks of the grading helpers that need no kernel and no nbgrader run."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_output

from course import cells
from course.grading import precheck, probes, report, snapshot, synthetic, verdicts
from course.grading.outcomes import Outcome, Result
from course.preprocessors import hide_hidden_tests as hiding

SOURCE = 'assert f(1) == 2, "f(1) should be 2"\n### BEGIN HIDDEN TESTS\nassert f(-1) == -2, "secret"\n### END HIDDEN TESTS'


def test_touched_test_cells_are_named():
    info = snapshot.NotebookInfo("tiny", [snapshot.GradeCellInfo("t", 2, "code", "test", SOURCE)])

    def nb(cells):
        return nbformat.v4.new_notebook(cells=cells)

    meta = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 2, "locked": True}}
    visible = new_code_cell(cells.without_hidden_tests(SOURCE) + "\n", metadata=meta)
    assert precheck.touched_tests(nb([visible]), info) == []
    assert precheck.touched_tests(nb([]), info) == [("t", "deleted")]
    edited = new_code_cell("pass", metadata=meta)
    assert precheck.touched_tests(nb([edited]), info) == [("t", "edited")]


def _error(line: int, evalue: str):
    frame = f"\x1b[36mCell In[5], line {line}\x1b[39m\n      1 assert f(1) == 2\n----> {line} ..."
    return new_output("error", ename="AssertionError", evalue=evalue,
                      traceback=["header", frame, f"AssertionError: {evalue}"])


def test_errors_on_hidden_lines_lose_their_message():
    hidden = hiding.significant_lines(cells.hidden_lines(SOURCE))
    out = _error(3, "secret")
    hiding.scrub_error(out, SOURCE, hidden)
    assert "secret" not in str(out) and hiding.HIDDEN_FAILED in out["evalue"]
    visible = _error(1, "f(1) should be 2")
    hiding.scrub_error(visible, SOURCE, hidden)
    assert visible["evalue"] == "f(1) should be 2"


HINTED = ('assert f(1) == 2, "f(1) should be 2"\n### BEGIN HIDDEN TESTS\n# HINT: negative inputs count too\n'
          'assert f(-1) == -2, "secret"\n# HINT: zero is an input\nassert f(0) == 0, "secret zero"\n'
          '### END HIDDEN TESTS')


def test_a_hidden_failure_shows_the_hint_of_its_line_and_nothing_else():
    hidden = hiding.significant_lines(cells.hidden_lines(HINTED))
    first, second = _error(4, "secret"), _error(6, "secret zero")
    hiding.scrub_error(first, HINTED, hidden)
    hiding.scrub_error(second, HINTED, hidden)
    assert first["evalue"].endswith("Hint: negative inputs count too") and "secret" not in str(first)
    assert second["evalue"].endswith("Hint: zero is an input") and "secret" not in str(second)
    unknown = new_output("error", ename="RuntimeError", evalue="secret", traceback=["no frame"])
    hiding.scrub_error(unknown, HINTED, hidden)
    assert "negative inputs count too; zero is an input" in unknown["evalue"]


def test_hints_are_required_at_the_top_of_every_hidden_region():
    assert cells.regions_without_hint(HINTED) == []
    assert cells.regions_without_hint(SOURCE) == [2]
    assert cells.hints(HINTED) == ["negative inputs count too", "zero is an input"]


def test_probe_cells_check_the_builtins_a_test_uses():
    assert probes.used_builtins("assert abs(len(x)) == 1") == ["abs", "len"]
    cell, nonce = probes.probe_cell("assert True")
    assert nonce in cell.source and probes.is_grader_cell(cell)
    cell.outputs = [new_output("display_data", data={probes.MIME: {"nonce": nonce, "problems": []}})]
    assert probes.report(cell, nonce) == []
    assert probes.report(cell, "forged") is None


def test_table_summary_and_exit_status():
    ok = Result("a", "tiny", "tiny", Outcome.GRADED, score=5, max_score=5)
    bad = Result("b", "tiny", "tiny", Outcome.KERNEL_DIED, detail="the kernel died", max_score=5)
    text = report.table([ok, bad], width=100)
    assert text.index("kernel-died") < text.index("graded ")  # problems first
    assert "5/5" in text and "1 kernel-died" in report.summary([ok, bad])
    assert report.exit_status([ok]) == 0 and report.exit_status([ok, bad]) == 1


def test_cell_runs_are_summarised():
    labels = ["cell 1", "cell 2", "cell 3", "double-test", "cell 5"]
    assert verdicts._compress(labels) == ["cells 1-3", "double-test", "cell 5"]


def test_every_variant_names_its_expected_outcome():
    values = {o.value for o in Outcome}
    assert all(expected in values for _, expected in synthetic.VARIANTS.values())
    # a grader error is a bug, and no submission can break a locked cell (student files cannot
    # shadow modules: the kernel's path starts without its folder): both have unit tests
    assert {v for _, v in synthetic.VARIANTS.values()} >= values - {"grader-error", "environment-error"}


def test_an_error_in_a_cell_students_cannot_change_is_an_environment_error():
    from course.grading.pool import Finished
    from course.grading.precheck import Precheck
    from course.grading.snapshot import GradeCellInfo, NotebookInfo, Snapshot
    from course.grading.worker import Job
    from course.preprocessors.budgeted_execute import _locked_error

    locked = new_code_cell("import course", metadata={"nbgrader": {"grade": False, "solution": False,
                                                                   "locked": True, "grade_id": "setup"}})
    locked.outputs = [new_output("error", ename="ModuleNotFoundError", evalue="No module named 'course'",
                                 traceback=[])]
    answer = new_code_cell("x = 1", metadata={"nbgrader": {"grade": False, "solution": True, "locked": False}})
    answer.outputs = list(locked.outputs)
    assert _locked_error(locked) == "ModuleNotFoundError: No module named 'course'"
    assert _locked_error(answer) == "", "a student's own cell raising is the student's doing"

    job = Job("tiny/alice", "tiny", "alice", "/nowhere", ["tiny"], "course101")
    info = NotebookInfo("tiny", [GradeCellInfo("t", 5.0, "code", "test", "assert True")])
    messages = [("cell", {"notebook": "tiny", "label": "setup", "state": "start"}),
                ("cell", {"notebook": "tiny", "label": "setup", "state": "done",
                          "locked_error": _locked_error(locked)}),
                ("grades", {"notebook": "tiny", "cells": [{"grade_id": "t", "auto_score": 0.0, "max_score": 5.0}]}),
                ("done", {"exit": 0})]
    [result] = verdicts.results(Finished(job, messages), Snapshot("tiny", None, {"tiny": info}),
                                {"tiny": Precheck("tiny", True)})
    assert result.outcome is Outcome.ENVIRONMENT and not result.outcome.graded
    assert "setup, a cell students cannot change, raised ModuleNotFoundError" in result.detail
