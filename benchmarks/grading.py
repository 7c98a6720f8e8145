"""Autograde a synthetic class with stock nbgrader (serially) and with the course's grader.

    .venv/bin/python benchmarks/grading.py [--students 30] [--workers N] [--quick] [--cluster] [ID ...]

Prints both wall times and their ratio, per-notebook seconds against the floor
(kernel start plus the notebook's first code cell: imports and sandbox), and
whether the scores agree. A benchmark, not a test: it takes minutes.
Target on 2 cores: the course's grader >= 1.8x stock throughput, identical scores.

The class: for every notebook in source/ each student submits either the solution
(right), the untouched student version (wrong) or, one in ten, a broken copy
(invalid JSON, or ``os._exit(1)`` in the first answer cell).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course import coursedir, paths
from course.cells import is_answer
from course.preprocessors.seal_quizzes import write_sealed


def generate_all(root: Path, ids: list[str]) -> list[str]:
    """Stock generate_assignment for every id in one nbgrader process; returns the ids that worked."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    ok = []
    for a in ids:
        result = api.generate_assignment(a)
        if result["success"]:
            ok.append(a)
        else:
            print(f"  skipping {a}: generate_assignment failed\n{result.get('error', '')[-500:]}")
    return ok


def variant(student: int, assignment: int) -> str:
    if (7 * student + assignment) % 10 == 9:
        return "broken-json" if student % 2 else "broken-exit"
    return "right" if (student + assignment) % 2 == 0 else "wrong"


def write_class(root: Path, ids: list[str], students: int) -> dict[tuple[str, str], str]:
    kinds = {}
    for i, a in enumerate(ids):
        source = paths.notebook(a, root / "source")
        release = root / "release" / a / source.name
        for s in range(students):
            student = f"s{s:03d}"
            kind = variant(s, i)
            kinds[(student, a)] = kind
            folder = root / "submitted" / student / a
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / source.name
            if kind == "right":
                write_sealed(source, target)  # the solution as handed in: quizzes sealed
            elif kind == "wrong":
                shutil.copy2(release, target)
            elif kind == "broken-json":
                target.write_text(release.read_text()[: 200])
            else:
                nb = nbformat.read(release, as_version=4)
                answer = next(c for c in nb.cells if is_answer(c))
                answer.source = "import os\nos._exit(1)\n" + answer.source
                nbformat.write(nb, target)
    return kinds


def floor_seconds(root: Path, a: str) -> float:
    """Kernel start plus the first code cell: what no grader can avoid per notebook."""
    nb = nbformat.read(paths.notebook(a, root / "source"), as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    nb.cells = [first]
    from nbclient import NotebookClient

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": tmp}}).execute()
    return time.perf_counter() - started


def stock_scores(root: Path, ids: list[str]) -> dict[tuple[str, str], dict[str, float]]:
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for a in ids:
            name = paths.notebook(a, root / "source").stem
            for student in sorted(p.name for p in (root / "submitted").iterdir()):
                try:
                    nb = gb.find_submission_notebook(name, a, student)
                except MissingEntry:
                    continue
                scores[(student, a)] = {g.name: g.auto_score for g in nb.grades}
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--budget", type=float, default=120)
    parser.add_argument("--quick", action="store_true", help="6 students, the first 3 notebooks")
    parser.add_argument("--cluster", action="store_true",
                        help="also grade the class on a Dask LocalCluster of --workers processes")
    args = parser.parse_args(argv)
    ids = args.ids or paths.assignments()
    students = args.students
    if args.quick:
        ids, students = ids[:3], min(students, 6)

    from course.grading.autograde import Options, grade
    from course.coursedir import load
    from course.grading.outcomes import Outcome

    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        ours_root, stock_root = Path(tmp) / "ours", Path(tmp) / "stock"
        coursedir.create(ours_root, ids)
        print(f"generating {len(ids)} assignments ...", flush=True)
        with coursedir.known_alembic_version():  # a new gradebook, without `alembic` on PATH
            ids = generate_all(ours_root, ids)
        kinds = write_class(ours_root, ids, students)
        shutil.copytree(ours_root, stock_root)
        cluster_root = Path(tmp) / "cluster"
        if args.cluster:
            shutil.copytree(ours_root, cluster_root)
        n = len(kinds)
        print(f"class: {students} students x {len(ids)} notebooks = {n} submissions "
              f"({sum(k.startswith('broken') for k in kinds.values())} broken); {args.workers} workers\n")

        floors = {a: floor_seconds(ours_root, a) for a in ids}

        started, stock_per = time.perf_counter(), {}
        for a in ids:
            t = time.perf_counter()
            coursedir.nbgrader(["autograde", a, "--force"], stock_root, check=False)
            stock_per[a] = (time.perf_counter() - t) / students
        stock_wall = time.perf_counter() - started

        started = time.perf_counter()
        batch = grade(load(ours_root), ids, Options(workers=args.workers, budget=args.budget,
                                                    progress=sys.stderr.isatty()))
        ours_wall = time.perf_counter() - started

        cluster_line = ""
        if args.cluster:
            started = time.perf_counter()
            on_cluster = grade(load(cluster_root), ids, Options(workers=args.workers, budget=args.budget,
                                                                progress=False, cluster="local"))
            cluster_wall = time.perf_counter() - started
            same = ({(r.student, r.assignment, r.outcome, r.score) for r in on_cluster.results}
                    == {(r.student, r.assignment, r.outcome, r.score) for r in batch.results})
            cluster_line = (f"course grader, LocalCluster of {args.workers}: {cluster_wall:8.1f} s  "
                            f"({n / cluster_wall:.2f} submissions/s); outcomes and scores "
                            f"{'identical to the local pool' if same else 'DIFFER from the local pool'}")

        stock = stock_scores(stock_root, ids)
        ours = {(r.student, r.assignment): r for r in batch.results}
        agree, differ, expected_outcome = 0, [], 0
        for key, kind in kinds.items():
            result = ours[key]
            if kind in ("right", "wrong"):
                mine = {c.grade_id: c.auto_score for c in result.cells}
                if result.outcome is Outcome.GRADED and mine == stock.get(key):
                    agree += 1
                else:
                    differ.append((key, kind, result.outcome.value, result.detail[:80]))
            else:
                want = Outcome.UNREADABLE if kind == "broken-json" else Outcome.KERNEL_DIED
                expected_outcome += result.outcome is want

        print("seconds per submitted notebook (ours: one worker's time; stock: serial wall time / n)")
        print(f"{'notebook':30} {'floor':>7} {'ours':>7} {'stock':>7}")
        for a in ids:
            mine = [r.seconds for r in batch.results if r.assignment == a and r.seconds]
            print(f"{a:30} {floors[a]:7.2f} {statistics.mean(mine) if mine else float('nan'):7.2f} "
                  f"{stock_per[a]:7.2f}")
        print(f"\nstock nbgrader autograde, serial : {stock_wall:8.1f} s  ({n / stock_wall:.2f} submissions/s)")
        print(f"course grader, {args.workers} workers        : {ours_wall:8.1f} s  ({n / ours_wall:.2f} submissions/s)")
        if cluster_line:
            print(cluster_line)
        print(f"speed-up                          : {stock_wall / ours_wall:8.2f}x  (target >= 1.8x on 2 cores)")
        print(f"ours s/submission x workers vs floor: "
              f"{ours_wall * args.workers / n:.2f} s vs {statistics.mean(floors.values()):.2f} s")
        well = sum(k in ('right', 'wrong') for k in kinds.values())
        print(f"scores agree with stock           : {agree}/{well} well-formed submissions"
              + ("" if not differ else f"; DIFFER: {differ[:5]}"))
        broken = n - well
        print(f"broken submissions named right    : {expected_outcome}/{broken} "
              f"(stock: JSON errors logged, os._exit scored 0.0)")
        return 0 if not differ else 1


if __name__ == "__main__":
    sys.exit(main())
