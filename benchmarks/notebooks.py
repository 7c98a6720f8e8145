"""Print how long each source notebook takes to run headless (a benchmark, not a test).

    .venv/bin/python benchmarks/notebooks.py [ID ...]

Targets on a 2-core machine: each notebook <= 10 s including kernel start, its
first code cell (imports and sandbox) <= 2 s.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime

from course import paths
from course.authoring.execute import errors, execute

NOTEBOOK_TARGET, FIRST_CELL_TARGET = 10.0, 2.0


def cell_seconds(cell) -> float:
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return float("nan")
    parse = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def main(ids: list[str]) -> int:
    ids = ids or paths.assignments()
    print(f"{'notebook':32} {'total s':>8} {'first cell s':>13} {'slowest cell':>22}  verdict")
    course_total, ok = 0.0, True
    for assignment in ids:
        started = time.perf_counter()
        nb = execute(paths.notebook(assignment))
        total = time.perf_counter() - started
        course_total += total
        code = [c for c in nb.cells if c.cell_type == "code"]
        first = cell_seconds(code[0])
        slowest = max(code, key=cell_seconds)
        label = slowest.metadata.get("nbgrader", {}).get("grade_id", f"cell {nb.cells.index(slowest)}")
        fine = total <= NOTEBOOK_TARGET and first <= FIRST_CELL_TARGET and not errors(nb)
        ok &= fine
        print(f"{assignment:32} {total:8.2f} {first:13.2f} {label[:14]:>14} {cell_seconds(slowest):6.2f}s"
              f"  {'ok' if fine else 'OVER TARGET or ERRORS'}")
    print(f"{'whole course':32} {course_total:8.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
