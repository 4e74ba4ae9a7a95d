"""The course's settings: course.toml in the course directory, the one place a term's instructor edits.

    [course]
    public_url = "https://github.com/<org>/<student-repository>"   # where `dgm-grade publish`'s bundle is hosted
    roster = "roster.csv"          # student_id,name,email,lms_id (autograder/pipeline/roster.py)
    timezone = "Europe/Berlin"     # for times that carry no zone (zip members) and for showing times

    [assignments.hw1]
    due = 2025-03-01T23:59:00+01:00   # ISO 8601 with a time zone (a TOML date-time or a string)
    canvas_id = 123456                # optional: the Canvas assignment id, for `dgm-grade export --lms canvas`

    [extensions.alice]                # per student: a new due date, or a number of extra days
    hw1 = 2025-03-04T23:59:00+01:00
    hw2 = 3

    [late]
    per_day = 0.1        # share of the points taken off per started day late (0..1)
    max_days = 7         # more started days late than this: the homework scores 0
    grace_minutes = 5    # this late still counts as on time

The example course.toml at the repository root documents every key.

Every key is optional; a missing course.toml means the defaults. A malformed file or value stops a command with one
line that names the file and the key (SettingsError).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from autograder.errors import UserError
from autograder.layout import SOURCE_DIRECTORY, assignments

SETTINGS_FILE = "course.toml"
DEFAULT_PUBLIC_URL = "https://github.com/dgm-course/dgm-course-student"


class SettingsError(UserError, ValueError):
    """course.toml is malformed or holds a bad value; the message names the key and what to write instead."""


@dataclass(frozen=True)
class LatePolicy:
    """[late]: what late work loses (autograder/pipeline/late.py applies it)."""

    per_day: float = 0.0  # share of the points taken off per started day late
    max_days: float | None = None  # more started days late than this: the homework scores 0
    grace_minutes: float = 0.0  # this late still counts as on time


@dataclass(frozen=True)
class Settings:
    public_url: str = DEFAULT_PUBLIC_URL
    roster: Path | None = None  # the roster CSV (absolute), if the course has one
    timezone: tzinfo = UTC  # for times that carry no zone (zip members) and for showing times
    due: dict[str, datetime] = field(default_factory=dict)  # assignment -> due date (aware)
    canvas_ids: dict[str, int] = field(default_factory=dict)  # assignment -> Canvas assignment id
    extensions: dict[str, dict[str, datetime | timedelta]] = field(default_factory=dict)  # student -> assignment ->
    late: LatePolicy = LatePolicy()
    raw: dict = field(default_factory=dict)  # the whole parsed file, for the sections other modules read


def settings_path(root: Path) -> Path:
    return Path(root) / SETTINGS_FILE


def load_settings(root: Path) -> Settings:
    """The settings of the course at `root` (defaults where course.toml or a key is absent)."""
    path = settings_path(root)
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path} is not valid TOML: {error}") from None
    course = section(raw, "course", path)
    url = course.get("public_url", DEFAULT_PUBLIC_URL)
    if not isinstance(url, str) or not re.fullmatch(r"(https?|file)://[^\s\"'\\]+", url):
        raise SettingsError(f"{path}: [course] public_url must be a URL such as {DEFAULT_PUBLIC_URL!r} (no spaces or "
                            f"quotes), got {url!r}")
    due, canvas_ids = _assignments(raw, path)
    known = assignments(Path(root))
    unknown = sorted((set(due) | set(canvas_ids)) - set(known)) if (Path(root) / SOURCE_DIRECTORY).exists() else []
    if unknown:
        raise SettingsError(f"{path}: [assignments.{unknown[0]}] names no assignment in {SOURCE_DIRECTORY}/ (there "
                            f"are {', '.join(known) or 'none'})")
    return Settings(public_url=url.rstrip("/"), roster=_roster(course, path), timezone=_timezone(course, path),
                    due=due, canvas_ids=canvas_ids, extensions=_extensions(raw, path, due), late=_late(raw, path),
                    raw=raw)


def section(raw: dict, name: str, path: Path) -> dict:
    """The table [name] of course.toml ({} when absent)."""
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise SettingsError(f"{path}: {name} must be a table ([{name}]), got {type(value).__name__}")
    return value


# --- due dates, extensions, the late policy, the roster ---------------------------------------------------------
def _known_keys(table: dict, known: set[str], where: str, path: Path) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise SettingsError(f"{path}: {where} has no key {unknown[0]!r}; the keys are {', '.join(sorted(known))}")


def _roster(course: dict, path: Path) -> Path | None:
    value = course.get("roster")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{path}: [course] roster must be the path of a CSV file (relative to the course "
                            f"directory), such as \"roster.csv\"; got {value!r}")
    return path.parent / value


def _timezone(course: dict, path: Path) -> tzinfo:
    value = course.get("timezone", "UTC")
    try:
        if isinstance(value, str):
            return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown key, malformed key, a folder such as "Europe"
        pass
    raise SettingsError(f"{path}: [course] timezone must be an IANA time zone such as \"Europe/Berlin\" or "
                        f"\"UTC\"; got {value!r}")


def to_moment(value) -> datetime | None:
    """An aware datetime from a datetime or an ISO 8601 string; None when it is neither or carries no time zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        return None
    return value


def parse_when(value, where: str, path: Path) -> datetime:
    """A moment with a time zone from a TOML date-time or an ISO 8601 string (SettingsError otherwise)."""
    moment = to_moment(value)
    if moment is None:
        raise SettingsError(f"{path}: {where} must be an ISO 8601 date and time with a time zone, such as "
                            f"2025-03-01T23:59:00+01:00 or 2025-03-01T22:59:00Z; got {value!r}")
    return moment


def _number(value, where: str, path: Path, low: float, high: float | None = None) -> float:
    top = float("inf") if high is None else high
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= top:
        bounds = f"from {low:g} to {high:g}" if high is not None else f"{low:g} or more"
        raise SettingsError(f"{path}: {where} must be a number {bounds}; got {value!r}")
    return float(value)


def _assignments(raw: dict, path: Path) -> tuple[dict[str, datetime], dict[str, int]]:
    due, canvas_ids = {}, {}
    for name, table in section(raw, "assignments", path).items():
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: assignments.{name} must be a table ([assignments.{name}] with due = ...)")
        _known_keys(table, {"due", "canvas_id"}, f"[assignments.{name}]", path)
        if "due" in table:
            due[name] = parse_when(table["due"], f"[assignments.{name}] due", path)
        if "canvas_id" in table:
            value = table["canvas_id"]
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise SettingsError(f"{path}: [assignments.{name}] canvas_id must be the number in the assignment's "
                                    f"Canvas address (.../assignments/123456); got {value!r}")
            canvas_ids[name] = value
    return due, canvas_ids


def _extensions(raw: dict, path: Path, due: dict[str, datetime]) -> dict[str, dict[str, datetime | timedelta]]:
    extensions = {}
    for student, table in section(raw, "extensions", path).items():
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: extensions.{student} must be a table ([extensions.{student}] with "
                                f"hw1 = <new due date> or hw1 = <extra days>)")
        extensions[student] = {}
        for assignment, value in table.items():
            where = f"[extensions.{student}] {assignment}"
            if assignment not in due:
                raise SettingsError(f"{path}: {where}: {assignment} has no due date; set [assignments.{assignment}] "
                                    f"due first")
            if isinstance(value, int | float) and not isinstance(value, bool):
                extensions[student][assignment] = timedelta(days=_number(value, where, path, 0))
            else:
                extensions[student][assignment] = parse_when(value, where, path)
    return extensions


def _late(raw: dict, path: Path) -> LatePolicy:
    table = section(raw, "late", path)
    _known_keys(table, {"per_day", "max_days", "grace_minutes"}, "[late]", path)
    max_days = table.get("max_days")
    return LatePolicy(per_day=_number(table.get("per_day", 0.0), "[late] per_day", path, 0, 1),
                      max_days=None if max_days is None else _number(max_days, "[late] max_days", path, 0),
                      grace_minutes=_number(table.get("grace_minutes", 0.0), "[late] grace_minutes", path, 0))
