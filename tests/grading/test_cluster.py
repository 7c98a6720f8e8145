"""Grading on a Dask cluster: the same outcomes as the local pool, and a worker killed mid-batch loses nothing."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time

import pytest

from course.grading import cluster, synthetic
from course.grading.autograde import GradingError, Options, grade
from course.grading.demo import build_course

pytestmark = pytest.mark.slow
CLASS = {name: name for name in ("right", "partial", "wrong", "tampered", "deleted", "exit", "badjson", "cheat")}


def outcomes(batch) -> dict:
    return {r.student: (r.outcome.value, r.score) for r in batch.results}


def test_a_local_cluster_grades_exactly_as_the_local_pool(tmp_path):
    pooled = build_course(tmp_path / "pooled", CLASS)
    clustered = tmp_path / "clustered"
    shutil.copytree(pooled.root, clustered)
    by_pool = grade(pooled, [synthetic.ASSIGNMENT], Options(workers=2, budget=20, progress=False))
    by_cluster = grade(build_course(clustered, {}), [synthetic.ASSIGNMENT],
                       Options(workers=2, budget=20, progress=False, cluster="local"))
    assert outcomes(by_cluster) == outcomes(by_pool)
    assert outcomes(by_cluster)["right"] == ("graded", 5.0) and outcomes(by_cluster)["exit"][0] == "kernel-died"


@pytest.fixture
def local_cluster():
    from distributed import Client, LocalCluster

    made = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address=None)
    client = Client(made)
    yield made, client
    client.close()
    made.close()


def test_a_worker_killed_mid_batch_loses_no_submission(tmp_path, local_cluster):
    made, client = local_cluster
    course = build_course(tmp_path / "course", {f"s{i}": "right" for i in range(4)} | {"p": "partial"})
    killed = []

    def kill_a_busy_worker():
        end = time.monotonic() + 120
        while time.monotonic() < end and not killed:
            busy = {w: keys for w, keys in client.processing().items()  # a student's task, not the canary
                    if any(str(k).startswith("grade-tiny/s") for k in keys)}
            if busy:
                worker, keys = next(iter(busy.items()))
                time.sleep(1.0)  # well inside the task: its kernel is running
                pid = client.run(os.getpid, workers=[worker])[worker]
                os.kill(pid, signal.SIGKILL)
                killed.append((worker, pid, [str(k) for k in keys if str(k).startswith("grade-tiny/s")]))
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    batch = grade(course, [synthetic.ASSIGNMENT],
                  Options(workers=2, budget=20, progress=False, cluster=made.scheduler_address))
    killer.join(timeout=5)
    assert killed, "the test never caught a worker grading"
    found = outcomes(batch)
    victim = killed[0][2][0].split("/")[1].rsplit("-", 1)[0]
    print(f"\nkilled worker {killed[0][0]} (pid {killed[0][1]}) while it graded {victim}: "
          f"it came back {found[victim]}")
    assert found == {**{f"s{i}": ("graded", 5.0) for i in range(4)}, "p": ("graded", 2.0)}, found


def test_a_worker_with_another_environment_is_refused():
    mine = cluster.fingerprint()

    class FakeClient:
        def run(self, fn):
            return {"tcp://10.0.0.7:4000": dict(mine, nbgrader="0.9.5"), "tcp://10.0.0.8:4000": dict(mine)}

    with pytest.raises(cluster.ClusterMismatch, match=r"tcp://10.0.0.7:4000: nbgrader 0.9.5 \(here 0.9.6\)"):
        cluster.check_workers(FakeClient())
    assert cluster.mismatches(mine, {"w": dict(mine)}) == []
    assert issubclass(cluster.ClusterMismatch, RuntimeError) and GradingError  # converted by grade()
