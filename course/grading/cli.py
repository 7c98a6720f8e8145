"""``python -m course grade ...``: the instructor's and the learner's grading commands.

  autograde [ID ...|--all]   grade every submission in parallel; outcome table + CSV; exit 1 if
                             anything needs the instructor
  feedback ID [ID ...]       stock generate_feedback without hidden tests, checked for leaks
  export [ID ...]            grades CSV (stock nbgrader export) + per-exercise summary table and plot
  self NOTEBOOK              grade your own copy with the hidden tests (touches nothing of yours)
  isolation                  what this machine can isolate student code with
  demo                       grade a synthetic class of a tiny assignment (shows every outcome)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEFAULT_BUDGET = float(os.environ.get("COURSE_GRADING_BUDGET", "120"))


def add_parser(sub) -> None:
    """Register ``grade`` and its subcommands on ``python -m course``'s subparsers."""
    grade = sub.add_parser("grade", help="grade a class or your own notebook (course grade -h)",
                           description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    gsub = grade.add_subparsers(dest="grade_command", required=True)

    def course_dir(p):
        p.add_argument("--course-dir", type=Path, default=None,
                       help="nbgrader course directory (default: here if it has nbgrader_config.py, "
                            "else the repository)")

    auto = gsub.add_parser("autograde", help="autograde submissions in parallel, every outcome reported")
    auto.add_argument("assignments", nargs="*", metavar="ID")
    auto.add_argument("--all", action="store_true", help="every assignment in source/")
    auto.add_argument("--student", action="append", dest="students", metavar="ID",
                      help="only this student (repeatable)")
    auto.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    auto.add_argument("--budget", type=float, default=DEFAULT_BUDGET,
                      help="seconds per notebook, kernel start included (default %(default)s)")
    auto.add_argument("--memory", type=int, default=4096, metavar="MiB",
                      help="address-space limit of the kernel (0: none)")
    auto.add_argument("--no-isolation", action="store_true",
                      help="no namespaces, hidden files or limits (debugging only)")
    auto.add_argument("--no-probes", action="store_true", help="skip the test-integrity probes")
    auto.add_argument("--csv", type=Path, help="outcome CSV (default autograded/.outcomes/<ID>.csv)")
    auto.add_argument("--quiet", action="store_true", help="no progress bar")
    auto.add_argument("--cluster", metavar="ADDRESS",
                      help="grade on a Dask cluster: tcp://HOST:8786 (a running scheduler) or 'local' "
                           "(a LocalCluster of --workers processes on this machine)")
    auto.add_argument("--keep-workdirs", action="store_true", help=argparse.SUPPRESS)
    course_dir(auto)

    fb = gsub.add_parser("feedback", help="feedback HTML without hidden tests")
    fb.add_argument("assignments", nargs="+", metavar="ID")
    fb.add_argument("--student", action="append", dest="students", metavar="ID")
    course_dir(fb)

    ex = gsub.add_parser("export", help="grades CSV and the exercises the class fails most")
    ex.add_argument("assignments", nargs="*", metavar="ID")
    ex.add_argument("--to", type=Path, default=Path("grades.csv"), help="CSV file (default %(default)s)")
    ex.add_argument("--plot", type=Path, default=Path("exercises.png"), help="PNG (default %(default)s)")
    ex.add_argument("--gradescope", type=Path, metavar="DIR",
                    help="also write Gradescope results.json files: DIR/<assignment>/<student>/results.json")
    ex.add_argument("--canvas", type=Path, metavar="CSV", help="also write a Canvas gradebook import CSV")
    course_dir(ex)

    me = gsub.add_parser("self", help="grade your own notebook with the hidden tests")
    me.add_argument("notebook", type=Path)
    me.add_argument("--assignment", help="assignment id (default: found from the notebook's name)")
    me.add_argument("--budget", type=float, default=DEFAULT_BUDGET)

    gsub.add_parser("isolation", help="what this machine can isolate student code with")

    demo = gsub.add_parser("demo", help="grade a synthetic class of a tiny assignment")
    demo.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    demo.add_argument("--budget", type=float, default=15.0)


def dispatch(args) -> int:
    """Run the ``grade`` subcommand ``args`` names; 2 when grading cannot start."""
    from course.grading.autograde import CanaryFailed, GradingError

    handlers = {"autograde": _autograde, "feedback": _feedback, "export": _export, "self": _self,
                "isolation": _isolation, "demo": _demo}
    try:
        return handlers[args.grade_command](args)
    except (GradingError, CanaryFailed) as exc:
        print(f"course grade: {exc}", file=sys.stderr)
        return 2


def _course(args):
    from course.coursedir import load

    return load(args.course_dir)


def _autograde(args) -> int:
    from course import paths
    from course.grading import report
    from course.grading.autograde import GradingError, Options, grade

    course = _course(args)
    ids = args.assignments
    if args.all:
        from course.grading.snapshot import in_gradebook

        found = paths.assignments(course.source) if course.source.is_dir() else []
        ids = [a for a in found if in_gradebook(course, a)]
        skipped = sorted(set(found) - set(ids))
        if skipped:
            print("not in the gradebook (run nbgrader generate_assignment first), skipped: "
                  + ", ".join(skipped))
    if not ids:
        raise GradingError("name an assignment (or --all)")
    options = Options(workers=max(1, args.workers), budget=args.budget, students=args.students,
                      isolate=not args.no_isolation, probes=not args.no_probes,
                      memory_mb=args.memory or None, progress=not args.quiet,
                      keep_workdirs=args.keep_workdirs, cluster=args.cluster)
    batch = grade(course, ids, options)
    if args.csv:
        return report.print_batch(batch, args.csv)
    # the default outcome files accumulate: re-grading some students keeps the others' rows
    status = report.print_batch(batch)
    for a in ids:
        path = report.write_csv([r for r in batch.results if r.assignment == a],
                                course.outcomes_dir / f"{a}.csv", update=True)
        print(f"outcomes: {path}")
    return status


def _feedback(args) -> int:
    from course.grading import feedback

    return feedback.generate(_course(args), args.assignments, args.students)


def _export(args) -> int:
    from course.grading import export

    return export.export_grades(_course(args), args.assignments, args.to, args.plot,
                                args.gradescope, args.canvas)


def _self(args) -> int:
    from course.grading import selfgrade

    return selfgrade.grade_and_report(args.notebook, args.assignment, args.budget)


def _isolation(args) -> int:
    from course.grading import isolation

    found = isolation.probe()
    found["drop_root_to_nobody"] = isolation.can_run_as("nobody")
    for key, value in found.items():
        print(f"{key:22} {value}")
    return 0


def _demo(args) -> int:
    from course.grading import demo

    return demo.grade_demo_class(workers=args.workers, budget=args.budget)
