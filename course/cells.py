"""The one parser of nbgrader cells: which cell is what, and the regions inside a cell.

Every part of the course (the author's check, the preprocessors, the grader, the
tests) asks these functions, so "a test cell" or "a hidden test" means one thing.
Regions follow nbgrader's own rule: a line that contains ``BEGIN HIDDEN TESTS``
opens a hidden region, a line that contains ``END HIDDEN TESTS`` closes it
(likewise ``BEGIN SOLUTION`` / ``END SOLUTION``).
"""

from __future__ import annotations

BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
HINT = "# HINT:"  # a learner-facing line in a hidden region; it applies to the lines below it


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def is_answer(cell) -> bool:
    """An autograded exercise's answer cell (code the learner writes)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("solution")) and not meta.get("grade") and cell.cell_type == "code"


def is_test(cell) -> bool:
    """An autograded test cell: graded code that is not itself an answer."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def is_written(cell) -> bool:
    """A manually graded answer (graded and a solution)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and bool(meta.get("solution"))


def cells_by_id(nb) -> dict:
    return {grade_id(c): c for c in nb.cells if grade_id(c)}


def _regions(source: str, begin: str, end: str) -> list[tuple[int, int]]:
    """(first, last) 0-based line indexes of each region, marker lines included."""
    found, start = [], None
    for number, line in enumerate(source.split("\n")):
        if start is None and begin in line:
            start = number
        elif start is not None and end in line:
            found.append((start, number))
            start = None
    if start is not None:  # an unclosed region runs to the end, as nbgrader treats it
        found.append((start, source.count("\n")))
    return found


def _blocks(source: str, begin: str, end: str) -> list[str]:
    lines = source.split("\n")
    return ["\n".join(lines[a + 1:b]) for a, b in _regions(source, begin, end)]


def _without(source: str, begin: str, end: str, placeholder: str | None) -> str:
    lines, out, last = source.split("\n"), [], 0
    for a, b in _regions(source, begin, end):
        out += lines[last:a]
        if placeholder is not None:
            marker = lines[a]
            out.append(marker[: len(marker) - len(marker.lstrip())] + placeholder)
        last = b + 1
    return "\n".join(out + lines[last:])


def hidden_tests(source: str) -> list[str]:
    """The hidden-test blocks of a test cell's source (markers excluded)."""
    return _blocks(source, BEGIN_HIDDEN, END_HIDDEN)


def hidden_line_numbers(source: str) -> set[int]:
    """1-based numbers of the lines inside hidden regions, marker lines included."""
    return {n + 1 for a, b in _regions(source, BEGIN_HIDDEN, END_HIDDEN) for n in range(a, b + 1)}


def hidden_lines(source: str) -> list[str]:
    """The lines inside hidden regions, marker lines included."""
    lines = source.split("\n")
    return [lines[n - 1] for n in sorted(hidden_line_numbers(source))]


def is_hint(line: str) -> bool:
    return line.strip().startswith(HINT)


def _hint_text(line: str) -> str:
    return line.strip()[len(HINT):].strip()


def hints(source: str) -> list[str]:
    """The hints of a test cell's hidden regions, in order."""
    return [_hint_text(line) for line in hidden_lines(source) if is_hint(line)]


def regions_without_hint(source: str) -> list[int]:
    """1-based first lines of hidden regions whose first line of content is not a hint."""
    lines, missing = source.split("\n"), []
    for a, b in _regions(source, BEGIN_HIDDEN, END_HIDDEN):
        content = [line for line in lines[a + 1:b] if line.strip()]
        if not content or not is_hint(content[0]):
            missing.append(a + 1)
    return missing


def hint_at(source: str, line_number: int) -> str | None:
    """The hint that covers a 1-based line of a hidden region (the last hint above it in its region)."""
    lines = source.split("\n")
    for a, b in _regions(source, BEGIN_HIDDEN, END_HIDDEN):
        if a < line_number - 1 <= b:
            above = [line for line in lines[a + 1:line_number] if is_hint(line)]
            return _hint_text(above[-1]) if above else None
    return None


def without_hidden_tests(source: str, placeholder: str | None = None) -> str:
    """A test cell as students see it; each region becomes ``placeholder`` when one is given."""
    return _without(source, BEGIN_HIDDEN, END_HIDDEN, placeholder)


def solutions(source: str) -> list[str]:
    """The solution blocks of an answer cell (markers excluded)."""
    return _blocks(source, BEGIN_SOLUTION, END_SOLUTION)


def without_solutions(source: str) -> str:
    return _without(source, BEGIN_SOLUTION, END_SOLUTION, None)


def normalize(source: str) -> str:
    """A source for comparison: trailing spaces and blank lines at the ends ignored."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())
