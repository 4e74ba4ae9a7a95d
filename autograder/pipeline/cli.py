"""dgm-grade: the instructor's pipeline around nbgrader, run from the course directory (the repository root).

  release    regenerate homeworks/ from solutions/ (nbgrader generate_assignment)
  collect    import student notebooks from a folder or zip (or nbgrader's exchange) into submitted/
  autograde  grade submissions in parallel with the hidden suites and record them in the gradebook
  feedback   write per-student HTML feedback into feedback/
  export     CSV of points per student and task, theory points, pending manual grades, totals
  exam       import exam scores (student_id,score; 0..26) from a CSV
  final      total points and final score = points / 8 - 2 per student
  demo       the main job: the whole pipeline on bundled example submissions, in demo_output/

Theory answers are nbgrader manually graded cells: grade them in formgrader, then export/final show them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.grading.requirements import require_grader
from autograder.layout import assignments, course_root, nbgrader


def _root(args) -> Path:
    return course_root(args.course)


def cmd_release(args) -> int:
    root = _root(args)
    names = args.assignments or assignments(root)
    if not names:
        print("solutions/ holds no assignment yet: nothing to release")
        return 0
    for name in names:
        result = nbgrader(root, "generate_assignment", name, "--force", check=False)
        if result.returncode:
            print(result.stdout + result.stderr, file=sys.stderr)
            print(f"release of {name} failed", file=sys.stderr)
            return result.returncode
        print(f"released {name} -> homeworks/{name}/")
    return 0


def cmd_collect(args) -> int:
    from autograder.pipeline.collect import collect, collect_from_exchange

    root = _root(args)
    if args.exchange:
        print(collect_from_exchange(root, args.assignment))
        return 0
    if not args.source:
        print("give a folder or zip of notebooks, or --exchange", file=sys.stderr)
        return 2
    report = collect(root, args.assignment, Path(args.source))
    print(f"imported {len(report.imported)} submission(s) of {args.assignment}: {', '.join(report.imported)}")
    for problem in report.problems:
        print(f"  not imported: {problem}")
    return 0


def cmd_autograde(args) -> int:
    from autograder.pipeline.autograde import autograde

    root = _root(args)
    report = autograde(root, args.assignment, students=args.student or None, workers=args.workers, force=args.force,
                       engine=args.engine, scheduler=args.scheduler, wall_seconds=args.wall_seconds,
                       memory_gb=args.memory_gb)
    print(f"{args.assignment}: graded {len(report.graded)}, unchanged {len(report.reused)}")
    for student, problem in sorted(report.problems.items()):
        print(f"  {student}: {problem}")
    return 0


def cmd_feedback(args) -> int:
    from autograder.pipeline.reports import write_feedback

    written = write_feedback(_root(args), args.assignment)
    print(f"wrote {len(written)} feedback file(s) under feedback/*/{args.assignment}/")
    return 0


def cmd_export(args) -> int:
    from autograder.pipeline.reports import format_table, points_table, to_csv

    columns, rows = points_table(_root(args))
    Path(args.output).write_text(to_csv(columns, rows))
    print(format_table(columns, rows))
    print(f"\nwrote {args.output}")
    return 0


def cmd_exam(args) -> int:
    from autograder.pipeline.gradebook import gradebook_rows
    from autograder.pipeline.reports import load_exam, read_exam_csv, save_exam

    root = _root(args)
    known = {r["student"] for r in gradebook_rows(root)} if not args.allow_new else None
    result = read_exam_csv(Path(args.csv).read_text(), known)
    save_exam(root, load_exam(root) | result.scores)
    print(f"imported {len(result.scores)} exam score(s)")
    for problem in result.problems:
        print(f"  bad row: {problem}")
    return 1 if result.problems and args.strict else 0


def cmd_final(args) -> int:
    from autograder.pipeline.reports import final_table, format_table, to_csv

    columns, rows = final_table(_root(args))
    Path(args.output).write_text(to_csv(columns, rows))
    print(format_table(columns, rows))
    if any(r["pending"] for r in rows):
        print("\n'pending' counts theory answers not graded yet (counted as 0): grade them in formgrader")
    print(f"\nwrote {args.output}")
    return 0


def cmd_demo(args) -> int:
    from autograder.pipeline.demo import run_demo

    return run_demo(Path(args.output), workers=args.workers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dgm-grade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", help="course directory (default: the folder with nbgrader_config.py at or "
                                         "above the current one)")
    steps = parser.add_subparsers(dest="step", required=True, metavar="STEP")

    def step(name, function, help_text):
        p = steps.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=function)
        return p

    p = step("release", cmd_release, "regenerate homeworks/ from solutions/ (commit the result)")
    p.add_argument("assignments", nargs="*", help="assignments to release (default: every one in solutions/)")

    p = step("collect", cmd_collect, "import <student_id>.ipynb files (a folder or zip) into submitted/; odd names "
                                     "and duplicates are reported, not imported")
    p.add_argument("assignment")
    p.add_argument("source", nargs="?", help="folder or .zip of notebooks")
    p.add_argument("--exchange", action="store_true", help="use nbgrader's exchange (JupyterHub) instead")

    p = step("autograde", cmd_autograde, "grade submissions with the hidden suites (parallel, resumable) and record "
                                         "them in the gradebook")
    p.add_argument("assignment")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--workers", type=int, default=2, help="submissions graded at once (default 2)")
    p.add_argument("--force", action="store_true", help="re-grade even when a stored result is current")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local threads, or dask.distributed (a LocalCluster unless --scheduler is given)")
    p.add_argument("--scheduler", help="address of a dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--wall-seconds", type=float, default=600, help="time limit for one submission (default 600)")
    p.add_argument("--memory-gb", type=float, help="memory limit of one submission's code (default 6)")

    p = step("feedback", cmd_feedback, "write feedback/<student>/<assignment>/<assignment>.html")
    p.add_argument("assignment")

    p = step("export", cmd_export, "CSV of points per task, theory and totals; shows pending manual grades")
    p.add_argument("--output", default="grades.csv")

    p = step("exam", cmd_exam, "import exam scores from a CSV of student_id,score (0..26); bad rows are reported")
    p.add_argument("csv")
    p.add_argument("--allow-new", action="store_true", help="accept students not in the gradebook")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when a row was bad")

    p = step("final", cmd_final, "final course scores: total points / 8 - 2")
    p.add_argument("--output", default="final_scores.csv")

    p = step("demo", cmd_demo, "the main job: the whole pipeline on bundled example submissions")
    p.add_argument("--output", default="demo_output")
    p.add_argument("--workers", type=int, default=2)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    require_grader(f"dgm-grade {args.step}")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
