"""Grading on a Dask cluster, when one machine is not enough.

:func:`run_jobs` behaves like :func:`course.grading.pool.run_jobs`: it yields each
job's :class:`~course.grading.pool.Finished` as it ends. A job travels as bytes (its
job folder, packed); a Dask worker unpacks it at the same path, grades it with the
local pool (that machine's fence, limits and deadline) and sends the folder back as
bytes. Only the instructor's process writes the gradebook.

Before any job, every worker's environment (Python, nbgrader, the course package)
is compared with the instructor's; a worker that differs is refused. A worker that
dies mid-task loses nothing: Dask runs the task again on another worker, and a task
that keeps killing workers comes back as a grader error for that submission.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import platform
import shutil
import tarfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from course import paths
from course.grading import pool
from course.grading.pool import Finished
from course.grading.worker import Job


class ClusterMismatch(RuntimeError):
    """A worker's environment differs from the instructor's: its grades could differ too."""


def fingerprint() -> dict[str, str]:
    """What must be the same on every machine that grades: Python, nbgrader, the course package."""
    import nbgrader

    digest = hashlib.sha256()
    for path in sorted(paths.PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(paths.PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return {"python": platform.python_version(), "nbgrader": nbgrader.__version__,
            "course package": digest.hexdigest()[:16]}


def mismatches(mine: dict[str, str], theirs: dict[str, dict[str, str]]) -> list[str]:
    """One line per worker whose fingerprint differs from ``mine``."""
    return [f"{worker}: " + ", ".join(f"{key} {value} (here {mine.get(key)})"
                                      for key, value in found.items() if value != mine.get(key))
            for worker, found in sorted(theirs.items()) if found != mine]


def pack(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(folder, arcname=folder.name)
    return buffer.getvalue()


def unpack(data: bytes, folder: Path) -> None:
    """Unpack a packed job folder as ``folder`` (which must not exist yet)."""
    folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(folder.parent, filter="tar")


def grade_remote(job: Job, data: bytes, deadline: float) -> tuple[bytes, dict]:
    """On a Dask worker: grade one packed job with the local pool; return its folder and report."""
    process = multiprocessing.current_process()
    if process.daemon:  # Dask's worker processes are daemonic, which forbids children; the pool kills its own
        process._config["daemon"] = False
    folder = Path(job.job_dir)
    pool.kill_tree([], job.marker)  # a worker that died on this machine may have left this job running
    shutil.rmtree(folder, ignore_errors=True)
    unpack(data, folder)
    try:
        [done] = list(pool.run_jobs([job], 1, lambda _: deadline))
        report = {"messages": done.messages, "exitcode": done.exitcode, "killed": done.killed,
                  "seconds": done.seconds}
        return pack(folder), report
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def client_for(address: str, workers: int):
    """A Dask client: ``local`` starts a LocalCluster of ``workers`` processes on loopback."""
    from distributed import Client, LocalCluster

    if address != "local":
        return Client(address, timeout="30s")
    return Client(LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None))


def check_workers(client) -> None:
    """Refuse a cluster with a worker whose environment differs from this one."""
    found = mismatches(fingerprint(), client.run(fingerprint))
    if found:
        raise ClusterMismatch("these Dask workers run another environment than the instructor's, so "
                              "their grades could differ; install the same course package, nbgrader and "
                              "Python there (or leave them out): " + "; ".join(found))


def run_jobs(jobs: list[Job], client, deadline_of: Callable[[Job], float]) -> Iterator[Finished]:
    """Grade ``jobs`` on the cluster behind ``client``; yield each as it finishes."""
    from distributed import as_completed

    check_workers(client)
    futures = {}
    for job in jobs:
        folder = Path(job.job_dir)
        data = pack(folder)
        shutil.rmtree(folder)  # it comes back with the result, even from a worker on this machine
        future = client.submit(grade_remote, job, data, deadline_of(job), pure=False,
                               key=f"grade-{job.key}-{uuid.uuid4().hex[:8]}")
        futures[future] = job
    for future in as_completed(futures):
        job = futures[future]
        try:
            packed, report = future.result()
        except Exception as exc:  # noqa: BLE001 (KilledWorker, or a worker-side failure: this job only)
            yield Finished(job, [("crash", f"the cluster could not grade it: {type(exc).__name__}: {exc}")])
            continue
        unpack(packed, Path(job.job_dir))
        yield Finished(job, report["messages"], report["exitcode"], report["killed"], report["seconds"])
