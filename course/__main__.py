"""Command line: ``python -m course <command>``.

  lab                      fill workspace/ from release/ (never overwriting) and open JupyterLab
  workspace                only fill workspace/
  release [ID ...]         regenerate release/ from source/ with nbgrader
  check ID [ID ...]        author's check: execute, generate, autograde solution and blank copy
  grade ...                grading: autograde a class, feedback, export, self-grading (grade -h)
  student-id [ID]          show, or save, the id your graded questions' numbers are derived from
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("lab", help="open the course in JupyterLab on your workspace copy")
    sub.add_parser("workspace", help="copy new student notebooks into workspace/")
    rel = sub.add_parser("release", help="regenerate release/ from source/")
    rel.add_argument("ids", nargs="*")
    chk = sub.add_parser("check", help="execute and autograde a source notebook")
    chk.add_argument("ids", nargs="+")
    sid = sub.add_parser("student-id", help="show or save your student id (graded questions' variant)")
    sid.add_argument("id", nargs="?", help="the id your instructor grades you under")
    from course.grading.cli import add_parser as add_grade_parser

    add_grade_parser(sub)
    args = parser.parse_args(argv)

    if args.command == "grade":
        from course.grading.cli import dispatch

        return dispatch(args)

    if args.command == "student-id":
        from course.quiz import variants

        if args.id:
            try:
                print(f"saved in {variants.save_student_id(args.id)}")
            except ValueError as exc:
                print(exc, file=sys.stderr)
                return 2
        print(f"your graded questions use the variant of: {variants.student_id()}")
        return 0
    if args.command == "check":
        from course.authoring.check import check

        return 0 if all([check(i) for i in args.ids]) else 1
    if args.command == "release":
        from course.authoring.release import build

        build(args.ids or None)
        return 0
    from course.authoring import workspace

    workspace.sync(verbose=True)
    if args.command == "lab":
        workspace.open_lab()
    return 0


if __name__ == "__main__":
    sys.exit(main())
