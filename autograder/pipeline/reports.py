"""What comes out of grading: per-student feedback, the points table, exam scores and final course scores."""

from __future__ import annotations

import csv
import html
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.notebook import TASK_PREFIX
from autograder.grading.results import ResultStore, SubmissionResult
from autograder.layout import exam_csv, feedback_page
from autograder.pipeline.autograde import submissions
from autograder.pipeline.collect import STUDENT_ID
from autograder.pipeline.gradebook import gradebook_rows

EXAM_MAX = 26.0


def final_score(total_points: float) -> float:
    """The course's final score: total points / 8 - 2."""
    return total_points / 8 - 2


# --- feedback -------------------------------------------------------------------------------------------------
def feedback_html(student: str, assignment: str, document: SubmissionResult, manual: list[dict]) -> str:
    """One student's feedback: points and messages per task, theory scores, notebook problems. The messages are
    the ones check authors wrote; no hidden input, reference value or test code appears."""
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(assignment)}: {e(student)}</title>",
             "<style>body{font-family:sans-serif;max-width:52em;margin:2em auto}td,th{padding:.2em .6em;"
             "text-align:left}.failed{color:#a00}.passed{color:#070}</style></head><body>",
             f"<h1>{e(assignment)} — feedback for {e(student)}</h1>"]
    if document.fatal:
        parts.append(f"<p class='failed'><b>Your notebook could not be graded:</b> {e(document.fatal)}</p>")
    auto = sum(t.earned for t in document.tasks.values())
    theory = sum(m["score"] for m in manual)
    pending = [m["cell"] for m in manual if m["pending"]]
    parts.append(f"<p>Practice (autograded): <b>{auto:g}</b> points. Theory: <b>{theory:g}</b> points"
                 + (f" (not graded yet: {e(', '.join(pending))})" if pending else "") + ".</p>")
    for name, task in document.tasks.items():
        parts.append(f"<h2>{e(name)}: {task.earned:g} / {task.points:g}</h2><table>")
        for record in task.checks:
            status = "passed" if record.passed else "failed"
            parts.append(f"<tr class='{status}'><td>{'✓' if record.passed else '✗'}</td>"
                         f"<td>{e(record.description)}</td><td>{record.earned:g} / {record.points:g}</td>"
                         f"<td>{e(record.message)}</td></tr>")
        parts.append("</table>")
    if manual:
        parts.append("<h2>Theory</h2><table>")
        for m in manual:
            score = "pending" if m["pending"] else f"{m['score']:g} / {m['max_score']:g}"
            parts.append(f"<tr><td>{e(m['cell'])}</td><td>{score}</td></tr>")
        parts.append("</table>")
    if document.problems:
        parts.append("<h2>What the grader noticed in your notebook</h2><ul>")
        parts.extend(f"<li>{e(p)}</li>" for p in document.problems)
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_feedback(root: Path, assignment: str) -> list[Path]:
    """feedback/<student>/<assignment>/<assignment>.html for every graded student (nbgrader's feedback layout)."""
    store = ResultStore(root, assignment)
    manual_by_student = defaultdict(list)
    for row in gradebook_rows(root):
        if row["assignment"] == assignment and row["manual"]:
            manual_by_student[row["student"]].append(row)
    written = []
    for student in submissions(root, assignment):
        document = store.load(student)
        if document is None:
            continue
        path = feedback_page(root, student, assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(feedback_html(student, assignment, document, manual_by_student[student]), encoding="utf-8")
        written.append(path)
    return written


# --- the points table -----------------------------------------------------------------------------------------
def points_table(root: Path) -> tuple[list[str], list[dict]]:
    """Columns and rows: per student, each task's points, theory points, pending manual grades, homework totals."""
    rows: dict[str, dict] = defaultdict(dict)
    columns: dict[str, None] = {}
    for r in sorted(gradebook_rows(root), key=lambda r: (r["assignment"], r["cell"])):
        row, a = rows[r["student"]], r["assignment"]
        if r["manual"]:
            row[f"{a}:theory"] = row.get(f"{a}:theory", 0.0) + r["score"]
            row[f"{a}:pending"] = row.get(f"{a}:pending", 0) + int(r["pending"])
            keys = [f"{a}:theory", f"{a}:pending"]
        else:
            name = r["cell"].removeprefix(TASK_PREFIX)
            row[f"{a}:{name}"] = r["score"]
            keys = [f"{a}:{name}"]
        row[f"{a}:total"] = row.get(f"{a}:total", 0.0) + r["score"]
        for key in keys + [f"{a}:total"]:
            columns[key] = None
    ordered = sorted(columns, key=lambda c: (c.split(":")[0], c.endswith(":total"), c.endswith(":pending"),
                                             c.endswith(":theory"), c))
    table = [{"student": s, **{c: rows[s].get(c, "") for c in ordered}} for s in sorted(rows)]
    return ["student", *ordered], table


def to_csv(columns: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v) for k, v in row.items()})
    return buffer.getvalue()


def format_table(columns: list[str], rows: list[dict]) -> str:
    cells = [[str(c) for c in columns]] + [[f"{r[c]:g}" if isinstance(r[c], float) else str(r[c]) for c in columns]
                                           for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells)


# --- exam and final scores ------------------------------------------------------------------------------------
@dataclass
class ExamImport:
    scores: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_exam_csv(text: str, known_students: set[str] | None = None) -> ExamImport:
    """Rows `student_id,score` (a header line is optional); score in [0, 26]. Bad rows are reported, not imported."""
    result = ExamImport()
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if number == 1 and row[0].strip().lower() in ("student", "student_id", "id"):
            continue
        if len(row) != 2:
            result.problems.append(f"row {number}: expected 2 columns (student_id,score), got {len(row)}")
            continue
        student, raw = row[0].strip(), row[1].strip()
        try:
            score = float(raw)
        except ValueError:
            result.problems.append(f"row {number} ({student}): score {raw!r} is not a number")
            continue
        if not STUDENT_ID.match(student):
            result.problems.append(f"row {number}: {student!r} is not a valid student id")
        elif not math.isfinite(score) or not 0 <= score <= EXAM_MAX:
            result.problems.append(f"row {number} ({student}): score {raw} is outside 0..{EXAM_MAX:g}")
        elif student in result.scores:
            result.problems.append(f"row {number}: {student} appears again; the first score is kept")
        elif known_students is not None and student not in known_students:
            result.problems.append(f"row {number}: {student} is not a student of the course (not in the gradebook)")
        else:
            result.scores[student] = score
    return result


def save_exam(root: Path, scores: dict[str, float]) -> None:
    path = exam_csv(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(to_csv(["student", "exam"], [{"student": s, "exam": v} for s, v in sorted(scores.items())]))
    tmp.replace(path)


def load_exam(root: Path) -> dict[str, float]:
    path = exam_csv(root)
    if not path.exists():
        return {}
    return {row["student"]: float(row["exam"]) for row in csv.DictReader(path.open())}


def final_table(root: Path) -> tuple[list[str], list[dict]]:
    """Per student: each homework's points, exam, total, pending manual grades and final = total / 8 - 2."""
    _, rows = points_table(root)
    exam = load_exam(root)
    assignments = sorted({k.split(":")[0] for r in rows for k in r if k.endswith(":total")})
    students = sorted({r["student"] for r in rows} | set(exam))
    by_student = {r["student"]: r for r in rows}
    table = []
    for student in students:
        row = by_student.get(student, {})
        entry = {"student": student}
        for a in assignments:
            entry[a] = float(row.get(f"{a}:total") or 0.0)
        entry["exam"] = exam.get(student, 0.0)
        entry["total"] = sum(entry[a] for a in assignments) + entry["exam"]
        entry["pending"] = sum(int(row.get(f"{a}:pending") or 0) for a in assignments)
        entry["final"] = round(final_score(entry["total"]), 4)
        table.append(entry)
    return ["student", *assignments, "exam", "total", "pending", "final"], table
