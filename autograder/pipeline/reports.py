"""What comes out of grading: per-student feedback, the points table, exam scores and final course scores.

Feedback pages have a single writer, nbgrader's own generate_feedback. nbgrader_config.py makes FeedbackExporter the
exporter of its GenerateFeedback converter, so formgrader's "Generate Feedback" button, `nbgrader generate_feedback`
and `dgm-grade feedback` (write_feedback, which calls nbgrader's API) all write feedback/<student>/<hw>/<hw>.html
through the same code, from the same gradebook and stored results: whichever ran last, the page is the same. nbgrader
also copies the submission's timestamp.txt and submission_secret.txt next to the page, so `nbgrader release_feedback`
puts exactly this page into the exchange, under the name `nbgrader fetch_feedback` looks for. (A page of our own
under another file name would be released too, but never fetched: fetch_feedback only looks for pages named after
the notebooks the student submitted.) A notebook nbgrader could not autograde gets a stand-in autograded copy from
the gradebook stage (gradebook.py), so its student gets a page through the same flow.
"""

from __future__ import annotations

import csv
import glob
import html
import io
import math
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from nbconvert.exporters import Exporter
from nbgrader.api import Gradebook
from traitlets import default

from autograder.errors import UserError
from autograder.grading.notebook import TASK_PREFIX, TEXT_STUB, nbgrader_meta, read_notebook, task_points
from autograder.grading.results import ResultStore, SubmissionResult
from autograder.layout import exam_csv, feedback_page, source_notebook
from autograder.pipeline.autograde import submissions
from autograder.pipeline.collect import STUDENT_ID
from autograder.pipeline.gradebook import cell_rows, gradebook_rows, nbgrader_api
from autograder.pipeline.late import add_late_columns, late_sentence, lateness, penalty_columns, percent
from autograder.pipeline.math_html import text_html
from autograder.settings import load_settings

EXAM_MAX = 26.0


def final_score(total_points: float) -> float:
    """The course's final score: total points / 8 - 2."""
    return total_points / 8 - 2


# --- feedback -------------------------------------------------------------------------------------------------
@dataclass
class GradedCell:
    """One graded cell of an assignment as a student's feedback page shows it."""

    name: str  # a task's name (its check cell is task_<name>) or a theory question's grade_id
    max_score: float
    theory: bool  # a manually graded answer (markdown), else an autograded task
    score: float | None = None  # None: not graded yet
    answered: bool = True  # for theory: False where the answer is blank or still the stub
    comment: str | None = None  # what a TA wrote on the cell in formgrader

    @property
    def grade_id(self) -> str:
        return self.name if self.theory else TASK_PREFIX + self.name


def graded_cells(root: Path, assignment: str) -> list[GradedCell]:
    """The assignment's tasks and theory questions with their maximum points, in the order of the source
    notebook's cells (nothing scored yet)."""
    source = read_notebook(source_notebook(root, assignment))
    tasks = [GradedCell(name, points, theory=False) for name, points in task_points(source).items()]
    theory = [GradedCell(nbgrader_meta(cell)["grade_id"], float(nbgrader_meta(cell)["points"]), theory=True)
              for cell in source.cells if cell.cell_type == "markdown" and nbgrader_meta(cell).get("grade")]
    return tasks + theory


def is_answered(text: str | None) -> bool:
    """Whether a theory answer holds anything but whitespace and nbgrader's stub."""
    return text is not None and text.replace(TEXT_STUB, "").strip() != ""


def student_cells(root: Path, assignment: str, notebook, document: SubmissionResult | None, rows: list[dict]
                  ) -> list[GradedCell]:
    """Every graded cell with the student's score as the gradebook's `rows` (gradebook.cell_rows) hold it (what the
    export and final scores count; the stored result where the gradebook has no row), the TA's comment and whether
    `notebook`, the student's autograded copy, answers each theory question."""
    rows = {r["cell"]: r for r in rows}
    answers = {nbgrader_meta(cell).get("grade_id"): cell.source for cell in notebook.cells
               if cell.cell_type == "markdown"}
    cells = graded_cells(root, assignment)
    for cell in cells:
        row = rows.get(cell.grade_id)
        if row is not None:
            cell.score, cell.comment = (None if row["pending"] else row["score"]), row["comment"]
        elif not cell.theory:
            task = document.tasks.get(cell.name) if document else None
            cell.score = min(task.earned, cell.max_score) if task else 0.0
        if cell.theory:
            cell.answered = is_answered(answers.get(cell.grade_id))
    return cells


FEEDBACK_STYLE = ("body{font-family:sans-serif;max-width:52em;margin:2em auto;padding:0 1em;color:#222}"
                  "table{border-collapse:collapse}td,th{padding:.25em .6em;text-align:left;vertical-align:top}"
                  ".failed{color:#a00}.passed{color:#070}.fatal{border:2px solid #a00;padding:.6em 1em;color:#a00}"
                  ".comment{white-space:pre-wrap;font-style:italic}.none{color:#a00}.late{color:#a50}"
                  ".totals th{font-weight:normal}.totals tr:last-child{font-weight:bold}")


def feedback_html(student: str, assignment: str, document: SubmissionResult | None, cells: list[GradedCell],
                  late: str | None = None, late_fraction: float = 0.0) -> str:
    """One student's feedback page: the totals (and after `late_fraction` is taken off for late work, as `export`
    does), the late-work sentence (`late`, late.late_sentence), each task in notebook order with its checks' messages,
    each theory answer with its score and the TA's comment, and what the grader noticed in the notebook. A notebook
    that could not be graded gets one message, not one per task. The messages are the ones check authors wrote; no
    hidden input, reference value or test code appears. Math ($...$) in messages and comments shows as MathML."""
    e = html.escape
    tasks, theory = [c for c in cells if not c.theory], [c for c in cells if c.theory]

    def points(part: list[GradedCell]) -> str:
        return f"{sum(c.score or 0.0 for c in part):g} / {sum(c.max_score for c in part):g}"

    pending = [c.name for c in theory if c.score is None]
    fatal = document.fatal if document else None
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{e(assignment)}: {e(student)}"
             f"</title><style>{FEEDBACK_STYLE}</style></head><body>",
             f"<h1>{e(assignment)} — feedback for {e(student)}</h1>"]
    if fatal:
        parts.append(f"<p class='fatal'><b>Your notebook could not be graded:</b> {e(fatal)}<br>"
                     f"No task could be checked, so every autograded task scores 0.</p>")
    parts.append("<table class='totals'>"
                 f"<tr><th>Practice (autograded)</th><td>{points(tasks)}</td></tr>"
                 f"<tr><th>Theory (graded by the TAs)</th><td>{points(theory)}"
                 + (f" (not graded yet: {e(', '.join(pending))})" if pending else "") + "</td></tr>"
                 f"<tr><th>Total</th><td>{points(cells)}</td></tr>"
                 + (f"<tr><th>After the late penalty (−{percent(late_fraction)})</th><td>"
                    f"{sum(c.score or 0.0 for c in cells) * (1 - late_fraction):g} / "
                    f"{sum(c.max_score for c in cells):g}</td></tr>" if late_fraction else "") + "</table>")
    if late:
        parts.append(f"<p class='late'><b>Late work.</b> {e(late)}</p>")
    parts.append("<h2>Practice</h2>")
    for cell in tasks:
        parts.append(f"<h3>{e(cell.name)}: {cell.score or 0.0:g} / {cell.max_score:g}</h3>")
        result = document.tasks.get(cell.name) if document else None
        if result is None or not result.checks:
            if not fatal:
                parts.append("<p>No check of this task ran.</p>")
            continue
        parts.append("<table>")
        for record in result.checks:
            status = "passed" if record.passed else "failed"
            parts.append(f"<tr class='{status}'><td>{'✓' if record.passed else '✗'}</td>"
                         f"<td>{text_html(record.description)}</td><td>{record.earned:g} / {record.points:g}</td>"
                         f"<td>{text_html(record.message)}</td></tr>")
        parts.append("</table>")
    if theory:
        parts.append("<h2>Theory</h2><table><tr><th>Question</th><th>Points</th><th>Comment</th></tr>")
        for cell in theory:
            score = "not graded yet" if cell.score is None else f"{cell.score:g} / {cell.max_score:g}"
            notes = ([] if cell.answered else ["<span class='none'>no answer</span>"]) + (
                [f"<div class='comment'>{text_html(cell.comment)}</div>"] if cell.comment else [])
            parts.append(f"<tr><td>{e(cell.name)}</td><td>{score}</td><td>{''.join(notes)}</td></tr>")
        parts.append("</table>")
    if document and document.problems:
        parts.append("<h2>What the grader noticed in your notebook</h2><ul>")
        parts.extend(f"<li>{e(p)}</li>" for p in document.problems)
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def student_feedback(root: Path, assignment: str, student: str, notebook, rows: list[dict]) -> str:
    """The feedback page of one student, given the autograded copy of the student's notebook and the student's
    gradebook rows."""
    document = ResultStore(root, assignment).load(student)
    settings = load_settings(root)
    info = lateness(root, assignment, student, settings)
    return feedback_html(student, assignment, document, student_cells(root, assignment, notebook, document, rows),
                         late_sentence(info, settings.timezone), info.fraction if info else 0.0)


class FeedbackExporter(Exporter):
    """The exporter of nbgrader's GenerateFeedback (set in nbgrader_config.py): for each autograded notebook nbgrader
    hands it, the page is `student_feedback`'s, built from the stored result and the gradebook; the notebook itself
    is never rendered, so nothing of it but the theory answers' presence reaches the page."""

    output_mimetype = "text/html"

    @default("file_extension")
    def _file_extension_default(self):
        return ".html"

    def from_notebook_node(self, nb, resources=None, **kw):
        nb, resources = super().from_notebook_node(nb, resources, **kw)
        info = resources["nbgrader"]
        coursedir = self.parent.coursedir  # of the GenerateFeedback converter that made this exporter
        with Gradebook(info["db_url"], coursedir.course_id) as gb:
            rows = cell_rows(gb, info["assignment"], info["student"])
        return student_feedback(Path(coursedir.root), info["assignment"], info["student"], nb, rows), resources


def write_feedback(root: Path, assignment: str, student: str | None = None) -> list[Path]:
    """Run nbgrader's generate_feedback (the one writer of feedback pages) for every autograded submission of
    `assignment`, or one student's; returns the pages of the submissions that have one."""
    api = nbgrader_api(root)
    autograded = api.coursedir.format_path(api.coursedir.autograded_directory, student or "*", assignment)
    if not glob.glob(os.path.join(autograded, "*.ipynb")):
        raise UserError(f"no autograded submission of {assignment}" + (f" by {student}" if student else "")
                        + f" yet; run dgm-grade autograde {assignment} first")
    result = api.generate_feedback(assignment, student_id=student, force=True)
    if not result["success"]:
        detail = result.get("error") or result.get("log")
        raise RuntimeError(f"nbgrader generate_feedback {assignment} failed:\n{detail}")
    students = [student] if student else list(submissions(root, assignment))
    return [page for page in (feedback_page(root, s, assignment) for s in students) if page.exists()]


# --- the points table -----------------------------------------------------------------------------------------
def points_table(root: Path) -> tuple[list[str], list[dict]]:
    """Columns and rows: per student, each task's points, theory points, pending manual grades, homework totals;
    for a homework with a due date also days late, the late penalty and the points after it (late.py)."""
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
    return ["student", *add_late_columns(root, ordered, table)], table


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
        if not STUDENT_ID.fullmatch(student):
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
    """Per student: each homework's points, exam, total, pending manual grades, final = total / 8 - 2 and `missing`.

    A homework with no submission in the gradebook or an exam score never imported is an empty cell, named in
    `missing`, and counts as 0 in the total. A homework with a due date is followed by <hw>:late_penalty and
    <hw>:after_penalty (late.py), and the total counts the points after the penalty."""
    points_columns, rows = points_table(root)
    exam = load_exam(root)
    assignments = sorted({k.split(":")[0] for r in rows for k in r if k.endswith(":total")})
    students = sorted({r["student"] for r in rows} | set(exam))
    by_student = {r["student"]: r for r in rows}
    table = []
    for student in students:
        row = by_student.get(student, {})
        entry = {"student": student}
        for a in assignments:
            entry[a] = row.get(f"{a}:total", "")  # points_table's "" where the student has no row of `a`
            entry.update({c: row.get(c, "") for c in penalty_columns(points_columns, a)})
        entry["exam"] = exam.get(student, "")
        parts = [*assignments, "exam"]
        entry["total"] = sum(entry.get(f"{p}:after_penalty", entry[p]) or 0.0 for p in parts)  # after late penalties
        entry["pending"] = sum(int(row.get(f"{a}:pending") or 0) for a in assignments)
        entry["final"] = round(final_score(entry["total"]), 4)
        entry["missing"] = " ".join(p for p in parts if entry[p] == "")
        table.append(entry)
    homework = [c for a in assignments for c in (a, *penalty_columns(points_columns, a))]
    return ["student", *homework, "exam", "total", "pending", "final", "missing"], table


def final_notes(rows: list[dict]) -> list[str]:
    """What the instructor should know about a final table: grades still pending, scores missing."""
    notes = []
    if any(r["pending"] for r in rows):
        notes.append("'pending' counts theory answers not graded yet (counted as 0): grade them in formgrader")
    if any(r["missing"] for r in rows):
        notes.append("'missing' names an exam score never imported or a homework not in the gradebook (an empty cell, "
                     "counted as 0): import it with dgm-grade exam, or collect and autograde it")
    return notes
