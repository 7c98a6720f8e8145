"""The outcome table on screen and in a CSV."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

from course.grading.outcomes import CSV_FIELDS, Outcome, Result

ORDER = list(Outcome)


def _score(r: Result) -> str:
    if r.score is None:
        return "-"
    return f"{r.score:g}/{r.max_score:g}"


def table(results: list[Result], width: int | None = None) -> str:
    """A plain-text table, problems first, one row per student x notebook."""
    width = width or shutil.get_terminal_size((120, 20)).columns
    rows = sorted(results, key=lambda r: (r.outcome is Outcome.GRADED, r.assignment, r.student, r.notebook))
    head = ("assignment", "student", "notebook", "outcome", "score", "detail")
    cells = [(r.assignment, r.student, r.notebook, r.outcome.value, _score(r), r.detail) for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(head[:-1])]
    fixed = sum(widths) + 2 * len(widths)
    detail_width = max(30, width - fixed)

    def line(values):
        parts = [v.ljust(w) for v, w in zip(values[:-1], widths)]
        detail = values[-1]
        if len(detail) > detail_width:
            detail = detail[: detail_width - 1] + "…"
        return "  ".join(parts + [detail]).rstrip()

    out = [line(head), line(tuple("-" * w for w in widths) + ("-" * 6,))]
    out += [line(c) for c in cells]
    return "\n".join(out)


def summary(results: list[Result]) -> str:
    counts = Counter(r.outcome for r in results)
    parts = [f"{counts[o]} {o.value}" for o in ORDER if counts[o]]
    need = sum(1 for r in results if r.outcome.needs_instructor)
    tail = (f"; {need} need the instructor (see the detail column)" if need
            else "; nothing needs the instructor")
    return f"{len(results)} notebooks: " + ", ".join(parts) + tail


def write_csv(results: list[Result], path: Path, update: bool = False) -> Path:
    """Write the outcomes; with ``update``, keep rows of other submissions already in the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = {}
    if update and path.exists():
        with path.open(newline="", encoding="utf-8") as f:
            rows = {(r["assignment"], r["student"], r["notebook"]): r for r in csv.DictReader(f)}
    for r in results:
        rows[(r.assignment, r.student, r.notebook)] = r.row()
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for key in sorted(rows):
            writer.writerow(rows[key])
    return path


def exit_status(results: list[Result]) -> int:
    """0 when every notebook was graded cleanly, 1 when something needs the instructor."""
    return 1 if any(r.outcome.needs_instructor for r in results) else 0


def print_batch(batch, csv_path: Path | None = None) -> int:
    """Print a graded batch (table, summary, missing submissions, isolation); returns the exit status."""
    if batch.results:
        print(table(batch.results))
    print(summary(batch.results) if batch.results else "no submissions found")
    for assignment, students in batch.not_submitted.items():
        if students:
            print(f"{assignment}: no submission from {len(students)} student(s) in the gradebook: "
                  + ", ".join(students))
    if batch.isolation:
        print(f"isolation: {batch.isolation}")
    if csv_path:
        print(f"outcomes: {write_csv(batch.results, csv_path)}")
    return exit_status(batch.results)
