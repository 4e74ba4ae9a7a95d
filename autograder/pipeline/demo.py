"""The main job: the instructor's whole pipeline on bundled example submissions, from a clean state.

In demo_output/course (a fresh course directory that links to this repository's solutions/ and autograder/) it
releases every homework, builds a class of example submissions per homework (the reference, the untouched release, a
partly correct notebook, corrupt JSON, an infinite loop, a failing import, JSON that is not a notebook), collects,
autogrades with parallel workers, writes feedback, imports exam scores (with bad rows), and prints the gradebook and
the final scores. It exits 1 if the reference does not get full practice marks or the release gets any.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

from autograder.grading.results import ResultStore, SubmissionResult
from autograder.layout import assignments, course_root, feedback_page, gradebook_path, nbgrader
from autograder.pipeline.autograde import autograde
from autograder.pipeline.collect import collect
from autograder.pipeline.examples import demo_submissions
from autograder.pipeline.gradebook import gradebook_rows
from autograder.pipeline.reports import (
    final_notes,
    final_table,
    format_table,
    points_table,
    read_exam_csv,
    save_exam,
    to_csv,
    write_feedback,
)

DEMO_EXAM = """student_id,score
reference,24
partial,17.5
untouched,9
infinite-loop,20
ghost,12
raises-at-import,thirty
"""


def student_summary(document: SubmissionResult) -> str:
    """One line: points, then why the notebook could not be graded, or what it lost points for."""
    if document.fatal:
        return f"0 points: {document.fatal}"
    failed = [f"{c.description}: {c.message}" for t in document.tasks.values() for c in t.checks if not c.passed]
    notes = document.problems + failed
    summary = f"{document.earned:g} / {document.points:g} practice points"
    return summary + (f"; {len(notes)} note(s), first: {notes[0]}" if notes else "")


def make_course(repo: Path, course: Path) -> None:
    if course.parent.exists():
        shutil.rmtree(course.parent)
    course.mkdir(parents=True)
    shutil.copy(repo / "nbgrader_config.py", course)
    for folder in ("solutions", "autograder"):
        (course / folder).symlink_to(repo / folder, target_is_directory=True)


def run_demo(output: Path = Path("demo_output"), workers: int = 2) -> int:
    repo = course_root(Path(__file__).resolve().parent)
    output = Path(output).resolve()
    course = output / "course"
    make_course(repo, course)
    ok = True
    for assignment in assignments(repo):
        print(f"== {assignment}: release")
        nbgrader(course, "generate_assignment", assignment, "--force")
        bugs = importlib.import_module(f"autograder.{assignment}.bugs")
        inbox = output / "inbox" / assignment
        inbox.mkdir(parents=True)
        for student, content in demo_submissions(course, assignment, bugs.BUGS, bugs.PARTIAL,
                                                 bugs.INFINITE_LOOP).items():
            (inbox / f"{student}.ipynb").write_bytes(content)
        (inbox / "bob (1).ipynb").write_bytes((inbox / "reference.ipynb").read_bytes())
        print(f"== {assignment}: collect {inbox}")
        report = collect(course, assignment, inbox)
        print(f"imported {len(report.imported)}; not imported: {report.problems}")
        print(f"== {assignment}: autograde with {workers} workers")
        graded = autograde(course, assignment, workers=workers)
        for student, problem in sorted(graded.problems.items()):
            print(f"  {student}: {problem}")
        write_feedback(course, assignment)
        print(f"== {assignment}: what each student is told (also in feedback/<student>/{assignment}/)")
        store = ResultStore(course, assignment)
        for student in sorted(report.imported):
            print(f"  {student}: {student_summary(store.load(student))}")
        practice = {r["student"]: 0.0 for r in gradebook_rows(course)}
        for r in gradebook_rows(course):
            if r["assignment"] == assignment and not r["manual"]:
                practice[r["student"]] += r["score"]
        maximum = sum(r["max_score"] for r in gradebook_rows(course)
                      if r["assignment"] == assignment and not r["manual"] and r["student"] == "reference")
        if practice.get("reference") != maximum or practice.get("untouched") != 0:
            ok = False
            print(f"!! expected reference = {maximum:g} and untouched = 0, got {practice}")

    print("\n== exam scores")
    exam = read_exam_csv(DEMO_EXAM, {r["student"] for r in gradebook_rows(course)})
    save_exam(course, exam.scores)
    for problem in exam.problems:
        print(f"  bad row: {problem}")

    print("\n== gradebook (dgm-grade export)")
    columns, rows = points_table(course)
    (course / "grades.csv").write_text(to_csv(columns, rows))
    print(format_table(columns, rows))
    print("\n== final scores (dgm-grade final)")
    columns, rows = final_table(course)
    (course / "final_scores.csv").write_text(to_csv(columns, rows))
    print(format_table(columns, rows))
    for note in final_notes(rows):
        print(note)
    print(f"\nfeedback: {feedback_page(course, '<student>', '<assignment>').parent}/; gradebook: "
          f"{gradebook_path(course)}")
    return 0 if ok else 1
