"""Autograde a class: every submission in its own worker, results merged into the gradebook.

``grade(course, assignments, options)`` is what ``python -m course grade autograde``
runs. Stock nbgrader does the grading; this module decides what to grade, runs
the workers in parallel, turns their reports into outcomes, and writes the
gradebook and ``autograded/`` serially from this process.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from course.coursedir import Course
from course.grading import (canary, cluster, gradebook_writer, isolation, jobdir, lock, pool, precheck,
                            snapshot, verdicts)
from course.grading.outcomes import Outcome, Result


class GradingError(RuntimeError):
    """Grading cannot start (e.g. the assignment is not in the gradebook)."""


CanaryFailed = canary.CanaryFailed


@dataclass
class Options:
    workers: int = os.cpu_count() or 1
    budget: float = 120.0                 # seconds per notebook, kernel start included
    students: list[str] | None = None     # None: everyone who submitted
    isolate: bool = True                  # namespaces, hidden files, resource limits
    namespaces: bool = True               # False: only what works everywhere (limits, env, guard)
    grace: float | None = None            # hard deadline = budget x notebooks + grace
    probes: bool = True                   # integrity probes after test cells
    memory_mb: int | None = 4096
    progress: bool = True
    keep_workdirs: bool = False           # leave the temporary course folders (debugging)
    canary: bool = True                   # grade the solution first; stop before any grade if it fails
    cluster: str | None = None            # a Dask scheduler (tcp://HOST:8786), or "local"; None: this machine


@dataclass
class Batch:
    results: list[Result] = field(default_factory=list)
    not_submitted: dict[str, list[str]] = field(default_factory=dict)   # assignment -> students
    isolation: str = ""


def submissions(course: Course, assignment: str, students: list[str] | None) -> list[tuple[str, Path]]:
    if not course.submitted.is_dir():
        return []
    found = [(d.name, d / assignment) for d in sorted(course.submitted.iterdir())
             if d.is_dir() and (d / assignment).is_dir()]
    return [(s, p) for s, p in found if students is None or s in students]


def _limits(course: Course, batch_dir: Path, options: Options) -> isolation.KernelLimits:
    from course.runtime import netguard

    if not options.isolate:
        return isolation.KernelLimits(memory_bytes=None, file_bytes=None, hide=[], private_tmp=False,
                                      drop_to=None, netguard=False)
    if not options.namespaces:
        return isolation.KernelLimits(
            memory_bytes=options.memory_mb * 1024**2 if options.memory_mb else None,
            cpu_seconds=int(options.budget) + 10, hide=[], private_tmp=False, drop_to=None,
            netguard=True, netguard_file=netguard.__file__)
    return isolation.KernelLimits(
        memory_bytes=options.memory_mb * 1024**2 if options.memory_mb else None,
        cpu_seconds=int(options.budget) + 10,
        hide=isolation.hidden_paths(course.root, course.sqlite_path, course.exchange_root, [batch_dir]),
        drop_to="nobody" if isolation.can_run_as("nobody") else None,
        netguard_file=netguard.__file__,
        mpl_cache=isolation.matplotlib_cache(),
    )


def _student_facts(gb, assignment: str, student: str) -> tuple[dict, float | None]:
    from nbgrader.api import MissingEntry

    info, extension = {}, None
    try:
        s = gb.find_student(student)
        info = {k: getattr(s, k) for k in ("first_name", "last_name", "email", "lms_user_id")
                if getattr(s, k, None)}
        extension = gb.find_submission(assignment, student).extension
    except MissingEntry:
        pass
    return info, extension.total_seconds() if extension else None


def grade(course: Course, assignments: list[str], options: Options | None = None) -> Batch:
    """Grade every submission of ``assignments``; never raises for a bad submission."""

    options = options or Options()
    try:
        with lock.exclusive(course), warnings.catch_warnings():
            # nbgrader's add_submission makes SQLAlchemy warn about autoflush; harmless (stock does too)
            warnings.filterwarnings("ignore", message=".*not in session.*")
            return _grade(course, assignments, options)
    except (lock.GraderBusy, cluster.ClusterMismatch) as exc:
        raise GradingError(str(exc)) from None


def _grade(course: Course, assignments: list[str], options: Options) -> Batch:
    from nbgrader.api import Gradebook, MissingEntry
    from tqdm import tqdm

    batch = Batch()
    described = {}
    for a in assignments:
        try:
            described[a] = snapshot.describe(course.db_url, course.course_id, a)
        except MissingEntry:
            raise GradingError(f"assignment {a!r} is not in the gradebook {course.db_url}: "
                               f"run `nbgrader generate_assignment {a}` first") from None
    pool.warm_up()
    batch_dir = Path(tempfile.mkdtemp(prefix="course-grade-"))
    os.chmod(batch_dir, 0o700)
    try:
        limits = _limits(course, batch_dir, options)
        snapshots = {a: snapshot.build(course.db_url, course.course_id, a, batch_dir / "snapshots" / a)
                     for a in assignments}
        with Gradebook(course.db_url, course.course_id) as gb:
            jobs, context, unreadable = _prepare_all(gb, course, assignments, described, snapshots,
                                                     batch_dir, limits, options, batch)
            canaries, canary_checks = (canary.jobs(course, described, snapshots, batch_dir, limits, options)
                                       if options.canary and (jobs or unreadable) else ([], {}))
            waiting, started = [], not canaries
            if started:
                _start_writing(gb, course, jobs, unreadable, batch)
            grace = options.grace if options.grace is not None else 30 + 0.25 * options.budget
            bar = tqdm(total=len(jobs), unit="submission", disable=not options.progress,
                       desc="autograde", dynamic_ncols=True)
            problems = sum(1 for r in batch.results if r.outcome.needs_instructor)
            client = cluster.client_for(options.cluster, options.workers) if options.cluster else None
            deadline = lambda job: options.budget * len(job.notebooks) + grace  # noqa: E731
            runner = (cluster.run_jobs(canaries + jobs, client, deadline) if client
                      else pool.run_jobs(canaries + jobs, options.workers, deadline))
            try:
                for done in runner:
                    if canary.is_canary(done.job):
                        canary.verify(done, snapshots[done.job.assignment], canary_checks[done.job.assignment])
                        canaries.remove(done.job)
                        if not canaries:
                            started = True
                            _start_writing(gb, course, jobs, unreadable, batch)
                            problems = sum(1 for r in batch.results if r.outcome.needs_instructor)
                        else:
                            continue
                    else:
                        waiting.append(done)
                    while started and waiting:
                        finished = waiting.pop(0)
                        results = _finish(gb, course, snapshots[finished.job.assignment], finished,
                                          context[finished.job.key])
                        batch.results.extend(results)
                        _note_isolation(batch, finished, limits)
                        problems += sum(1 for r in results if r.outcome.needs_instructor)
                        bar.set_postfix_str(f"{problems} need attention", refresh=False)
                        bar.update(1)
            finally:
                runner.close()  # a failed canary stops every worker still running
                if client is not None:
                    _close(client)
            bar.close()
    finally:
        if not options.keep_workdirs:
            shutil.rmtree(batch_dir, ignore_errors=True)
    return batch


def _close(client) -> None:
    cluster_ = client.cluster
    client.close()
    if cluster_ is not None:  # the LocalCluster this grader started
        cluster_.close()


def _prepare_all(gb, course, assignments, described, snapshots, batch_dir, limits, options, batch):
    """Jobs for every readable submission; (jobs, context per job, unreadable submissions to record)."""
    jobs, context, unreadable = [], {}, []
    for a in assignments:
        submitted = submissions(course, a, options.students)
        known = sorted(s.id for s in gb.students)
        batch.not_submitted[a] = [s for s in known if s not in {x for x, _ in submitted}
                                  and (options.students is None or s in options.students)]
        for student, folder in submitted:
            try:
                job, notes = _prepare(gb, course, described[a], snapshots[a], student, folder,
                                      batch_dir / f"job-{len(jobs):05d}", limits, options)
            except Exception as exc:  # noqa: BLE001 (one odd submission must not stop the class)
                batch.results.append(Result(student, a, "*", Outcome.ERROR,
                                            detail=f"could not prepare the submission: {exc!r}"))
                continue
            if job is None:
                unreadable.append(notes)
            else:
                jobs.append(job)
                context[job.key] = notes
    return jobs, context, unreadable


def _start_writing(gb, course: Course, jobs: list, unreadable: list, batch: Batch) -> None:
    """The environment is verified: clear the old grades of everyone in the batch, record the unreadable."""
    for job in jobs:
        gradebook_writer.invalidate(gb, course, job.assignment, job.student)
    for results, folder in unreadable:
        gradebook_writer.invalidate(gb, course, results[0].assignment, results[0].student)
        gradebook_writer.record(gb, course, results, {}, folder, None)
        batch.results.extend(results)


def _note_isolation(batch: Batch, done, limits) -> None:
    network = [p["network"] for k, p in done.messages if k == "isolation"]
    fence = [p for k, p in done.messages if k == "fence" and p]
    if network and fence:
        batch.isolation = isolation.describe(network[0], limits, fence[0])


def _prepare(gb, course: Course, described: dict, snap, student: str, folder: Path, job_dir: Path,
             limits, options: Options):
    """Precheck one submission and lay out its job: (job, notes), or (None, (results, folder)) if unreadable."""
    a = snap.assignment
    checks = {n: precheck.check(folder, info, set(described)) for n, info in described.items()}
    readable = [n for n, c in checks.items() if c.readable]
    unreadable = [Result(student, a, n, Outcome.UNREADABLE, detail=c.problem,
                         max_score=described[n].max_auto_score)
                  for n, c in checks.items() if not c.readable]
    if not readable:
        return None, (unreadable, folder)
    info, extension = _student_facts(gb, a, student)
    job_limits = dataclasses.replace(limits, cpu_seconds=limits.cpu_seconds and
                                     int(options.budget * len(readable)) + 10)
    job = jobdir.prepare(job_dir, course, snap, student, folder, readable,
                          budget=options.budget, limits=job_limits,
                          isolate_network=options.isolate and options.namespaces,
                          probes=options.probes, student_info=info, extension_seconds=extension)
    return job, (checks, unreadable, folder)


def _finish(gb, course: Course, snap, done: pool.Finished, context) -> list[Result]:
    """Outcomes of one finished job, written to the gradebook; a failure here fails only this job."""
    checks, unreadable, folder = context
    job = done.job
    try:
        results = verdicts.results(done, snap, checks) + unreadable
    except Exception as exc:  # noqa: BLE001 (a bug in the analysis must not stop the batch)
        results = [Result(job.student, job.assignment, n, Outcome.ERROR, detail=f"grader bug: {exc!r}")
                   for n in job.notebooks] + unreadable
    if any(r.outcome.needs_instructor and r.outcome is not Outcome.UNREADABLE for r in results):
        log = _keep_log(course, job)
        for r in results:
            r.log = str(log) if log else ""
    captured = {}
    for kind, payload in done.messages:
        if kind == "grades":
            captured[payload["notebook"]] = payload
    job_autograded = Path(job.course_root) / "autograded" / job.student / job.assignment
    try:
        gradebook_writer.record(gb, course, results, captured, folder, job_autograded)
    except Exception as exc:  # noqa: BLE001 (a failed write fails this submission only)
        gb.db.rollback()
        for r in results:
            r.outcome, r.detail = Outcome.ERROR, f"could not write the gradebook: {exc!r}"
        try:
            gb.remove_submission(job.assignment, job.student)
        except Exception:  # noqa: BLE001 (best effort: the error is already reported)
            gb.db.rollback()
    return results


def _keep_log(course: Course, job) -> Path | None:
    src = Path(job.log_file)
    if not src.exists():
        return None
    dest = course.outcomes_dir / "logs" / job.assignment / f"{job.student}.log"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return dest
