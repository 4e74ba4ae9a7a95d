"""The only writer of nbgrader's gradebook: records stored results through nbgrader's own autograde.

Workers never open the database; this module runs in one process and writes one student at a time, each in
nbgrader's own transaction, so a killed run leaves the gradebook as it was before that student.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import signal
import threading
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

from autograder.grading.notebook import SubmissionError, read_notebook
from autograder.grading.results import ResultStore
from autograder.layout import grading_dir, submission_secret, submission_timestamp, submitted_notebook

RECORD_SECONDS = 120  # nbgrader's own autograde of one stored result (normally about a second)

# nbgrader 0.9.6 triggers SQLAlchemy autoflush warnings on every autograde; they say nothing about the grades.
warnings.filterwarnings("ignore", message=".*not in session.*")


def nbgrader_api(root: Path, **course_overrides) -> NbGraderAPI:
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    for key, value in course_overrides.items():
        setattr(config.CourseDirectory, key, value)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


class StageTimeout(BaseException):  # BaseException: nbgrader's API does not swallow it
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise StageTimeout in the main thread after `seconds` (no limit where signals cannot be used)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise StageTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def open_gradebook(api: NbGraderAPI) -> Gradebook:
    return Gradebook(api.coursedir.db_url, api.coursedir.course_id)


def ensure_assignment(root: Path, assignment: str, scratch: Path) -> None:
    """Put the assignment's cells into the gradebook (nbgrader generate_assignment into a scratch release)."""
    api = nbgrader_api(root, release_directory=str(scratch))
    result = api.generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader could not register {assignment}:\n{result.get('error') or result.get('log')}")


class GradebookWriter:
    def __init__(self, root: Path, assignment: str):
        self.root, self.assignment = Path(root), assignment
        self.api = nbgrader_api(self.root)
        self.store = ResultStore(self.root, assignment)
        self.markers = grading_dir(self.root, assignment) / "recorded"
        self.markers.mkdir(exist_ok=True)

    def _fingerprint(self, student: str) -> str:
        return hashlib.sha256(self.store.path(student).read_bytes()).hexdigest()

    def _in_gradebook(self, student: str) -> bool:
        with open_gradebook(self.api) as gb:
            try:
                gb.find_submission(self.assignment, student)
                return True
            except MissingEntry:
                return False

    def is_recorded(self, student: str) -> bool:
        marker = self.markers / student
        return marker.exists() and marker.read_text() == self._fingerprint(student) and self._in_gradebook(student)

    def record(self, student: str) -> str | None:
        """Record the stored result of `student`; returns an error message when nbgrader could not read the
        notebook (it then gets zero points for every autograded task and nothing to grade by hand)."""
        results = self.store.load(student)
        problem = None
        notebook = submitted_notebook(self.root, student, self.assignment)
        try:
            read_notebook(notebook)  # what nbgrader could not read, or would take minutes on, never reaches it
            with time_limit(RECORD_SECONDS):
                success = self.api.autograde(self.assignment, student, force=True, create=True)["success"]
            failure = "nbgrader could not process the notebook"
        except SubmissionError as error:
            success, failure = False, str(error)
        except StageTimeout:
            success, failure = False, f"nbgrader took longer than {RECORD_SECONDS} s to record the notebook"
        if not success:
            problem = (results.fatal if results else None) or failure
            self._record_zero(student)
            self._stand_in_for_autograded(student, problem)
        (self.markers / student).write_text(self._fingerprint(student))
        return problem

    def _stand_in_for_autograded(self, student: str, problem: str) -> None:
        """Where nbgrader's autograde failed, leave what it leaves in autograded/<student>/<assignment>/: a notebook
        (one cell telling the TA in formgrader why nothing was graded) and the submission's timestamp and secret, so
        nbgrader's generate_feedback and release_feedback reach this student too (the page comes from the stored
        result, not from this notebook)."""
        coursedir = self.api.coursedir
        folder = Path(coursedir.format_path(coursedir.autograded_directory, student, self.assignment))
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for path in (submission_timestamp(self.root, student, self.assignment),
                     submission_secret(self.root, student, self.assignment)):
            if path.is_file():
                shutil.copy(path, folder / path.name)
        cell = nbformat.v4.new_markdown_cell(f"nbgrader could not autograde this submission; every autograded task "
                                             f"scores 0. Why: {problem}")
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), folder / f"{self.assignment}.ipynb")

    def _record_zero(self, student: str) -> None:
        with open_gradebook(self.api) as gb:
            gb.update_or_create_student(student)
            submission = gb.update_or_create_submission(self.assignment, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score = 0.0
                    grade.manual_score = None
                    grade.needs_manual_grade = False
            gb.db.commit()


def gradebook_rows(root: Path, assignment: str | None = None, student: str | None = None) -> list[dict]:
    """One row per (student, assignment, graded cell) from the course's gradebook (see `cell_rows`)."""
    with open_gradebook(nbgrader_api(root)) as gb:
        return cell_rows(gb, assignment, student)


def cell_rows(gb: Gradebook, assignment: str | None = None, student: str | None = None) -> list[dict]:
    """One row per (student, assignment, graded cell) of an open gradebook: scores, maxima, pending manual grades
    and the comment a TA wrote on the cell in formgrader (None when there is none); only one assignment's and one
    student's rows when they are given."""
    rows = []
    for entry in gb.assignments:
        if assignment not in (None, entry.name):
            continue
        for submission in entry.submissions:
            if student not in (None, submission.student.id):
                continue
            for notebook in submission.notebooks:
                comments = {comment.name: comment.manual_comment for comment in notebook.comments}
                for grade in notebook.grades:
                    rows.append({
                        "student": submission.student.id, "assignment": entry.name, "cell": grade.name,
                        "score": float(grade.score or 0.0), "max_score": float(grade.max_score),
                        "pending": bool(grade.needs_manual_grade), "manual": grade.cell.cell_type == "markdown",
                        "comment": comments.get(grade.name) or None,
                    })
    return rows

