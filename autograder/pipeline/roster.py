"""The class list, and the LMS download names it maps to student ids.

The roster is a CSV file named by course.toml's [course] roster (or `dgm-grade collect --roster`), with the header

    student_id,name,email,lms_id

student_id is the course's id (letters, digits, '.', '_', '-'; the submitted/<student_id>/ folder), name the full
name as the LMS shows it, lms_id the student's Canvas user id (the ID column of a Canvas gradebook export; empty
for a student not on the LMS). Other columns are ignored. A bad roster stops the command with one line naming the
row (RosterError): a student silently missing from it would lose their submission.

LMS bulk downloads name files after the LMS's user, never after the course's id:

    Canvas   smithjohn_12345_678901_hw1.ipynb, smithjohn_LATE_12345_678901_hw1.ipynb
             (<user name>_[LATE_]<Canvas user id>_<submission id>_<file name as uploaded>): matched on lms_id.
    Moodle   John Smith_12345_assignsubmission_file_/hw1.ipynb, or the same prefix on the file's own name
             (<full name>_<participant id>_assignsubmission_<plugin>_): Moodle's participant id differs for every
             assignment, so these are matched on the full name, which must equal exactly one roster name
             (ignoring case and spacing).

A name that matches no roster row (or two) is reported with its file, never guessed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.errors import UserError
from autograder.settings import load_settings

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # use fullmatch: `$` would let "alice\n" through
ROSTER_COLUMNS = ("student_id", "name", "email", "lms_id")
CANVAS_NAME = re.compile(r"^(?P<user>[^_/]+)_(?P<late>LATE_)?(?P<lms_id>\d+)_(?P<submission>\d+)_(?P<file>.+)$")
MOODLE_NAME = re.compile(r"^(?P<name>.+?)_(?P<participant>\d+)_assignsubmission_[a-z]+_(?P<file>.*)$")


class RosterError(UserError):
    """The roster file is missing or malformed; the message names the file and the row."""


@dataclass(frozen=True)
class Student:
    student_id: str
    name: str
    email: str
    lms_id: str


@dataclass
class Roster:
    path: Path
    students: dict[str, Student] = field(default_factory=dict)  # student_id -> row, in file order

    def by_lms_id(self, lms_id: str) -> Student | None:
        return next((s for s in self.students.values() if s.lms_id and s.lms_id == lms_id), None)

    def by_name(self, name: str) -> list[Student]:
        key = _name_key(name)
        return [s for s in self.students.values() if _name_key(s.name) == key]


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def read_roster(path: Path) -> Roster:
    """The roster at `path`; RosterError (one line) when it is missing, lacks a column or has a bad row."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets write a byte-order mark
    except FileNotFoundError:
        raise RosterError(f"roster {path} does not exist; write it (columns {','.join(ROSTER_COLUMNS)}) or fix "
                          f"[course] roster in course.toml") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"roster {path} cannot be read ({error}); save it as UTF-8 CSV") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ROSTER_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise RosterError(f"roster {path} has no column {', '.join(missing)}; its first line must be "
                          f"{','.join(ROSTER_COLUMNS)}")
    roster, lms_ids = Roster(path), {}
    for number, row in enumerate(reader, start=2):
        values = {c: (row.get(c) or "").strip() for c in ROSTER_COLUMNS}
        if not any(values.values()):
            continue
        student = Student(**values)
        where = f"roster {path} line {number}"
        if not STUDENT_ID.fullmatch(student.student_id):
            raise RosterError(f"{where}: {student.student_id!r} is not a student id; use letters, digits, '.', '_' "
                              f"and '-'")
        if student.student_id in roster.students:
            raise RosterError(f"{where}: student {student.student_id} appears twice; keep one row per student")
        if student.lms_id and student.lms_id in lms_ids:
            raise RosterError(f"{where}: lms_id {student.lms_id} is also {lms_ids[student.lms_id]}'s; each LMS user "
                              f"belongs to one student")
        roster.students[student.student_id] = student
        lms_ids[student.lms_id] = student.student_id
    return roster


@dataclass(frozen=True)
class LmsName:
    """What an LMS download's file name says about its student."""

    lms: str  # "Canvas" or "Moodle"
    key: str  # the Canvas user id, or Moodle's full name
    late: bool = False  # Canvas marked the submission LATE


def lms_name(relative: str) -> LmsName | None:
    """The LMS naming of a path inside a download (relative, '/'-separated), or None for a plain name."""
    parts = PurePosixPath(relative).parts
    if not parts:
        return None
    moodle = MOODLE_NAME.match(parts[0])
    if moodle:
        return LmsName("Moodle", " ".join(moodle["name"].split()))
    canvas = CANVAS_NAME.match(parts[0]) if len(parts) == 1 else None
    if canvas:
        return LmsName("Canvas", canvas["lms_id"], late=bool(canvas["late"]))
    return None


def student_for(name: LmsName, roster: Roster | None) -> tuple[str | None, str | None]:
    """(student id, None), or (None, why it cannot be told) for an LMS name."""
    what = f"Canvas user id {name.key}" if name.lms == "Canvas" else f"Moodle name {name.key!r}"
    if roster is None:
        return None, (f"a {name.lms} download name ({what}): set [course] roster in course.toml (or give --roster) "
                      f"to map it to a student id")
    if name.lms == "Canvas":
        student = roster.by_lms_id(name.key)
        return (student.student_id, None) if student else (None, f"{what} is in no lms_id of {roster.path}")
    matches = roster.by_name(name.key)
    if len(matches) == 1:
        return matches[0].student_id, None
    if matches:
        return None, (f"{what} is the name of {', '.join(s.student_id for s in matches)} in {roster.path}; rename "
                      f"the file to <student_id>.ipynb")
    return None, f"{what} is in no name of {roster.path}"


def course_roster(root: Path, path: Path | None = None) -> Roster | None:
    """The roster at `path`, else the one course.toml's [course] roster names, else None (the course has none)."""
    settings = load_settings(root)
    path = path or settings.roster
    if not path:
        return None
    roster = read_roster(path)
    strangers = sorted(set(settings.extensions) - set(roster.students))
    if strangers:
        raise RosterError(f"course.toml gives extensions to {', '.join(strangers)}, not in the roster {path}; fix "
                          "the student id in [extensions.<student_id>] or add the student to the roster")
    return roster
