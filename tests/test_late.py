"""Due dates, extensions and the late policy: course.toml's keys, the penalty, the tables and the feedback sentence."""

import re
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autograder.errors import UserError
from autograder.pipeline import reports
from autograder.pipeline.late import assess, due_date, late_note, late_summary, lateness
from autograder.pipeline.times import format_timestamp, read_timestamp, write_timestamp
from autograder.settings import LatePolicy, SettingsError, load_settings

REPO = Path(__file__).resolve().parents[1]
DUE = datetime(2025, 3, 1, 23, 59, tzinfo=UTC)


def course(tmp_path, toml: str) -> Path:
    (tmp_path / "course.toml").write_text(toml)
    return tmp_path


def test_the_example_course_toml_parses_with_every_example_key_enabled(tmp_path):
    text = (REPO / "course.toml").read_text()
    assert load_settings(REPO).due == {}, "the repository's own course sets no due date yet"
    enabled = re.sub(r"(?m)^#(?=[\[A-Za-z])", "", text)
    assert enabled != text
    settings = load_settings(course(tmp_path, enabled))
    assert settings.roster == tmp_path / "roster.csv" and settings.canvas_ids == {"hw1": 123456}
    assert set(settings.due) == {"hw1", "hw2"} and all(d.tzinfo for d in settings.due.values())
    assert settings.extensions["alice"]["hw2"] == timedelta(days=2)
    assert settings.late == LatePolicy(per_day=0.1, max_days=7, grace_minutes=5)
    assert set(re.findall(r"(?m)^#?(\w+) = ", text)) <= set(keys(tomllib.loads(enabled))), "every example key is read"


def keys(table: dict):
    for key, value in table.items():
        yield key
        if isinstance(value, dict):
            yield from keys(value)


@pytest.mark.parametrize("toml, fragment", [
    ("[assignments.hw1]\ndue = 2025-03-01T23:59:00\n", "[assignments.hw1] due must be an ISO 8601"),
    ('[assignments.hw1]\ndue = "next friday"\n', "with a time zone"),
    ('[assignments.hw1]\ndeadline = "2025-03-01T23:59:00Z"\n', "has no key 'deadline'"),
    ('[assignments.hw1]\ncanvas_id = "abc"\n', "canvas_id must be the number"),
    ("[late]\nper_day = 1.5\n", "[late] per_day must be a number from 0 to 1"),
    ("[late]\nmax_days = -1\n", "[late] max_days must be a number 0 or more"),
    ("[late]\nper_days = 0.1\n", "[late] has no key 'per_days'"),
    ("[extensions.alice]\nhw3 = 2\n", "hw3 has no due date"),
    ('[assignments.hw1]\ndue = "2025-03-01T23:59:00Z"\n[extensions.alice]\nhw1 = "soon"\n',
     "[extensions.alice] hw1 must be an ISO 8601"),
    ('[course]\ntimezone = "Mars/Olympus"\n', "[course] timezone must be an IANA time zone"),
    ('[course]\ntimezone = "Europe"\n', "[course] timezone must be an IANA time zone"),
    ("[course]\nroster = 3\n", "[course] roster must be the path of a CSV"),
])
def test_bad_settings_stop_with_one_line_naming_the_key(tmp_path, toml, fragment):
    with pytest.raises(SettingsError) as error:
        load_settings(course(tmp_path, toml))
    assert fragment in str(error.value) and "\n" not in str(error.value)
    assert isinstance(error.value, UserError), "the CLI shows it as one line"


def test_the_policy_counts_started_days_after_the_grace_period_and_zeroes_after_max_days():
    policy = LatePolicy(per_day=0.1, max_days=7, grace_minutes=5)
    cases = [(timedelta(0), 0, 0.0), (timedelta(minutes=5), 0, 0.0), (timedelta(minutes=5, seconds=1), 1, 0.1),
             (timedelta(days=1), 1, 0.1), (timedelta(days=3, seconds=1), 4, 0.4), (timedelta(days=7), 7, 0.7),
             (timedelta(days=7, seconds=1), 8, 1.0), (-timedelta(days=2), 0, 0.0)]
    for late, days, fraction in cases:
        info = assess(DUE + late, DUE, policy)
        assert (info.days, info.fraction) == (days, pytest.approx(fraction)), late
    assert assess(DUE + timedelta(days=8), DUE, policy).zero
    assert assess(DUE + timedelta(days=5), DUE, LatePolicy(per_day=0.3)).fraction == 1.0, "never more than all"
    assert assess(DUE + timedelta(days=30), DUE, LatePolicy()).fraction == 0.0, "no policy: shown, not taken off"


def test_extensions_move_one_students_due_date(tmp_path):
    settings = load_settings(course(tmp_path, '[assignments.hw1]\ndue = "2025-03-01T23:59:00Z"\n'
                                              '[assignments.hw2]\ndue = "2025-04-01T23:59:00+02:00"\n'
                                              '[extensions.alice]\nhw1 = 2.5\nhw2 = "2025-04-10T12:00:00Z"\n'))
    assert due_date(settings, "hw1", "alice") == DUE + timedelta(days=2.5)
    assert due_date(settings, "hw2", "alice") == datetime(2025, 4, 10, 12, tzinfo=UTC)
    assert due_date(settings, "hw1", "bob") == DUE
    assert due_date(settings, "hw3", "alice") is None


def test_timestamps_are_written_in_nbgraders_format_and_read_back(tmp_path):
    from nbgrader.utils import parse_utc

    moment = datetime(2025, 3, 2, 1, 30, 15, 250000, tzinfo=UTC)
    (tmp_path / "submitted" / "alice" / "hw1").mkdir(parents=True)
    write_timestamp(tmp_path, "alice", "hw1", moment)
    text = (tmp_path / "submitted" / "alice" / "hw1" / "timestamp.txt").read_text()
    assert text == "2025-03-02 01:30:15.250000 UTC" == format_timestamp(moment)
    assert parse_utc(text) == moment.replace(tzinfo=None), "nbgrader records the same moment"
    assert read_timestamp(tmp_path, "alice", "hw1") == moment
    write_timestamp(tmp_path, "alice", "hw1", None)
    assert read_timestamp(tmp_path, "alice", "hw1") is None
    exchange = "2025-03-02 02:30:15.000000 CET"  # `nbgrader submit` with Exchange.timezone = "Europe/Berlin"
    (tmp_path / "submitted" / "alice" / "hw1" / "timestamp.txt").write_text(exchange)
    assert read_timestamp(tmp_path, "alice", "hw1") == datetime(2025, 3, 2, 1, 30, 15, tzinfo=UTC)
    summer = "2025-06-02 01:30:15.000000 CEST"  # the same exchange in summer: an abbreviation no zone is named by
    (tmp_path / "submitted" / "alice" / "hw1" / "timestamp.txt").write_text(summer)
    with pytest.raises(UserError, match="'CEST', which names no time zone on its own"):
        read_timestamp(tmp_path, "alice", "hw1")  # course.toml's timezone is UTC here: refused, never taken as UTC
    (tmp_path / "course.toml").write_text('[course]\ntimezone = "Europe/Berlin"\n')
    assert read_timestamp(tmp_path, "alice", "hw1") == datetime(2025, 6, 1, 23, 30, 15, tzinfo=UTC)
    (tmp_path / "submitted" / "alice" / "hw1" / "timestamp.txt").write_text("yesterday-ish")
    with pytest.raises(UserError, match="timestamp.txt holds 'yesterday-ish', not a time"):
        read_timestamp(tmp_path, "alice", "hw1")


LATE_COURSE = """
[course]
timezone = "Europe/Berlin"
[assignments.hw1]
due = 2025-03-01T23:59:00+00:00
[extensions.carol]
hw1 = 3
[late]
per_day = 0.25
max_days = 3
"""


def graded_class(tmp_path, monkeypatch) -> Path:
    """A course whose gradebook holds hw1 and hw2 for alice (2 days late), bob (on time), carol (late, but with an
    extension), dave (5 days late: 0) and erin (hw2 only)."""
    root = course(tmp_path, LATE_COURSE)
    rows = []
    for student in ("alice", "bob", "carol", "dave"):
        rows += [{"student": student, "assignment": "hw1", "cell": "task_made", "score": 6.0, "max_score": 6.0,
                  "pending": False, "manual": False},
                 {"student": student, "assignment": "hw1", "cell": "T1", "score": 2.0, "max_score": 2.0,
                  "pending": False, "manual": True}]
    for student in ("alice", "erin"):
        rows.append({"student": student, "assignment": "hw2", "cell": "task_vae", "score": 5.0, "max_score": 5.0,
                     "pending": False, "manual": False})
    monkeypatch.setattr(reports, "gradebook_rows", lambda _: rows)
    for student, late in (("alice", timedelta(days=1, hours=2)), ("bob", -timedelta(hours=1)),
                          ("carol", timedelta(days=2)), ("dave", timedelta(days=5))):
        (root / "submitted" / student / "hw1").mkdir(parents=True)
        write_timestamp(root, student, "hw1", DUE + late)
    return root


def test_export_and_final_show_raw_points_the_penalty_and_the_points_after_it(tmp_path, monkeypatch):
    root = graded_class(tmp_path, monkeypatch)
    columns, rows = reports.points_table(root)
    assert columns[columns.index("hw1:total"):columns.index("hw1:total") + 4] == [
        "hw1:total", "hw1:days_late", "hw1:late_penalty", "hw1:after_penalty"]
    assert not any(c.startswith("hw2:") and "penalty" in c for c in columns), "hw2 has no due date"
    table = {r["student"]: r for r in rows}
    assert (table["alice"]["hw1:total"], table["alice"]["hw1:days_late"], table["alice"]["hw1:late_penalty"],
            table["alice"]["hw1:after_penalty"]) == (8.0, 2, 4.0, 4.0)
    assert (table["bob"]["hw1:days_late"], table["bob"]["hw1:after_penalty"]) == (0, 8.0)
    assert (table["carol"]["hw1:days_late"], table["carol"]["hw1:after_penalty"]) == (0, 8.0), "extension"
    assert (table["dave"]["hw1:days_late"], table["dave"]["hw1:after_penalty"]) == (5, 0.0), "past max_days"
    assert table["erin"]["hw1:total"] == table["erin"]["hw1:after_penalty"] == "", "no hw1 submission"

    columns, rows = reports.final_table(root)
    assert columns[:5] == ["student", "hw1", "hw1:late_penalty", "hw1:after_penalty", "hw2"]
    final = {r["student"]: r for r in rows}
    assert (final["alice"]["hw1"], final["alice"]["hw1:late_penalty"], final["alice"]["total"]) == (8.0, 4.0, 9.0)
    assert final["dave"]["total"] == 0.0 and final["bob"]["total"] == 8.0 and final["erin"]["total"] == 5.0
    assert "hw1" in final["erin"]["missing"].split(), "other columns keep their meaning"


def test_feedback_note_and_collect_summary_name_the_late_work(tmp_path, monkeypatch):
    root = graded_class(tmp_path, monkeypatch)
    note = late_note(root, "hw1", "alice")
    assert note.startswith("Submitted 2025-03-03 02:59 CET, 2 days late") and "due date 2025-03-02 00:59 CET" in note
    assert "50% of this homework's points are taken off" in note
    assert "scores 0" in late_note(root, "hw1", "dave")
    assert late_note(root, "hw1", "bob") is None and late_note(root, "hw1", "carol") is None
    assert late_note(root, "hw2", "alice") is None, "no due date"
    assert late_note(root, "hw1", "erin") is None, "no submission"
    lines = late_summary(root, "hw1", ["alice", "bob", "carol", "dave"])
    assert [line.split(":")[0] for line in lines] == ["alice", "dave"]
    assert "50% off" in lines[0] and "scores 0" in lines[1]
    assert lateness(root, "hw1", "carol").days == 0


@pytest.mark.slow
def test_nbgrader_records_the_true_submission_time_and_export_applies_the_policy(tmp_path):
    """End to end on one real submission: collected from a zip days after its date, graded by nbgrader."""
    import zipfile

    from autograder.layout import nbgrader
    from autograder.pipeline.autograde import autograde
    from autograder.pipeline.collect import collect
    from autograder.pipeline.demo import make_course
    from autograder.pipeline.examples import notebook_bytes, reference_submission
    from autograder.pipeline.gradebook import nbgrader_api, open_gradebook

    root = tmp_path / "demo" / "course"
    make_course(REPO, root)
    nbgrader(root, "generate_assignment", "hw1", "--force")
    (root / "course.toml").write_text('[assignments.hw1]\ndue = "2025-03-01T00:00:00Z"\n[late]\nper_day = 0.5\n')
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(zipfile.ZipInfo("reference.ipynb", (2025, 3, 1, 12, 0, 0)),
                   notebook_bytes(reference_submission(root, "hw1")))
    assert collect(root, "hw1", archive).imported == ["reference"]
    assert not autograde(root, "hw1", workers=1, progress=False).problems
    with open_gradebook(nbgrader_api(root)) as gb:
        assert gb.find_submission("hw1", "reference").timestamp == datetime(2025, 3, 1, 12, 0)
    row = reports.points_table(root)[1][0]
    assert row["hw1:days_late"] == 1 and row["hw1:after_penalty"] == row["hw1:total"] / 2 > 0
    assert "50% of this homework's points" in late_note(root, "hw1", "reference")


def test_typos_in_course_toml_are_refused_not_ignored(tmp_path):
    from autograder.pipeline.roster import RosterError, course_roster
    from autograder.settings import SettingsError, load_settings

    (tmp_path / "solutions" / "hw1").mkdir(parents=True)
    (tmp_path / "solutions" / "hw1" / "hw1.ipynb").write_text("{}")
    (tmp_path / "course.toml").write_text('[assignments.hw01]\ndue = "2025-03-01T23:59:00Z"\n')
    with pytest.raises(SettingsError, match=r"\[assignments.hw01\] names no assignment in solutions/"):
        load_settings(tmp_path)
    (tmp_path / "roster.csv").write_text("student_id,name,email,lms_id\nalice,Alice A,a@x.org,1\n")
    (tmp_path / "course.toml").write_text('[course]\nroster = "roster.csv"\n[assignments.hw1]\n'
                                          'due = "2025-03-01T23:59:00Z"\n[extensions.alcie]\nhw1 = 2\n')
    with pytest.raises(RosterError, match="extensions to alcie, not in the roster"):
        course_roster(tmp_path)
    (tmp_path / "course.toml").write_text('[course]\npublic_url = "https://x.org/a\\" onload=\\"y"\n')
    with pytest.raises(SettingsError, match="no spaces or quotes"):
        load_settings(tmp_path)
