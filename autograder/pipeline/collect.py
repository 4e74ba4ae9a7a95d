"""Importing student notebooks into nbgrader's submitted/<student>/<assignment>/ layout.

Accepted: a folder or a .zip holding `<student_id>.ipynb` files, or `<student_id>/<anything>.ipynb` folders with one
notebook each. Student ids are letters, digits, '.', '_' and '-'. Anything else (odd names such as
"alice (1).ipynb" or "Copy of bob.ipynb", two notebooks for one student, ids differing only in case) is reported and
skipped, never guessed. Zip members are read by name and never extracted, so a hostile archive cannot write outside
submitted/.

LMS bulk downloads (Canvas's smithjohn_12345_678901_hw1.ipynb, Moodle's "John Smith_12345_assignsubmission_file_/")
are mapped to student ids through the course's roster (autograder/pipeline/roster.py); without a roster they are
reported as needing one. With a roster, a plain <student_id> that is not in it is reported too.

Each submission's timestamp.txt holds when it was submitted, never when it was collected: the time from an LMS export
(`times`), else the zip member's date, else the file's modification time (autograder/pipeline/times.py).
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path, PurePosixPath

from autograder.errors import UserError
from autograder.grading.notebook import MAX_NOTEBOOK_BYTES, SubmissionError, read_notebook
from autograder.layout import submission_secret, submitted_notebook
from autograder.pipeline.late import lateness
from autograder.pipeline.roster import STUDENT_ID, Roster, course_roster, lms_name, student_for
from autograder.pipeline.times import file_time, read_times_csv, write_timestamp, zip_member_time
from autograder.settings import load_settings

__all__ = ["STUDENT_ID", "CollectReport", "collect", "collect_from_exchange"]


@dataclass
class CollectReport:
    imported: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # not imported, or imported but unreadable
    notes: list[str] = field(default_factory=list)  # imported, but their submission times deserve a look
    times_from: str = ""  # where the submission times came from


SYMLINK = object()  # the reader of a candidate that is a symbolic link: never read


def _candidates(source: Path, zone: tzinfo) -> list[tuple[str, str, callable, datetime | None]]:
    """(display name, path inside the source, reader, modification time) for every notebook-looking file; zip
    dates without a zone are read in `zone`."""
    found = []
    if source.is_dir():
        for path in sorted(source.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            rel = path.relative_to(source).as_posix()
            if path.is_symlink() or source.resolve() not in path.resolve().parents:
                found.append((rel, rel, SYMLINK, None))  # could point at any file of the TA's machine
                continue
            reader = path.read_bytes if path.stat().st_size <= MAX_NOTEBOOK_BYTES else None
            found.append((rel, rel, reader, file_time(path)))
    elif zipfile.is_zipfile(source):
        archive = zipfile.ZipFile(source)
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or not name.endswith(".ipynb") or "__MACOSX" in name or ".ipynb_checkpoints" in name:
                continue
            reader = (lambda n=name: archive.read(n)) if info.file_size <= MAX_NOTEBOOK_BYTES else None
            found.append((name, name, reader, zip_member_time(info, zone)))
    else:
        what = "is neither a folder nor a zip file" if source.exists() else "does not exist"
        raise UserError(f"{source} {what}; give the folder or .zip that holds the <student_id>.ipynb files")
    return found


def _student_id(relative: str) -> str | None:
    parts = PurePosixPath(relative).parts
    if len(parts) == 1:
        return PurePosixPath(parts[0]).stem
    if len(parts) == 2:
        return parts[0]
    return None


def _identify(relative: str, roster: Roster | None) -> tuple[str | None, str | None]:
    """(student id, None), or (None, why the name does not tell)."""
    name = lms_name(relative)
    if name is not None:
        return student_for(name, roster)
    student = _student_id(relative)
    if student is None or not STUDENT_ID.fullmatch(student):
        return None, ("cannot tell the student id from this name (expected <student_id>.ipynb or "
                      "<student_id>/<name>.ipynb)")
    if roster is not None and student not in roster.students:
        return None, f"{student} is not a student_id of {roster.path}"
    return student, None


def _times_from(source: Path, times: Path | None) -> str:
    if times is not None:
        return f"{times} (files missing from it: their file dates)"
    if source.is_dir():
        return "the files' modification times (the weakest source: copying a file resets it)"
    return "the zip members' dates"


def collect(root: Path, assignment: str, source: Path, roster: Path | None = None,
            times: Path | None = None) -> CollectReport:
    """Copy the notebooks in `source` to submitted/<student>/<assignment>/<assignment>.ipynb with the time each was
    submitted. `roster` overrides course.toml's [course] roster; `times` is an LMS export of submission times
    (times.read_times_csv), which wins over the files' own dates."""
    source, settings = Path(source), load_settings(root)
    class_list = course_roster(root, roster)
    submitted_at, problems = read_times_csv(times, class_list) if times else ({}, [])
    report = CollectReport(problems=problems, times_from=_times_from(source, times))
    by_student: dict[str, list[tuple[str, callable, datetime | None]]] = defaultdict(list)
    for display, relative, reader, modified in _candidates(source, settings.timezone):
        student, problem = _identify(relative, class_list)
        if reader is SYMLINK:
            report.problems.append(f"{display}: a symbolic link, skipped (collect the student's own file)")
        elif reader is None:
            report.problems.append(f"{display}: larger than {MAX_NOTEBOOK_BYTES // 2**20} MB, skipped")
        elif problem:
            report.problems.append(f"{display}: {problem}, skipped")
        else:
            by_student[student].append((display, reader, modified))
    folded: dict[str, list[str]] = defaultdict(list)
    for student in by_student:
        folded[student.lower()].append(student)
    for variants in folded.values():
        if len(variants) > 1:
            report.problems.append(f"ids {', '.join(sorted(variants))} differ only in case: none imported")
            for student in variants:
                by_student.pop(student)
    for student, files in sorted(by_student.items()):
        if len(files) > 1:
            report.problems.append(f"{student}: {len(files)} notebooks ({', '.join(f[0] for f in files)}), none "
                                   f"imported; keep one")
            continue
        display, reader, modified = files[0]
        folder = submitted_notebook(root, student, assignment).parent
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{assignment}.ipynb").write_bytes(reader())
        write_timestamp(root, student, assignment, submitted_at.get(student, modified))
        secret = submission_secret(root, student, assignment)
        if not secret.exists():  # nbgrader's release_feedback needs one for every page (fetching needs the exchange)
            secret.write_text(secrets.token_hex(16))
        report.imported.append(student)
        report.notes.extend(_time_notes(root, assignment, student, display, times, submitted_at, modified))
        try:
            read_notebook(folder / f"{assignment}.ipynb")
        except SubmissionError as error:  # imported all the same: the student is told why it scores nothing
            report.problems.append(f"{student}: {error}")
    return report


def _time_notes(root: Path, assignment: str, student: str, display: str, times: Path | None,
                submitted_at: dict[str, datetime], modified: datetime | None) -> list[str]:
    """What to check about one imported submission's time."""
    if student in submitted_at:
        return []
    if modified is None:
        return [f"{student}: {display} has no valid date, so its submission time is unknown (counted as on time)"]
    if times is not None:
        return [f"{student}: not in {times}; the time of {display} is used"]
    name = lms_name(display)
    info = lateness(root, assignment, student) if name is not None and name.late else None
    if info is not None and not info.days:
        return [f"{student}: Canvas marks {display} LATE, but its time is not after the due date: the files' dates "
                f"may not be submission times (give the LMS's times with --times)"]
    return []


def collect_from_exchange(root: Path, assignment: str) -> str:
    """On JupyterHub: nbgrader's own `nbgrader collect` from its exchange."""
    result = subprocess.run([sys.executable, "-m", "nbgrader", "collect", assignment], cwd=root,
                            capture_output=True, text=True)
    if result.returncode:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise UserError(f"nbgrader collect {assignment} failed: {lines[-1] if lines else 'no output'}; check the "
                        "exchange (nbgrader's Exchange.root) and the assignment's name, then run again")
    return result.stdout + result.stderr

