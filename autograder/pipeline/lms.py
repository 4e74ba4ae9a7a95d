"""Grades for an LMS gradebook: the CSV that Canvas's Grades > Import reads (`dgm-grade export --lms canvas`).

Canvas's import format (the layout of its own gradebook export):

    Student,ID,SIS User ID,SIS Login ID,Section,hw1 (123456),hw2
    "Smith, John",12345,,,,7.5,6

Student is the roster's name and ID the Canvas user id (the roster's lms_id), which is what Canvas matches rows on;
SIS User ID, SIS Login ID and Section are left empty. Then one column per assignment: "<hw> (<canvas_id>)" when
course.toml sets [assignments.<hw>] canvas_id, which updates exactly that Canvas assignment, else "<hw>", which
Canvas matches by name or offers to create as a new assignment. A cell holds the homework's points after the late
penalty (what `dgm-grade final` adds up), and is empty where the gradebook has no submission: Canvas leaves the grade
of an empty cell as it is. Every roster student with an lms_id gets a row, in roster order; a graded student who is
not in the roster or has no lms_id is reported, not written.
"""

from __future__ import annotations

from pathlib import Path

from autograder.errors import UserError
from autograder.pipeline.roster import Roster
from autograder.settings import load_settings

LMS_FORMATS = ("canvas",)
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def canvas_csv(root: Path, roster: Roster | None) -> tuple[str, list[str]]:
    """(the Canvas import CSV, problems: graded students it cannot place)."""
    from autograder.pipeline.reports import points_table, to_csv  # nbgrader's gradebook: not at the CLI's start

    if roster is None:
        raise UserError("a Canvas gradebook needs the students' Canvas ids; set [course] roster in course.toml (or "
                        "give --roster)")
    columns, rows = points_table(root)
    canvas_ids = load_settings(root).canvas_ids
    homework = [c.split(":")[0] for c in columns if c.endswith(":total")]
    header = {a: f"{a} ({canvas_ids[a]})" if a in canvas_ids else a for a in homework}
    graded = {r["student"]: r for r in rows}
    problems = [f"{s}: graded but not in the roster {roster.path}; not written" for s in graded
                if s not in roster.students]
    table = []
    for student in roster.students.values():
        row = graded.get(student.student_id, {})
        if not student.lms_id:
            if row:
                problems.append(f"{student.student_id}: graded but has no lms_id in {roster.path}; not written")
            continue
        entry = {"Student": student.name, "ID": student.lms_id, "SIS User ID": "", "SIS Login ID": "", "Section": ""}
        for a in homework:
            entry[header[a]] = row.get(f"{a}:after_penalty", row.get(f"{a}:total", ""))
        table.append(entry)
    return to_csv(CANVAS_COLUMNS + [header[a] for a in homework], table), problems
