"""Feedback that shows scores and visible test messages, never hidden tests.

:class:`HideHiddenTests` runs first in stock ``nbgrader generate_feedback`` (the
course's ``nbgrader_config.py`` adds it). On the autograded notebook it:

- replaces each hidden-test region of a test cell by one comment line;
- keeps a test cell's error when the failing line is visible (dropping any traceback
  line that quotes hidden code) and turns an error raised on a hidden line into
  "a hidden test failed" with the region's learner-facing hint (``# HINT: ...``),
  without the hidden assertion's message;
- drops every other output produced once hidden code had reached the kernel (a
  student cell could print ``In`` or record later cells), and any output line that
  quotes a hidden line anywhere in the notebook;
- puts a per-exercise score table at the top.
"""

from __future__ import annotations

import re

from nbformat.v4 import new_markdown_cell
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from course import cells
from course.cells import BEGIN_HIDDEN, END_HIDDEN, grade_id, is_test

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
FRAME = re.compile(r"(?:Cell In\s*\[\d*\]|Input In \[\d*\]|<ipython-input-[^>]*>), line (\d+)")
PLACEHOLDER = "# (hidden tests: not shown)"
HIDDEN_FAILED = "a hidden test failed (hidden tests and their messages are not shown)"
MIN_QUOTE = 6  # shorter hidden lines ("pass", ")") are not worth hiding and would erase noise


def _quotes(hidden: set[str], text: str) -> bool:
    plain = ANSI.sub("", text)
    return any(h in plain for h in hidden)


def significant_lines(lines: list[str]) -> set[str]:
    """The stripped lines worth hiding (long enough to be code, or a region marker); hints are for learners."""
    return {line.strip() for line in lines if not cells.is_hint(line)
            and (len(line.strip()) >= MIN_QUOTE or BEGIN_HIDDEN in line or END_HIDDEN in line)}


def hidden_failure(source: str, line: int | None) -> str:
    """What a learner reads when a hidden test fails: the hint of the failing line, or every hint of the cell."""
    hint = cells.hint_at(source, line) if line else None
    hints = [hint] if hint else cells.hints(source)
    return HIDDEN_FAILED if not hints else f"{HIDDEN_FAILED}. Hint: " + "; ".join(hints)


def failing_line(traceback: list[str]) -> int | None:
    """The line of the cell where an error was raised (its outermost frame in the cell)."""
    for entry in traceback:
        match = FRAME.search(ANSI.sub("", entry))
        if match:
            return int(match.group(1))
    return None


def _scrub_lines(text: str, hidden: set[str]) -> str:
    return "\n".join(line for line in text.split("\n") if not _quotes(hidden, line))


def scrub_error(output, source: str, hidden: set[str]) -> None:
    """Keep a visible failure's message, hide a hidden one's; never quote hidden code."""
    line = failing_line(output.get("traceback", []))
    if line is None or line in cells.hidden_line_numbers(source) or _quotes(hidden, output.get("evalue", "")):
        output["evalue"] = hidden_failure(source, line if line in cells.hidden_line_numbers(source) else None)
        output["traceback"] = [f"{output.get('ename', 'Error')}: {output['evalue']}"]
        return
    kept = []
    for entry in output.get("traceback", []):
        entry = "\n".join(part for part in entry.split("\n") if not _quotes(hidden, part))
        if entry.strip():
            kept.append(entry)
    output["traceback"] = kept


def scrub_output(output, hidden: set[str]):
    """An output with every line that quotes hidden code removed (None when nothing is left)."""
    kind = output.get("output_type")
    if kind == "stream":
        output["text"] = _scrub_lines(output.get("text", ""), hidden)
        return output if output["text"].strip() else None
    if kind in ("display_data", "execute_result"):
        data = {}
        for mime, value in output.get("data", {}).items():
            text = "".join(value) if isinstance(value, list) else value
            if isinstance(text, str):
                if not _quotes(hidden, text):
                    data[mime] = value
                elif mime.startswith("text/"):
                    data[mime] = _scrub_lines(text, hidden)
        output["data"] = data
        return output if data else None
    if kind == "error":
        if _quotes(hidden, output.get("evalue", "")):
            output["evalue"] = HIDDEN_FAILED
        output["traceback"] = [t for t in output.get("traceback", []) if not _quotes(hidden, t)]
    return output


def hide_hidden_tests(nb):
    """Hide hidden tests in an executed notebook, in place (see the module docstring); returns it."""
    hidden = set()
    for cell in nb.cells:
        if is_test(cell):
            hidden |= significant_lines(cells.hidden_lines(cell.source))
    if not hidden:
        return nb
    seen_hidden = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        has_hidden = is_test(cell) and bool(cells.hidden_line_numbers(cell.source))
        outputs = []
        for out in cell.get("outputs", []):
            if is_test(cell):
                if out.get("output_type") == "error":
                    scrub_error(out, cell.source, hidden)
                elif (has_hidden or seen_hidden) and out.get("output_type") != "execute_result":
                    continue  # could repeat hidden code; a partial-credit result stays
                out = scrub_output(out, hidden)
            elif seen_hidden:
                continue  # ran after hidden code reached the kernel: may repeat it
            else:
                out = scrub_output(out, hidden)
            if out is not None:
                outputs.append(out)
        cell.outputs = outputs
        if has_hidden:
            cell.source = cells.without_hidden_tests(cell.source, PLACEHOLDER)
            seen_hidden = True
    return nb


def failure_messages(nb) -> dict[str, str]:
    """grade_id -> what a student may read of each failed test (call on a hidden-tests-hidden notebook)."""
    messages = {}
    for cell in nb.cells:
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if grade_id(cell) and errors:
            messages[grade_id(cell)] = f"{errors[0].get('ename')}: {errors[0].get('evalue')}".strip(": ")
    return messages


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests, their messages and anything quoting them; add a score table."""

    def preprocess(self, nb, resources):
        hide_hidden_tests(nb)
        table = self._score_table(nb, resources)
        if table:
            nb.cells.insert(0, new_markdown_cell(table))
        return nb, resources

    def _score_table(self, nb, resources) -> str:
        from nbgrader.api import Gradebook, MissingEntry

        info = resources.get("nbgrader", {})
        try:
            with Gradebook(info["db_url"]) as gb:
                grades = {g.name: (g.score, g.max_score, g.needs_manual_grade) for g in
                          gb.find_submission_notebook(info["notebook"], info["assignment"],
                                                      info["student"]).grades}
        except (KeyError, MissingEntry):
            return ""
        rows = []
        for cell in nb.cells:
            if not utils.is_grade(cell):
                continue
            gid = grade_id(cell)
            score, max_score, manual = grades.get(gid, (None, None, True))
            if manual:
                result = "to be graded by your instructor"
            elif not is_test(cell):
                result = ""
            else:
                errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                result = "passed" if not errors else (
                    "failed: " + f"{errors[0].get('ename')}: {errors[0].get('evalue')}".replace("|", "\\|"))
            points = "-" if score is None else f"{score:g} / {max_score:g}"
            rows.append(f"| `{gid}` | {points} | {result} |")
        if not rows:
            return ""
        return "\n".join(["## Your scores", "", "| exercise | score | result |", "|---|---|---|", *rows])
