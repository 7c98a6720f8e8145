"""Feedback that shows scores and visible test messages, never hidden tests.

:class:`HideHiddenTests` runs first in stock ``nbgrader generate_feedback`` (the
course's ``nbgrader_config.py`` adds it). On the autograded notebook it:

- replaces each ``### BEGIN/END HIDDEN TESTS`` block in a test cell by one comment line;
- keeps a test cell's error when the failing line is visible (dropping any traceback
  line that quotes hidden code) and turns an error raised on a hidden line into
  "a hidden test failed", without the hidden assertion's message;
- drops every other output produced once hidden code had reached the kernel (a
  student cell could print ``In`` or record later cells), and any output line that
  quotes a hidden line anywhere in the notebook;
- puts a per-exercise score table at the top.

:func:`generate` runs the stock command and then checks the HTML for leaks.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from nbformat.v4 import new_markdown_cell
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from course.grading.coursedir import tool_path
from course.grading.template import BEGIN_HIDDEN, END_HIDDEN, hidden_lines, strip_hidden

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
FRAME = re.compile(r"(?:Cell In\s*\[\d*\]|Input In \[\d*\]|<ipython-input-[^>]*>), line (\d+)")
PLACEHOLDER = "# (hidden tests: not shown)"
HIDDEN_FAILED = "a hidden test failed (hidden tests and their messages are not shown)"
MIN_QUOTE = 6  # shorter hidden lines ("pass", ")") are not worth hiding and would erase noise


def _quotes(hidden: set[str], text: str) -> bool:
    plain = ANSI.sub("", text)
    return any(h in plain for h in hidden)


def _significant(lines: list[str]) -> set[str]:
    return {line.strip() for line in lines
            if len(line.strip()) >= MIN_QUOTE or BEGIN_HIDDEN in line or END_HIDDEN in line}


def _failing_line(traceback: list[str]) -> int | None:
    for entry in traceback:
        match = FRAME.search(ANSI.sub("", entry))
        if match:
            return int(match.group(1))
    return None


def _hidden_line_numbers(source: str) -> set[int]:
    numbers, inside = set(), False
    for number, line in enumerate(source.split("\n"), start=1):
        if BEGIN_HIDDEN in line:
            inside = True
        if inside:
            numbers.add(number)
        if END_HIDDEN in line:
            inside = False
    return numbers


def _scrub_lines(text: str, hidden: set[str]) -> str:
    return "\n".join(line for line in text.split("\n") if not _quotes(hidden, line))


def scrub_error(output, source: str, hidden: set[str]) -> None:
    """Keep a visible failure's message, hide a hidden one's; never quote hidden code."""
    line = _failing_line(output.get("traceback", []))
    if line is None or line in _hidden_line_numbers(source) or _quotes(hidden, output.get("evalue", "")):
        output["evalue"] = HIDDEN_FAILED
        output["traceback"] = [f"{output.get('ename', 'Error')}: {HIDDEN_FAILED}"]
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


def _is_test(cell) -> bool:
    return utils.is_grade(cell) and not utils.is_solution(cell) and cell.cell_type == "code"


def hide_hidden_tests(nb):
    """Hide hidden tests in an executed notebook, in place (see the module docstring); returns it."""
    hidden = set()
    for cell in nb.cells:
        if _is_test(cell):
            hidden |= _significant(hidden_lines(cell.source))
    if not hidden:
        return nb
    seen_hidden = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        has_hidden = _is_test(cell) and BEGIN_HIDDEN in cell.source
        outputs = []
        for out in cell.get("outputs", []):
            if _is_test(cell):
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
            cell.source = _replace_block(cell.source)
            seen_hidden = True
    return nb


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
            gid = cell.metadata.nbgrader["grade_id"]
            score, max_score, manual = grades.get(gid, (None, None, True))
            if manual:
                result = "to be graded by your instructor"
            elif not _is_test(cell):
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


def _replace_block(source: str) -> str:
    out, inside = [], False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + PLACEHOLDER)
        elif END_HIDDEN in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def leaks(course, assignment: str, students: list[str] | None = None) -> list[tuple[Path, str]]:
    """(feedback file, hidden line) for every hidden test line found in generated feedback."""
    import html

    from course.grading.template import describe

    hidden = set()
    for info in describe(course.db_url, course.course_id, assignment).values():
        for cell in info.tests:
            hidden |= {h for h in _significant(cell.hidden_lines)
                       if BEGIN_HIDDEN not in h and END_HIDDEN not in h}
            hidden -= {line.strip() for line in strip_hidden(cell.source).split("\n")}
    found = []
    for page in sorted(course.feedback.glob(f"*/{assignment}/*.html")):
        if students and page.parent.parent.name not in students:
            continue
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        found += [(page, h) for h in sorted(hidden) if h in text]
    return found


def generate(course, assignments: list[str], students: list[str] | None = None) -> int:
    """Stock ``nbgrader generate_feedback`` per assignment, then a leak check; 1 on any problem."""
    status = 0
    for assignment in assignments:
        for student in students or ["*"]:
            result = subprocess.run(
                [sys.executable, "-m", "nbgrader", "generate_feedback", assignment, "--force",
                 "--student", student, f"--CourseDirectory.db_url={course.db_url}"],
                cwd=course.root, env=dict(os.environ, PATH=tool_path()), capture_output=True, text=True, check=False)
            if result.returncode != 0:
                print(f"{assignment}: nbgrader generate_feedback failed for {student}:\n"
                      f"{result.stderr[-2000:]}", file=sys.stderr)
                status = 1
        found = leaks(course, assignment, students)
        pages = len(list(course.feedback.glob(f"*/{assignment}/*.html")))
        for page, line in found:
            print(f"LEAK {page}: {line}", file=sys.stderr)
        print(f"{assignment}: {pages} feedback page(s) in {course.feedback}, "
              f"{'no hidden test text found' if not found else f'{len(found)} hidden lines leaked'}")
        status |= bool(found)
    return status
