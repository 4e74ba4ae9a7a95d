"""Late work: each submission's time against its due date (with the student's extension), and what it loses.

course.toml sets the due dates ([assignments.<hw>] due), extensions ([extensions.<student>] <hw> = a new due date or
a number of extra days) and the policy ([late] per_day, max_days, grace_minutes; autograder/settings.py). A
submission later than its due date by more than grace_minutes is late by its started days (one second late is one
day) and loses min(1, per_day x days) of its points; more started days late than max_days and it scores 0.

The submission time is timestamp.txt (autograder/pipeline/times.py). `dgm-grade export` and `final` apply the policy
to each homework's total (practice and theory, so a theory grade given later loses the same share); nbgrader's
gradebook keeps the raw points, and nbgrader's own late-submission plugin stays at its default (no penalty), so
nothing is taken off twice. `late_note` is the sentence a student's feedback page shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from autograder.pipeline.times import read_timestamp
from autograder.settings import LatePolicy, Settings, load_settings

DAY_SECONDS = 24 * 3600
LATE_COLUMNS = ("days_late", "late_penalty", "after_penalty")  # per homework, after its total


@dataclass(frozen=True)
class Lateness:
    submitted: datetime
    due: datetime
    days: int  # started days after the due date; 0 when on time or within the grace period
    fraction: float  # share of the points taken off, 0..1
    policy: LatePolicy

    @property
    def zero(self) -> bool:
        """Later than the policy's max_days: the homework scores 0."""
        return self.policy.max_days is not None and self.days > self.policy.max_days


def due_date(settings: Settings, assignment: str, student: str) -> datetime | None:
    """The due date of `assignment` for `student` (the extension's, where one is set), None when it has none."""
    due = settings.due.get(assignment)
    extension = settings.extensions.get(student, {}).get(assignment)
    if due is None or extension is None:
        return due
    return due + extension if isinstance(extension, timedelta) else extension


def assess(submitted: datetime, due: datetime, policy: LatePolicy) -> Lateness:
    """How late `submitted` is against `due`, and the share of the points the policy takes off."""
    seconds = (submitted - due).total_seconds()
    days = math.ceil(seconds / DAY_SECONDS) if seconds > policy.grace_minutes * 60 else 0
    lateness = Lateness(submitted, due, days, 0.0, policy)
    if days:
        fraction = 1.0 if lateness.zero else min(1.0, policy.per_day * days)
        lateness = Lateness(submitted, due, days, fraction, policy)
    return lateness


def lateness(root: Path, assignment: str, student: str, settings: Settings | None = None) -> Lateness | None:
    """The lateness of a collected submission; None when the assignment has no due date or the submission no time."""
    settings = settings or load_settings(root)
    due = due_date(settings, assignment, student)
    if due is None:
        return None
    submitted = read_timestamp(root, student, assignment)
    return None if submitted is None else assess(submitted, due, settings.late)


def late_points(raw: float, info: Lateness | None) -> dict[str, float | int | str]:
    """The export's late columns for a homework total: started days late, points taken off, points after that
    (days_late is empty when the submission has no time)."""
    penalty = round(raw * info.fraction, 4) if info else 0.0
    return {"days_late": info.days if info else "", "late_penalty": penalty, "after_penalty": round(raw - penalty, 4)}


def percent(share: float) -> str:
    """0.125 -> '12.5%', 0.5 -> '50%'."""
    return f"{round(share * 100, 2):g}%"


def _show(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def late_note(root: Path, assignment: str, student: str) -> str | None:
    """One sentence for the student's feedback page when the submission was late (None when it was not, or when the
    course sets no due date for the assignment)."""
    settings = load_settings(root)
    return late_sentence(lateness(root, assignment, student, settings), settings.timezone)


def late_sentence(info: Lateness | None, zone: tzinfo) -> str | None:
    """late_note's sentence for an assessed submission, times shown in `zone`."""
    if info is None or not info.days:
        return None
    when = (f"Submitted {_show(info.submitted, zone)}, {_days(info.days)} late (every started day counts) for the due "
            f"date {_show(info.due, zone)}")
    if info.zero:
        return f"{when}: more than {info.policy.max_days:g} days late, so this homework scores 0."
    if info.fraction:
        return (f"{when}: {percent(info.fraction)} of this homework's points are taken off "
                f"({percent(info.policy.per_day)} per started day).")
    return f"{when}; no points are taken off for it."


def late_summary(root: Path, assignment: str, students: list[str]) -> list[str]:
    """One line per late submission among `students`, for the instructor (after collecting)."""
    settings = load_settings(root)
    lines = []
    for student in students:
        info = lateness(root, assignment, student, settings)
        if info is not None and info.days:
            cost = "scores 0" if info.zero else f"{percent(info.fraction)} off"
            lines.append(f"{student}: submitted {_show(info.submitted, settings.timezone)}, {_days(info.days)} late "
                         f"(due {_show(info.due, settings.timezone)}), {cost}")
    return lines


def add_late_columns(root: Path, columns: list[str], rows: list[dict]) -> list[str]:
    """After each `<hw>:total` of an assignment with a due date, the columns <hw>:days_late, <hw>:late_penalty and
    <hw>:after_penalty (filled into `rows`, dicts with a "student" key); returns the widened column list."""
    settings = load_settings(root)
    widened = []
    for column in columns:
        widened.append(column)
        assignment, _, kind = column.partition(":")
        if kind != "total" or assignment not in settings.due:
            continue
        widened.extend(f"{assignment}:{key}" for key in LATE_COLUMNS)
        for row in rows:
            raw = row.get(column, "")
            info = lateness(root, assignment, row["student"], settings) if raw != "" else None
            values = late_points(raw, info) if raw != "" else dict.fromkeys(LATE_COLUMNS, "")
            row.update({f"{assignment}:{key}": value for key, value in values.items()})
    return widened


def penalty_columns(columns: list[str], assignment: str) -> list[str]:
    """The final table's late columns of `assignment`: its penalty and the points after it, where the points table
    (`columns`) has them."""
    if f"{assignment}:late_penalty" not in columns:
        return []
    return [f"{assignment}:late_penalty", f"{assignment}:after_penalty"]
