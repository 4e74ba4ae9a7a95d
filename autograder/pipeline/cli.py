"""dgm-grade: the instructor's pipeline around nbgrader, run from the course directory (the repository root).

Theory answers are nbgrader manually graded cells: grade them in formgrader, then export/final show them.
"""
# This docstring is the description `dgm-grade --help` shows above its list of steps; each step's one line lives in
# build_parser only, so the help lists every step once.

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.errors import UserError
from autograder.grading.requirements import require_grader
from autograder.layout import SOURCE_DIRECTORY, assignments, course_root, nbgrader
from autograder.pipeline.lms import LMS_FORMATS
from autograder.settings import SettingsError

# Errors of use that modules unaware of the CLI raise, with what to do next (UserError messages say it themselves).
NEXT_STEP = {SettingsError: "fix course.toml and run again"}


def _root(args) -> Path:
    """The course directory, once the assignments the step names are known to exist in it."""
    root = course_root(args.course)
    named = getattr(args, "assignments", None) or [getattr(args, "assignment", None)]
    known = assignments(root)
    unknown = [name for name in named if name is not None and name not in known]
    if unknown:
        raise UserError(f"no assignment {', '.join(unknown)} in {root / SOURCE_DIRECTORY}; give one of "
                        f"{', '.join(known) or '(none: add solutions/<hw>/<hw>.ipynb first)'}")
    return root


def cmd_release(args) -> int:
    root = _root(args)
    names = args.assignments or assignments(root)
    if not names:
        print("solutions/ holds no assignment yet: nothing to release")
        return 0
    from autograder.pipeline.setup_cell import sync_setup_cells

    for path in sync_setup_cells(root):
        print(f"setup cell updated for course.toml's public_url: {path.relative_to(root)}")
    for name in names:
        result = nbgrader(root, "generate_assignment", name, "--force", check=False)
        if result.returncode:
            print(result.stdout + result.stderr, file=sys.stderr)
            print(f"release of {name} failed", file=sys.stderr)
            return result.returncode
        print(f"released {name} -> homeworks/{name}/")
    return 0


def cmd_publish(args) -> int:
    from autograder.pipeline.publish import publish

    output = Path(args.output)
    written = publish(_root(args), output)
    print(f"wrote the student repository ({len(written)} files) to {output}: commit and push it to the course's "
          "public URL (course.toml [course] public_url)")
    return 0


def cmd_collect(args) -> int:
    from autograder.pipeline.autograde import submissions
    from autograder.pipeline.collect import collect, collect_from_exchange
    from autograder.pipeline.late import late_summary

    root = _root(args)
    if args.exchange:
        if args.times or args.roster:
            raise UserError("--times and --roster apply to a folder or .zip; nbgrader's exchange keeps its own "
                            "submission times and student ids")
        print(collect_from_exchange(root, args.assignment))
        students = sorted(submissions(root, args.assignment))
    else:
        if not args.source:
            raise UserError("no notebooks to collect; give a folder or .zip of <student_id>.ipynb files, or "
                            "--exchange")
        report = collect(root, args.assignment, Path(args.source), roster=args.roster, times=args.times)
        print(f"imported {len(report.imported)} submission(s) of {args.assignment}: {', '.join(report.imported)}")
        for problem in report.problems:
            print(f"  not imported: {problem}")
        print(f"submission times from {report.times_from}")
        for note in report.notes:
            print(f"  check: {note}")
        students = report.imported
    for line in late_summary(root, args.assignment, students):
        print(f"  late: {line}")
    return 0


def cmd_autograde(args) -> int:
    from autograder.pipeline.autograde import autograde

    root = _root(args)
    report = autograde(root, args.assignment, students=args.student or None, workers=args.workers, force=args.force,
                       engine=args.engine, scheduler=args.scheduler, wall_seconds=args.wall_seconds,
                       memory_gb=args.memory_gb)
    print(f"{args.assignment}: graded {len(report.graded)}, unchanged {len(report.reused)}")
    width = max(map(len, report.earned), default=0)
    for student, earned in sorted(report.earned.items()):
        unchanged = "  (unchanged)" if student in report.reused else ""
        print(f"  {student:<{width}}  {earned:g} / {report.maximum:g}{unchanged}")
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

    if args.lms:
        return export_lms(args)
    columns, rows = points_table(_root(args))
    output = Path(args.output or "grades.csv")
    output.write_text(to_csv(columns, rows))
    print(format_table(columns, rows))
    print(f"\nwrote {output}")
    return 0


def export_lms(args) -> int:
    from autograder.pipeline.lms import canvas_csv
    from autograder.pipeline.roster import course_roster

    root = _root(args)
    output = Path(args.output or f"{args.lms}_grades.csv")
    text, problems = canvas_csv(root, course_roster(root, args.roster))
    output.write_text(text)
    for problem in problems:
        print(f"  not in {output}: {problem}")
    print(f"wrote {output}: import it in Canvas under Grades > Import")
    return 0


def cmd_exam(args) -> int:
    from autograder.pipeline.gradebook import gradebook_rows
    from autograder.pipeline.reports import load_exam, read_exam_csv, save_exam

    root = _root(args)
    if not Path(args.csv).is_file():
        raise UserError(f"{args.csv} is not a file; give the path of the exam CSV (student_id,score rows)")
    known = {r["student"] for r in gradebook_rows(root)} if not args.allow_new else None
    result = read_exam_csv(Path(args.csv).read_text(), known)
    save_exam(root, load_exam(root) | result.scores)
    print(f"imported {len(result.scores)} exam score(s)")
    for problem in result.problems:
        print(f"  bad row: {problem}")
    return 1 if result.problems and args.strict else 0


def cmd_final(args) -> int:
    from autograder.pipeline.reports import final_notes, final_table, format_table, to_csv

    columns, rows = final_table(_root(args))
    Path(args.output).write_text(to_csv(columns, rows))
    print(format_table(columns, rows))
    for note in final_notes(rows):
        print(f"\n{note}")
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
    steps = parser.add_subparsers(dest="step", required=True, metavar="STEP", title="steps")

    def step(name, function, help_text):
        p = steps.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=function)
        return p

    p = step("release", cmd_release, "regenerate homeworks/ from solutions/ (commit the result)")
    p.add_argument("assignments", nargs="*", help="assignments to release (default: every one in solutions/)")

    p = step("publish", cmd_publish, "write the student repository (homeworks/, seminars/, dgmlib/, a README and "
                                     "an installable pyproject) to a folder outside the course")
    p.add_argument("output", help="folder to write (empty, or an earlier bundle: a clone of the student repository)")

    p = step("collect", cmd_collect, "import <student_id>.ipynb files, or a Canvas or Moodle download (with a "
                                     "roster), from a folder or zip into submitted/ with their submission times; odd "
                                     "names and duplicates are reported, not imported")
    p.add_argument("assignment")
    p.add_argument("source", nargs="?", help="folder or .zip of notebooks")
    p.add_argument("--exchange", action="store_true", help="use nbgrader's exchange (JupyterHub) instead")
    p.add_argument("--roster", type=Path, help="roster CSV (student_id,name,email,lms_id) mapping Canvas and Moodle "
                                               "download names to student ids (default: course.toml's [course] roster)")
    p.add_argument("--times", type=Path, help="LMS export of submission times: a CSV with submitted_at (ISO 8601 with "
                                              "a time zone) and student_id or lms_id; without it the zip members' or "
                                              "files' dates are the submission times")

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

    p = step("export", cmd_export, "CSV of points per task, theory and totals, late penalties; shows pending manual "
                                   "grades")
    p.add_argument("--output", help="file to write (default grades.csv, or <lms>_grades.csv with --lms)")
    p.add_argument("--lms", choices=LMS_FORMATS, help="write the file an LMS gradebook imports instead: canvas = "
                                                      "Student,ID,SIS User ID,SIS Login ID,Section, then one column "
                                                      "per assignment (points after late penalties); needs a roster")
    p.add_argument("--roster", type=Path, help="roster CSV with the students' lms_id (default: course.toml's "
                                               "[course] roster)")

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
    """Run one step. An error of use (a UserError or one of NEXT_STEP's) is one line on stderr and exit status 2;
    any other exception is a bug and keeps its traceback."""
    args = build_parser().parse_args(argv)
    require_grader(f"dgm-grade {args.step}")
    try:
        return args.func(args)
    except (UserError, *NEXT_STEP) as error:
        next_step = next((f"; {hint}" for kind, hint in NEXT_STEP.items() if isinstance(error, kind)), "")
        message = " ".join(str(error).split())  # one line, whatever the message held
        print(f"dgm-grade {args.step}: {message}{next_step}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
