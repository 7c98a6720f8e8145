"""Grades to CSV with stock ``nbgrader export``, plus which exercises the class fails most.

The CSV is nbgrader's, with one column added: ``outcome``, the course grader's
last word on each submission, the worst of its notebooks' (so a 0.0 that means
"kernel died" or "no submission" never reads as a real zero, and one restored
notebook is not hidden behind a graded one). A second CSV beside it,
``<name>-notebooks.csv``, lists every notebook's outcome. The summary table and bar chart rank the
exercises (grade cells) by how many graded submissions lost points on them.
"""

from __future__ import annotations

from pathlib import Path

from course.coursedir import Course, nbgrader
from course.grading.outcomes import Outcome


def stock_export(course: Course, to: Path, assignments: list[str] | None = None) -> Path:
    args = ["export", "--db", course.db_url, "--to", str(to)]
    if assignments:
        args += ["--assignment", ",".join(assignments)]
    result = nbgrader(args, course.root, check=False)
    if result.returncode != 0 or not to.exists():
        raise RuntimeError(f"nbgrader export failed:\n{result.stdout[-1500:]}{result.stderr[-1500:]}")
    return to


NOTEBOOK_COLUMNS = ["assignment", "student", "notebook", "outcome", "detail"]


def notebook_outcomes(course: Course):
    """The outcome CSVs the grader wrote, newest row per (assignment, student, notebook)."""
    import pandas as pd

    files = sorted(course.outcomes_dir.glob("*.csv"), key=lambda p: p.stat().st_mtime)
    if not files:
        return pd.DataFrame(columns=NOTEBOOK_COLUMNS)
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files]
    rows = pd.concat(frames).drop_duplicates(["assignment", "student", "notebook"], keep="last")
    return rows[NOTEBOOK_COLUMNS].sort_values(NOTEBOOK_COLUMNS[:3]).reset_index(drop=True)


def latest_outcomes(course: Course):
    """Each (assignment, student)'s worst notebook outcome, with that notebook's detail."""
    rows = notebook_outcomes(course)
    severity = rows["outcome"].map(lambda o: Outcome(o).severity if o in Outcome._value2member_map_ else 99)
    worst = rows.assign(severity=severity).sort_values("severity", kind="stable")
    worst = worst.drop_duplicates(["assignment", "student"], keep="last")
    return worst[["assignment", "student", "outcome", "detail"]].reset_index(drop=True)


def with_outcomes(grades, outcomes):
    """Add ``outcome`` to nbgrader's rows; add rows for submissions the gradebook does not hold."""
    import pandas as pd

    grades = grades.copy()
    grades["student_id"] = grades["student_id"].astype(str)
    merged = grades.merge(outcomes.rename(columns={"student": "student_id"}),
                          on=["assignment", "student_id"], how="outer")
    merged["outcome"] = merged["outcome"].fillna("").replace("", pd.NA)
    no_row = merged["outcome"].isna() & (merged["raw_score"].fillna(0) == 0) & merged["timestamp"].isna()
    merged.loc[no_row, "outcome"] = "no submission graded"
    merged["outcome"] = merged["outcome"].fillna("graded (stock nbgrader)")
    return merged.sort_values(["assignment", "student_id"]).reset_index(drop=True)


def exercise_summary(course: Course, assignments: list[str] | None = None):
    """One row per exercise: graded submissions, mean score, how many lost points (rate)."""
    import pandas as pd
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(course.db_url, course.course_id) as gb:
        for assignment in gb.assignments:
            if assignments and assignment.name not in assignments:
                continue
            for notebook in assignment.notebooks:
                for cell in notebook.grade_cells:
                    scores = [g.score for g in cell.grades if g.auto_score is not None
                              or g.manual_score is not None]
                    if not scores:
                        continue
                    lost = sum(1 for s in scores if s < cell.max_score)
                    rows.append({"assignment": assignment.name, "exercise": cell.name,
                                 "kind": "test" if cell.cell_type == "code" else "written",
                                 "graded": len(scores), "mean score": sum(scores) / len(scores),
                                 "max": cell.max_score, "lost points": lost,
                                 "fail rate": lost / len(scores)})
    frame = pd.DataFrame(rows, columns=["assignment", "exercise", "kind", "graded", "mean score",
                                        "max", "lost points", "fail rate"])
    return frame.sort_values(["fail rate", "lost points"], ascending=False).reset_index(drop=True)


def plot(summary, path: Path, top: int = 20) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = summary.head(top).iloc[::-1]
    labels = [f"{a} / {e}" for a, e in zip(shown["assignment"], shown["exercise"])]
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(3, len(shown)) + 1))
    ax.barh(labels, shown["fail rate"] * 100, color="#c0392b")
    for y, (rate, n) in enumerate(zip(shown["fail rate"], shown["graded"])):
        ax.text(rate * 100 + 1, y, f"{rate:.0%} of {n}", va="center", fontsize=8)
    ax.set_xlim(0, 110)
    ax.set_xlabel("submissions that lost points on the exercise (%)")
    ax.set_title("Exercises the class fails most")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _lms_exports(course: Course, grades, gradescope: Path | None, canvas: Path | None) -> None:
    from course.grading import lms_export

    left_out = grades[~grades["outcome"].isin(lms_export.GRADED)]
    if gradescope:
        written = lms_export.write_gradescope(course, grades, gradescope)
        print(f"gradescope: {len(written)} results.json files in {gradescope}")
    if canvas:
        print(f"canvas: {lms_export.write_canvas(grades, canvas, lms_export.lms_user_ids(course))}")
    if (gradescope or canvas) and len(left_out):
        print("not exported (their cells stay blank; resolve them first): "
              + ", ".join(f"{r.student_id}/{r.assignment}: {r.outcome}" for r in left_out.itertuples()))


def export_grades(course: Course, assignments: list[str], to: Path, png: Path,
                  gradescope: Path | None = None, canvas: Path | None = None) -> int:
    """Grades CSV with the outcome column, the exercise summary and its plot; prints both.

    ``gradescope``: a folder for Gradescope ``results.json`` files; ``canvas``: a Canvas
    gradebook CSV (:mod:`course.grading.lms_export`); both hold graded submissions only.
    """
    import pandas as pd

    stock_export(course, to, assignments or None)
    # ids stay text: all-digit ids ("007") would otherwise become numbers and miss their outcomes
    grades = with_outcomes(pd.read_csv(to, dtype={"student_id": str}), latest_outcomes(course))
    grades.to_csv(to, index=False)
    per_notebook = to.with_name(f"{to.stem}-notebooks.csv")
    notebooks = notebook_outcomes(course)
    if assignments:
        notebooks = notebooks[notebooks["assignment"].isin(assignments)]
    notebooks.to_csv(per_notebook, index=False)
    summary = exercise_summary(course, assignments or None)
    print(f"grades: {to} ({len(grades)} rows; outcome column added: each student's worst notebook)")
    print(f"every notebook's outcome: {per_notebook}")
    _lms_exports(course, grades, gradescope, canvas)
    attention = grades[~grades["outcome"].isin(["graded", "graded (stock nbgrader)"])]
    if len(attention):
        print(f"{len(attention)} row(s) are not plain graded scores: "
              + ", ".join(f"{r.student_id}/{r.assignment}: {r.outcome}" for r in attention.itertuples()))
    if summary.empty:
        print("no graded exercises yet")
        return 0
    shown = summary.assign(**{"mean score": summary["mean score"].round(2),
                              "fail rate": (summary["fail rate"] * 100).round().astype(int).astype(str) + "%"})
    print("\nexercises the class fails most:")
    print(shown.head(15).to_string(index=False))
    print(f"\nplot: {plot(summary, png)}")
    return 0
