"""Rosters: LMS download names mapped to student ids (never guessed), and the Canvas gradebook import file."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from test_collect import imported, notebooks

from autograder.pipeline import reports
from autograder.pipeline.cli import main
from autograder.pipeline.collect import collect
from autograder.pipeline.lms import canvas_csv
from autograder.pipeline.roster import RosterError, lms_name, read_roster
from autograder.pipeline.times import write_timestamp

ROSTER = """student_id,name,email,lms_id
alice,Alice Liddell,alice@uni.edu,1001
bob,Bob Stone,bob@uni.edu,1002
carol,Carol Reed,carol@uni.edu,
dave,John Smith,dave@uni.edu,1004
erin,John  Smith,erin@uni.edu,1005
"""


def with_roster(tmp_path, toml_extra=""):
    root = tmp_path / "course"
    root.mkdir()
    (root / "roster.csv").write_text(ROSTER)
    (root / "course.toml").write_text('[course]\nroster = "roster.csv"\n' + toml_extra)
    return root


def test_lms_names_are_recognised():
    assert lms_name("liddellalice_1001_55501_hw1.ipynb").key == "1001"
    late = lms_name("stonebob_LATE_1002_55502_hw1-1.ipynb")
    assert (late.lms, late.key, late.late) == ("Canvas", "1002", True)
    assert lms_name("Carol  Reed_77_assignsubmission_file_/hw1.ipynb").key == "Carol Reed"
    assert lms_name("Carol Reed_77_assignsubmission_file_hw1.ipynb").lms == "Moodle"
    for plain in ("alice.ipynb", "carol_2.ipynb", "bob/hw1.ipynb", "s_1_x.ipynb"):
        assert lms_name(plain) is None, plain


def test_a_roster_maps_canvas_and_moodle_downloads_and_reports_unknown_names(tmp_path):
    root = with_roster(tmp_path)
    inbox = tmp_path / "inbox"
    notebooks(inbox, ["liddellalice_1001_55501_hw1.ipynb", "stonebob_LATE_1002_55502_hw1-1.ipynb",
                      "Carol Reed_88_assignsubmission_file_/hw1.ipynb", "ghost_9999_55599_hw1.ipynb",
                      "John Smith_90_assignsubmission_file_/hw1.ipynb", "zed.ipynb",
                      "Nobody Known_91_assignsubmission_file_/x.ipynb"])
    report = collect(root, "hw1", inbox)
    assert report.imported == ["alice", "bob", "carol"]
    assert '"liddellalice_1001_55501_hw1.ipynb"' in imported(root, "alice").read_text()
    text = "\n".join(report.problems)
    assert "ghost_9999_55599_hw1.ipynb: Canvas user id 9999 is in no lms_id of" in text
    assert "Moodle name 'John Smith' is the name of dave, erin" in text, "two students share it: not guessed"
    assert "Moodle name 'Nobody Known' is in no name of" in text
    assert "zed.ipynb: zed is not a student_id of" in text
    assert len(report.problems) == 4 and not (root / "submitted" / "ghost_9999_55599_hw1").exists()


def test_without_a_roster_lms_names_are_reported_as_needing_one(tmp_path):
    inbox = tmp_path / "inbox"
    notebooks(inbox, ["liddellalice_1001_55501_hw1.ipynb", "Carol Reed_88_assignsubmission_file_/hw1.ipynb",
                      "carol_2.ipynb"])
    report = collect(tmp_path, "hw1", inbox)
    assert report.imported == ["carol_2"]
    assert len(report.problems) == 2 and all("set [course] roster in course.toml" in p for p in report.problems)
    assert not (tmp_path / "submitted" / "liddellalice_1001_55501_hw1").exists()


@pytest.mark.parametrize("text, fragment", [
    ("student_id,name,email\nalice,A,a@x\n", "has no column lms_id"),
    ("student_id,name,email,lms_id\nalice,A,a@x,1\nalice,B,b@x,2\n", "line 3: student alice appears twice"),
    ("student_id,name,email,lms_id\nalice,A,a@x,1\nbob,B,b@x,1\n", "line 3: lms_id 1 is also alice's"),
    ("student_id,name,email,lms_id\nal ice,A,a@x,1\n", "line 2: 'al ice' is not a student id"),
])
def test_a_bad_roster_stops_with_one_line_naming_the_row(tmp_path, text, fragment):
    (tmp_path / "roster.csv").write_text(text)
    with pytest.raises(RosterError, match=fragment) as error:
        read_roster(tmp_path / "roster.csv")
    assert "\n" not in str(error.value)
    with pytest.raises(RosterError, match="does not exist"):
        read_roster(tmp_path / "missing.csv")


def test_a_roster_with_a_byte_order_mark_and_blank_lines_reads(tmp_path):
    (tmp_path / "roster.csv").write_text("\ufeff" + ROSTER + ",,,\n")
    assert list(read_roster(tmp_path / "roster.csv").students) == ["alice", "bob", "carol", "dave", "erin"]


def test_canvas_marking_late_what_the_files_dates_call_on_time_is_noted(tmp_path):
    root = with_roster(tmp_path, '[assignments.hw1]\ndue = "2030-01-01T00:00:00Z"\n')
    inbox = tmp_path / "inbox"
    notebooks(inbox, ["stonebob_LATE_1002_55502_hw1.ipynb", "liddellalice_1001_55501_hw1.ipynb"])
    report = collect(root, "hw1", inbox)
    assert report.imported == ["alice", "bob"]
    assert len(report.notes) == 1 and report.notes[0].startswith("bob: Canvas marks stonebob_LATE_")


def graded(root, monkeypatch):
    rows = [{"student": s, "assignment": a, "cell": "task_x", "score": p, "max_score": 8.0, "pending": False,
             "manual": False} for s, a, p in (("alice", "hw1", 8.0), ("bob", "hw1", 6.0), ("bob", "hw2", 4.0),
                                                ("carol", "hw1", 7.0), ("zed", "hw1", 5.0))]
    monkeypatch.setattr(reports, "gradebook_rows", lambda _: rows)
    (root / "nbgrader_config.py").write_text("")
    due = datetime(2025, 3, 1, tzinfo=UTC)
    for student, late in (("alice", timedelta(days=1, seconds=1)), ("bob", timedelta(0))):
        (root / "submitted" / student / "hw1").mkdir(parents=True)
        write_timestamp(root, student, "hw1", due + late)


def test_the_canvas_file_has_canvas_columns_and_points_after_penalties(tmp_path, monkeypatch):
    root = with_roster(tmp_path, '[assignments.hw1]\ndue = "2025-03-01T00:00:00Z"\ncanvas_id = 4711\n'
                                 '[late]\nper_day = 0.25\n')
    graded(root, monkeypatch)
    text, problems = canvas_csv(root, read_roster(root / "roster.csv"))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "hw1 (4711)", "hw2"]
    assert rows[1:] == [["Alice Liddell", "1001", "", "", "", "4", ""], ["Bob Stone", "1002", "", "", "", "6", "4"],
                        ["John Smith", "1004", "", "", "", "", ""], ["John  Smith", "1005", "", "", "", "", ""]]
    assert sorted(problems) == ["carol: graded but has no lms_id in " + str(root / "roster.csv") + "; not written",
                                "zed: graded but not in the roster " + str(root / "roster.csv") + "; not written"]


def test_the_cli_writes_the_canvas_file_and_refuses_without_a_roster(tmp_path, monkeypatch, capsys):
    root = with_roster(tmp_path)
    graded(root, monkeypatch)
    output = tmp_path / "lms.csv"
    assert main(["--course", str(root), "export", "--lms", "canvas", "--output", str(output)]) == 0
    assert output.read_text().startswith("Student,ID,SIS User ID,SIS Login ID,Section,hw1,hw2\n")
    assert "zed: graded but not in the roster" in capsys.readouterr().out
    (root / "course.toml").write_text("")
    assert main(["--course", str(root), "export", "--lms", "canvas", "--output", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs the students' Canvas ids; set [course] roster" in err
    assert not (tmp_path / "x.csv").exists()
    assert main(["--course", str(root), "export", "--lms", "canvas", "--roster", str(root / "roster.csv"),
                 "--output", str(tmp_path / "x.csv")]) == 0


def test_the_cli_collects_a_canvas_zip_with_times_and_lists_late_work(tmp_path, capsys):
    import zipfile

    root = with_roster(tmp_path, '[assignments.hw1]\ndue = "2025-03-01T00:00:00Z"\n[late]\nper_day = 0.1\n')
    (root / "nbgrader_config.py").write_text("")
    (root / "solutions" / "hw1").mkdir(parents=True)
    (root / "solutions" / "hw1" / "hw1.ipynb").write_text("{}")
    archive = tmp_path / "submissions.zip"
    notebook = json.dumps({"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}})
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("liddellalice_1001_55501_hw1.ipynb", notebook)
        z.writestr("stonebob_LATE_1002_55502_hw1.ipynb", notebook)
    times = tmp_path / "times.csv"
    times.write_text("lms_id,submitted_at\n1001,2025-02-28T23:00:00Z\n1002,2025-03-02T12:00:00Z\n")
    assert main(["--course", str(root), "collect", "hw1", str(archive), "--times", str(times)]) == 0
    out = capsys.readouterr().out
    assert "imported 2 submission(s) of hw1: alice, bob" in out and f"submission times from {times}" in out
    assert "late: bob: submitted 2025-03-02 12:00 UTC, 2 days late (due 2025-03-01 00:00 UTC), 20% off" in out
    assert "alice" not in out.split("late:", 1)[1]
    (root / "roster.csv").write_text("student_id,name\n")
    assert main(["--course", str(root), "collect", "hw1", str(archive)]) == 2
    assert "has no column email, lms_id" in capsys.readouterr().err
