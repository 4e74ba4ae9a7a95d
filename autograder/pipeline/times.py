"""When a student submitted: taken from the submission's source, kept as nbgrader's timestamp.txt.

Collection time never counts. The sources, strongest first:

    nbgrader's exchange   timestamp.txt written by `nbgrader submit` on the student's side (`collect --exchange`)
    an LMS export         a CSV with submitted_at per student_id or lms_id (`collect --times`), e.g. from the
                          LMS's submissions API or report
    a zip member's date   the UTC time of the member's extended-timestamp (0x5455) or NTFS (0x000a) field, else
                          its DOS date and time, which carry no zone and are read in course.toml's [course] timezone
    a file's mtime        the weakest (collecting from a folder): copying or downloading a file again resets it;
                          `unzip` keeps a zip's dates

timestamp.txt is written in nbgrader's format (Exchange.timestamp_format, in UTC), so nbgrader's autograde records
the same moment in the gradebook and formgrader shows it.
"""

from __future__ import annotations

import csv
import io
import os
import re
import struct
import zipfile
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from autograder.errors import UserError
from autograder.layout import submission_timestamp
from autograder.pipeline.roster import Roster
from autograder.settings import load_settings, to_moment

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's default Exchange.timestamp_format
EXTENDED_TIMESTAMP, NTFS = 0x5455, 0x000A  # zip extra-field tags (APPNOTE.TXT 4.5.5, Info-ZIP extra fields)
NTFS_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


def format_timestamp(moment: datetime) -> str:
    """`moment` as nbgrader writes timestamp.txt: '2025-03-01 22:59:00.000000 UTC'."""
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def write_timestamp(root: Path, student: str, assignment: str, moment: datetime | None) -> None:
    """Record when `student` submitted; None removes an earlier record (the time is unknown)."""
    path = submission_timestamp(root, student, assignment)
    if moment is None:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(format_timestamp(moment))
    os.replace(tmp, path)


def read_timestamp(root: Path, student: str, assignment: str) -> datetime | None:
    """When `student` submitted `assignment` (aware, UTC), None when no timestamp.txt; UserError when unreadable.

    Read with nbgrader's own parser, so this is the moment nbgrader records in the gradebook."""
    from nbgrader.utils import parse_utc

    path = submission_timestamp(root, student, assignment)
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    try:
        local = _in_course_zone(root, text, path)
        return local.astimezone(UTC) if local else parse_utc(text).replace(tzinfo=UTC)
    except (ValueError, OverflowError, AttributeError):
        raise UserError(f"{path} holds {text[:60]!r}, not a time; collect the submission again or write the time "
                        f"as {format_timestamp(datetime(2025, 3, 1, 22, 59, tzinfo=UTC))!r}") from None


def _in_course_zone(root: Path, text: str, path: Path) -> datetime | None:
    """A time whose zone is an abbreviation that names no zone on its own (nbgrader writes CEST, EDT, PST with a
    summer-time Exchange.timezone; its parser would take them as UTC): read in course.toml's timezone, whose
    abbreviation at that moment must be the one written. None for times nbgrader's parser reads right."""
    from dateutil import parser, tz

    parts = text.split()
    if len(parts) != 3 or parts[2] == "UTC" or re.fullmatch(r"[+-]?\d{4}", parts[2]) or tz.gettz(parts[2]):
        return None
    zone = load_settings(root).timezone
    local = parser.parse(" ".join(parts[:2])).replace(tzinfo=zone)
    if local.tzname() != parts[2]:
        raise UserError(f"{path} gives its time in {parts[2]!r}, which names no time zone on its own and is not "
                        f"course.toml's timezone then ({local.tzname()}); set [course] timezone to the exchange's "
                        "zone (nbgrader's Exchange.timezone), e.g. \"Europe/Berlin\"")
    return local


def file_time(path: Path) -> datetime:
    """A file's modification time (the weakest source)."""
    return datetime.fromtimestamp(Path(path).stat().st_mtime, UTC)


def _extra_fields(extra: bytes):
    offset = 0
    while offset + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, offset)
        yield tag, extra[offset + 4:offset + 4 + size]
        offset += 4 + size


def _ntfs_mtime(data: bytes) -> datetime | None:
    offset = 4  # reserved
    while offset + 4 <= len(data):
        tag, size = struct.unpack_from("<HH", data, offset)
        if tag == 1 and size >= 24 and offset + 12 <= len(data):
            return NTFS_EPOCH + timedelta(microseconds=struct.unpack_from("<Q", data, offset + 4)[0] // 10)
        offset += 4 + size
    return None


def zip_member_time(info: zipfile.ZipInfo, zone: tzinfo) -> datetime | None:
    """A zip member's modification time: its UTC extra field when present, else its DOS date and time read in
    `zone`; None when the member's date is not a date."""
    try:
        for tag, data in _extra_fields(info.extra):
            if tag == EXTENDED_TIMESTAMP and len(data) >= 5 and data[0] & 1:
                return datetime.fromtimestamp(struct.unpack_from("<i", data, 1)[0], UTC)
            if tag == NTFS:
                moment = _ntfs_mtime(data)
                if moment is not None:
                    return moment
        return datetime(*info.date_time, tzinfo=zone)
    except (ValueError, OverflowError, OSError):
        return None


def read_times_csv(path: Path, roster: Roster | None) -> tuple[dict[str, datetime], list[str]]:
    """Submission times from an LMS export: a CSV with a submitted_at column (ISO 8601 with a time zone) and a
    student_id or an lms_id column (lms_id needs the roster). Returns (student id -> time, problems); bad rows are
    reported and left out, a file without those columns is a UserError."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read the submission times {path} ({error}); give a UTF-8 CSV file") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    key = next((c for c in ("student_id", "lms_id") if c in columns), None)
    if "submitted_at" not in columns or key is None:
        raise UserError(f"{path} needs the columns submitted_at and student_id (or lms_id); its first line is "
                        f"{','.join(columns)!r}")
    if key == "lms_id" and roster is None:
        raise UserError(f"{path} names students by lms_id; set [course] roster in course.toml (or give --roster)")
    times, problems = {}, []
    for number, row in enumerate(reader, start=2):
        who, raw = (row.get(key) or "").strip(), (row.get("submitted_at") or "").strip()
        student = who if key == "student_id" else getattr(roster.by_lms_id(who), "student_id", None)
        moment = to_moment(raw)
        if student is None:
            problems.append(f"{path} line {number}: lms_id {who!r} is not in the roster")
        elif moment is None:
            problems.append(f"{path} line {number}: submitted_at {raw!r} is not an ISO 8601 time with a time zone")
        elif student in times:
            problems.append(f"{path} line {number}: {student} appears again; the first time is kept")
        else:
            times[student] = moment.astimezone(UTC)
    return times, problems
