"""The worker pool: completion order, at most N at a time, hard deadlines, whole trees killed.

The jobs here are trivial functions (sleep, report, exit) run in forked workers in
place of the real nbgrader worker, so each test takes well under a second.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
import uuid

import pytest

from course.grading import pool
from course.grading.worker import Job

pytestmark = pytest.mark.skipif(not (sys.platform.startswith("linux") and os.path.isdir("/proc")),
                                reason="needs fork and /proc")

BEHAVIOUR: dict[str, dict] = {}   # student -> what the fake worker does (inherited by fork)


def fake_worker(job: Job, channel) -> None:
    """Stands in for :func:`course.grading.worker.grade_job` (same arguments, same pipe)."""
    todo = BEHAVIOUR[job.student]
    os.setsid()  # as the real worker does: the grader kills its process group
    channel.send(("started", time.monotonic()))
    if todo.get("kernel"):  # a "kernel": its own session, the job's marker in its environment
        kernel = subprocess.Popen(["sleep", "60"], start_new_session=True,
                                  env={**os.environ, "COURSE_GRADING_JOB": job.marker})
        channel.send(("kernel", {"pid": kernel.pid}))
    time.sleep(todo.get("sleep", 0))
    channel.send(("done", {"ended": time.monotonic()}))
    channel.close()
    os._exit(todo.get("exit", 0))


@pytest.fixture()
def fake_pool(monkeypatch):
    monkeypatch.setattr(pool, "context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(pool, "grade_job", fake_worker)
    BEHAVIOUR.clear()
    yield BEHAVIOUR
    BEHAVIOUR.clear()


def job(student: str) -> Job:
    return Job(key=f"a/{student}", assignment="a", student=student,
               job_dir=f"/nonexistent/pool-test-{uuid.uuid4().hex}/{student}", notebooks=["a"],
               course_id="c")


def gone(pid: int, within: float = 2.0) -> bool:
    """True once ``pid`` no longer runs (a zombie waiting for its reaper counts as gone)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.02)
    return False


def test_jobs_come_back_as_they_finish_at_most_workers_at_a_time(fake_pool):
    fake_pool.update({"slow": {"sleep": 4.0}, "b": {"sleep": 0.05}, "c": {"sleep": 0.05},  # wide margin: a busy CI machine
                      "d": {"sleep": 0.05, "exit": 3}})
    jobs = [job(s) for s in ("slow", "b", "c", "d")]
    heard = []
    finished = list(pool.run_jobs(jobs, 2, lambda j: 30, on_message=lambda j, m: heard.append((j.student, m[0]))))
    assert [f.job.student for f in finished] == ["b", "c", "d", "slow"]
    assert {f.job.student: f.exitcode for f in finished} == {"slow": 0, "b": 0, "c": 0, "d": 3}
    assert all(f.killed == "" for f in finished)
    assert all([k for k, _ in f.messages] == ["started", "done"] for f in finished)
    assert sorted(heard) == sorted((s, k) for s in ("slow", "b", "c", "d") for k in ("started", "done"))
    spans = [(dict(f.messages)["started"], dict(f.messages)["done"]["ended"]) for f in finished]
    most = max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)
    assert most == 2, f"{most} jobs ran at once with 2 workers"
    slow = finished[-1]
    assert 0.5 <= slow.seconds < 5


def test_a_job_past_its_deadline_is_killed_with_its_kernel(fake_pool):
    fake_pool.update({"stuck": {"sleep": 60, "kernel": True}, "quick": {"sleep": 0}})
    started = time.monotonic()
    finished = {f.job.student: f for f in
                pool.run_jobs([job("stuck"), job("quick")], 2, lambda j: 0.4 if j.student == "stuck" else 30)}
    assert time.monotonic() - started < 5, "the deadline did not stop the job"
    stuck = finished["stuck"]
    assert stuck.killed.startswith("still running after"), stuck.killed
    assert stuck.exitcode == -9 and 0.4 <= stuck.seconds < 5
    assert [k for k, _ in stuck.messages] == ["started", "kernel"]
    assert gone(stuck.messages[1][1]["pid"]), "the kernel (own session) survived its job"
    assert finished["quick"].killed == "" and finished["quick"].exitcode == 0


def test_what_a_finished_job_leaves_behind_is_killed(fake_pool):
    fake_pool.update({"messy": {"kernel": True}})
    (done,) = pool.run_jobs([job("messy")], 1, lambda j: 30)
    assert done.killed == "" and done.exitcode == 0
    assert gone(done.messages[1][1]["pid"]), "a process marked with the job outlived it"


def test_another_grader_grading_the_same_student_is_left_alone(fake_pool):
    """Two graders on one machine (two courses, or parallel tests) may both grade a/alice."""
    fake_pool.update({"alice": {}})
    elsewhere = job("alice")  # same key "a/alice", another batch's job folder
    theirs = _sleeper(elsewhere.marker)
    try:
        (done,) = pool.run_jobs([job("alice")], 1, lambda j: 30)
        assert done.exitcode == 0
        assert theirs.poll() is None, "finishing our a/alice killed another grader's a/alice"
    finally:
        theirs.kill()
        theirs.wait()


def _own_session(pid: int) -> bool:
    try:
        return os.getsid(pid) == pid
    except ProcessLookupError:
        return False


def _sleeper(marker: str | None = None, *argv: str) -> subprocess.Popen:
    """A process in its own session, carrying ``marker`` as its job marker if given."""
    env = {k: v for k, v in os.environ.items() if k != "COURSE_GRADING_JOB"}
    if marker:
        env["COURSE_GRADING_JOB"] = marker
    return subprocess.Popen(list(argv) or ["sleep", "60"], start_new_session=True, env=env)


def test_kill_tree_kills_descendants_and_marked_processes_only():
    marker = f"pool-test-{uuid.uuid4().hex}/x"
    # the grandchildren start sessions of their own, as a kernel does: killing the group misses them
    tree = _sleeper(None, "sh", "-c", "setsid sleep 60 & setsid sleep 60 & wait")
    marked = _sleeper(marker)
    bystander = _sleeper(f"{marker}-other")   # a different job's marker: left alone
    try:
        def sessions_started() -> list[int]:
            found = pool._children().get(tree.pid, [])
            return found if len(found) == 2 and all(_own_session(pid) for pid in found) else []

        deadline = time.monotonic() + 5
        while not sessions_started() and time.monotonic() < deadline:
            time.sleep(0.02)
        grandchildren = pool._children().get(tree.pid, [])
        assert len(grandchildren) == 2
        assert all(os.getsid(pid) == pid for pid in grandchildren), "each in a session of its own"
        assert pool._marked(marker) == [marked.pid]
        pool.kill_tree([tree.pid], marker)
        assert tree.wait(timeout=2) == -9 and marked.wait(timeout=2) == -9
        assert all(gone(pid) for pid in grandchildren)
        assert bystander.poll() is None, "a process of another job was killed"
        pool.kill_tree([], "")  # nothing to do: no error
    finally:
        for proc in (tree, marked, bystander):
            proc.kill()
            proc.wait()
