"""Verdicts: what a worker reported, turned into one outcome per notebook."""

from __future__ import annotations

from course.grading.outcomes import CellGrade, Outcome, Result
from course.grading.pool import Finished
from course.grading.precheck import Precheck
from course.grading.snapshot import Snapshot


def _cells_run(messages: list, notebook: str) -> tuple[list[str], str]:
    """(labels of cells that finished, label of the cell running when it stopped or "")."""
    done, running = [], ""
    for kind, payload in messages:
        if kind == "cell" and payload["notebook"] == notebook:
            if payload["state"] == "start":
                running = payload["label"]
            else:
                done.append(payload["label"])
                running = ""
    return done, running


def _last(messages: list, kind: str, notebook: str | None = None):
    found = None
    for k, payload in messages:
        if k == kind and (notebook is None or payload.get("notebook") == notebook):
            found = payload
    return found


def _compress(labels: list[str]) -> list[str]:
    """Keep grade ids, summarise runs of unnamed cells ("cells 1-7")."""
    out, run = [], []

    def flush():
        if run:
            out.append(run[0] if len(run) == 1 else f"{run[0]}-{run[-1].split()[-1]}")
            run.clear()

    for label in labels:
        if label.startswith("cell "):
            if run and int(label.split()[-1]) != int(run[-1].split()[-1]) + 1:
                flush()
            run.append(label)
        else:
            flush()
            out.append(label)
    flush()
    return [s.replace("cell ", "cells ", 1) if "-" in s else s for s in out]


def _ran(labels: list[str]) -> str:
    if not labels:
        return "no cell had finished"
    return f"{len(labels)} code cells had finished: " + ", ".join(_compress(labels))


def results(finished: Finished, snapshot: Snapshot, prechecks: dict[str, Precheck]) -> list[Result]:
    job, messages = finished.job, finished.messages
    crash = _last(messages, "crash")
    done = _last(messages, "done")
    out = []
    for name in job.notebooks:
        info = snapshot.notebook(name)
        base = {"student": job.student, "assignment": job.assignment, "notebook": name,
                "max_score": info.max_auto_score, "seconds": finished.seconds,
                "restored": prechecks[name].restored}
        status = _last(messages, "notebook", name)
        grades = _last(messages, "grades", name)
        ran, running = _cells_run(messages, name)
        broken = next((p for k, p in messages if k == "cell" and p.get("notebook") == name
                       and p.get("locked_error")), None)
        stopped_in = f" while running {running}" if running else ""
        if finished.killed or (status and status["status"] == "timed-out"):
            why = finished.killed or status["detail"]
            out.append(Result(outcome=Outcome.TIMED_OUT, cells_run=_compress(ran),
                              detail=f"{why}{stopped_in}; {_ran(ran)}", **base))
        elif broken:
            out.append(Result(outcome=Outcome.ENVIRONMENT, cells_run=_compress(ran),
                              detail=f"{broken['label']}, a cell students cannot change, raised "
                                     f"{broken['locked_error']}: the grading environment, the "
                                     "instructor's notebook or a file in the submission's folder "
                                     "(shadowing a module?) is at fault; look, fix, grade again", **base))
        elif status and status["status"] == "kernel-died":
            out.append(Result(outcome=Outcome.KERNEL_DIED, cells_run=_compress(ran),
                              detail=f"the kernel died{stopped_in} (os._exit, a crash, or the "
                                     f"memory/CPU limit); {_ran(ran)}", **base))
        elif status and status["status"] == "error":
            out.append(Result(outcome=Outcome.ERROR, cells_run=_compress(ran),
                              detail=f"{status['detail']}{stopped_in}", **base))
        elif grades and done and done["exit"] == 0:
            out.append(_graded(grades, status, info, base))
        else:
            why = crash.strip().splitlines()[-1] if crash else (
                f"nbgrader exited with status {done['exit']}" if done else
                f"the worker ended without a report (exit code {finished.exitcode})")
            out.append(Result(outcome=Outcome.ERROR, detail=why, cells_run=_compress(ran), **base))
    return out


def _graded(grades: dict, status: dict | None, info, base: dict) -> Result:
    kinds = {c.grade_id: c.kind for c in info.cells}
    verification = (status or {}).get("verification", {})
    probed = (status or {}).get("probed", True)
    cells, withheld, problems, missing = [], [], [], []
    for cell in grades["cells"]:
        gid = cell["grade_id"]
        kind = kinds.get(gid, "test")
        issues = verification.get(gid, []) if kind == "test" else []
        if probed and kind == "test" and gid not in verification:
            issues = ["no integrity check ran after this test"]
        if kind == "test" and cell["auto_score"] is None:
            missing.append(gid)
        verified = not issues
        if not verified:
            problems.append(f"{gid}: {'; '.join(issues)}")
            if (cell["auto_score"] or 0) > 0:
                withheld.append(gid)
        cells.append(CellGrade(gid, cell["auto_score"], cell["max_score"], kind, verified))
    score = sum((c.auto_score or 0) for c in cells if c.kind == "test" and c.grade_id not in withheld)
    if missing:
        return Result(outcome=Outcome.ERROR, cells=cells,
                      detail="nbgrader gave no score to test cell(s) " + ", ".join(missing), **base)
    base = dict(base, cells=cells, score=score, late_penalty=grades.get("late_penalty"))
    if problems:
        detail = "points withheld until reviewed: " if withheld else "tampering seen (no points were at stake): "
        return Result(outcome=Outcome.INTEGRITY, withheld=withheld, detail=detail + " | ".join(problems), **base)
    if base["restored"]:
        return Result(outcome=Outcome.RESTORED,
                      detail="cells put back from the gradebook: " + ", ".join(base["restored"]), **base)
    return Result(outcome=Outcome.GRADED, **base)
