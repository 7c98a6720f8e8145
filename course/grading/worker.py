"""Grade one submission in its own process, course directory and gradebook.

Runs in a child of a fork server that has nbgrader imported already (about 3 s
saved per submission). The child starts its own session (so the grader can kill
its whole process group), enters a network namespace when the OS allows, then
runs stock ``nbgrader autograde`` in-process on a temporary course directory that
holds only this submission. Everything the grader learns comes back over a pipe
that the kernel (a separate process started with ``close_fds``) never holds.
``COURSE_GRADING_TRACE=1`` also prints every report, timestamped, to the job's log.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from dataclasses import dataclass, field

_channel = None


def send(kind: str, payload) -> None:
    """Report to the grader (no-op outside a worker, e.g. in a stock nbgrader run)."""
    if os.environ.get("COURSE_GRADING_TRACE"):
        print(f"TRACE {time.time():.2f} {kind} {str(payload)[:80]}", flush=True)
    if _channel is not None:
        _channel.send((kind, payload))


@dataclass
class Job:
    key: str                       # "<assignment>/<student>"
    assignment: str
    student: str
    job_dir: str                   # holds course/, log.txt, jupyter/, runtime/
    notebooks: list[str]           # notebook names to grade (readable ones)
    course_id: str
    isolate_network: bool = True
    limits_file: str = ""
    student_info: dict = field(default_factory=dict)
    extension_seconds: float | None = None

    @property
    def course_root(self) -> str:
        return os.path.join(self.job_dir, "course")

    @property
    def marker(self) -> str:
        """Marks every process of this job (its job folder: unique even across concurrent graders)."""
        return self.job_dir

    @property
    def log_file(self) -> str:
        return os.path.join(self.job_dir, "log.txt")


def _prepare_gradebook(job: Job) -> None:
    """Put the student (and an extension the real gradebook grants) into this job's gradebook."""
    import datetime

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{job.course_root}/gradebook.db", job.course_id) as gb:
        gb.update_or_create_student(job.student, **job.student_info)
        if job.extension_seconds:
            gb.update_or_create_submission(job.assignment, job.student)
            gb.find_submission(job.assignment, job.student).extension = datetime.timedelta(
                seconds=job.extension_seconds)
            gb.db.commit()


def _fence(log_file: str) -> str:
    """What the kernel launcher reported it set up (its first line in the log)."""
    try:
        with open(log_file, errors="replace") as f:
            for line in f:
                if line.startswith("[course grader] fence: "):
                    return line.split(": ", 1)[1].strip()
    except OSError:
        pass
    return ""


def grade_job(job: Job, channel) -> None:
    """Entry point of the worker process."""
    global _channel
    _channel = channel
    code = 1
    try:
        os.setsid()
        network = None
        if job.isolate_network:
            from course.grading import isolation

            network = isolation.enter_network_namespace()
        send("isolation", {"network": network})
        if job.isolate_network and network is None and job.limits_file:  # fall back to the guard
            from course.grading.isolation import KernelLimits

            limits = KernelLimits.read(job.limits_file)
            limits.netguard = True
            limits.write(__import__("pathlib").Path(job.limits_file))
        from course.coursedir import tool_environment

        env = tool_environment(JUPYTER_PATH=os.path.join(job.job_dir, "jupyter"),
                               JUPYTER_RUNTIME_DIR=os.path.join(job.job_dir, "runtime"),
                               COURSE_GRADING_JOB=job.marker,
                               COURSE_STUDENT_ID=job.student)  # graded questions' variant
        os.environ.clear()  # this worker process's own environment, for nbgrader and the kernel
        os.environ.update(env)
        log = os.open(job.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.chdir(job.course_root)
        _prepare_gradebook(job)
        from nbgrader.apps.autogradeapp import AutogradeApp

        started = time.monotonic()
        app = AutogradeApp()
        try:
            app.initialize([job.assignment, "--student", job.student, "--force"])
            app.start()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        send("fence", _fence(job.log_file))
        send("done", {"exit": code, "seconds": time.monotonic() - started})
    except BaseException:  # noqa: BLE001 (reported to the grader, whatever it is)
        send("crash", traceback.format_exc())
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            channel.close()
        finally:
            os._exit(code if isinstance(code, int) else 1)
