"""Run grading jobs in parallel worker processes, with a hard wall-clock limit each.

Workers are forked from a fork server that imported nbgrader once. Each job's
messages arrive over its own pipe. A job that outlives its deadline (its time
budget plus a grace period for nbgrader itself) is killed with its whole tree:
its process group, the kernel's process group, every descendant, and any process
still carrying the job's marker in its environment.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import wait

from course.grading.worker import Job, grade_job

PRELOAD = ["course.grading.worker", "course.preprocessors.budgeted_execute",
           "course.preprocessors.capture_results", "course.grading.isolation",
           "nbgrader.apps.autogradeapp", "nbgrader.converters.autograde", "nbclient",
           "jupyter_client", "nbconvert", "nbformat"]


@dataclass
class Finished:
    job: Job
    messages: list = field(default_factory=list)
    exitcode: int | None = None
    killed: str = ""                # why the grader killed it ("" when it ended by itself)
    seconds: float = 0.0


def context():
    """The multiprocessing context: a fork server with nbgrader preloaded (spawn elsewhere)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def warm_up() -> None:
    """Start the fork server now: it imports nbgrader while the parent prepares the jobs."""
    if context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
                tree.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return tree


def _marked(marker: str) -> list[int]:
    needle = f"COURSE_GRADING_JOB={marker}".encode() + b"\0"
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if needle in f.read() + b"\0":
                        found.append(int(entry))
            except OSError:
                pass
    return found


def kill_tree(roots: list[int], marker: str = "") -> None:
    """SIGKILL live processes ``roots``, their process groups, descendants and marked stragglers."""
    tree = _children()
    doomed, todo = set(), [r for r in roots if r]
    while todo:
        pid = todo.pop()
        if pid in doomed:
            continue
        doomed.add(pid)
        todo.extend(tree.get(pid, []))
    if marker:
        doomed.update(_marked(marker))
    for pid in [r for r in roots if r]:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    for pid in doomed:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def run_jobs(jobs: list[Job], workers: int, deadline_of: Callable[[Job], float],
             on_message: Callable[[Job, tuple], None] = lambda job, msg: None) -> Iterator[Finished]:
    """Yield each job as it finishes, at most ``workers`` at a time."""
    ctx = context()
    queue = deque(jobs)
    running: dict[int, dict] = {}  # pid -> state
    try:
        while queue or running:
            while queue and len(running) < max(1, workers):
                job = queue.popleft()
                receive, give = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=grade_job, args=(job, give), name=f"grade {job.key}", daemon=False)
                proc.start()
                give.close()
                running[proc.pid] = {"job": job, "proc": proc, "conn": receive, "open": True,
                                     "start": time.monotonic(), "done": Finished(job), "kernel": None}
            ready = wait([s["conn"] for s in running.values() if s["open"]]
                         + [s["proc"].sentinel for s in running.values()], timeout=0.25)
            for state in list(running.values()):
                _drain(state, on_message, ready)
                proc, done = state["proc"], state["done"]
                over = time.monotonic() - state["start"] > deadline_of(state["job"])
                if over and proc.is_alive():
                    done.killed = f"still running after {deadline_of(state['job']):.0f} s"
                    kill_tree([proc.pid, state["kernel"]], state["job"].marker)
                if not proc.is_alive():
                    proc.join()
                    _drain(state, on_message, None, final=True)
                    kill_tree([], state["job"].marker)  # anything the finished job left behind
                    done.exitcode = proc.exitcode
                    done.seconds = time.monotonic() - state["start"]
                    state["conn"].close()
                    del running[proc.pid]
                    yield done
    finally:
        for state in running.values():
            kill_tree([state["proc"].pid, state["kernel"]], state["job"].marker)
            state["proc"].join(timeout=5)


def _drain(state: dict, on_message, ready, final: bool = False) -> None:
    conn = state["conn"]
    if not state["open"] or (ready is not None and conn not in ready and not final):
        return
    try:
        while conn.poll(0 if not final else 0.05):
            msg = conn.recv()
            if msg[0] == "kernel":
                state["kernel"] = msg[1].get("pid")
            state["done"].messages.append(msg)
            on_message(state["job"], msg)
    except (EOFError, OSError):
        state["open"] = False
