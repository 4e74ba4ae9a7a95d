"""Submission times come from the source (zip member dates, file dates, an LMS export), never from collection."""

import os
import struct
import zipfile
from datetime import UTC, datetime

import pytest
from test_collect import imported, notebooks

from autograder.errors import UserError
from autograder.pipeline.collect import collect
from autograder.pipeline.times import read_timestamp, zip_member_time

NOTEBOOK = '{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}'


def member(name, date_time, extra=b""):
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.extra = extra
    return info


def test_zip_times_are_the_members_dates_and_recollecting_keeps_them(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    (root / "course.toml").write_text('[course]\ntimezone = "Europe/Berlin"\n')
    unix = int(datetime(2025, 3, 1, 20, 0, 5, tzinfo=UTC).timestamp())
    ntfs = (datetime(2025, 3, 1, 21, 0, tzinfo=UTC) - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds()
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(member("alice.ipynb", (2025, 3, 1, 12, 0, 0)), NOTEBOOK)  # DOS time: Berlin wall-clock time
        z.writestr(member("bob.ipynb", (1999, 1, 1, 0, 0, 0), struct.pack("<HHBi", 0x5455, 5, 1, unix)), NOTEBOOK)
        z.writestr(member("carol.ipynb", (1999, 1, 1, 0, 0, 0), struct.pack("<HHIHHQQQ", 0x000A, 32, 0, 1, 24,
                                                                            int(ntfs * 10**7), 0, 0)), NOTEBOOK)
    expected = {"alice": datetime(2025, 3, 1, 11, 0, tzinfo=UTC), "bob": datetime(2025, 3, 1, 20, 0, 5, tzinfo=UTC),
                "carol": datetime(2025, 3, 1, 21, 0, tzinfo=UTC)}
    for _ in range(2):  # collecting again (later) gives the same times
        report = collect(root, "hw1", archive)
        assert report.imported == ["alice", "bob", "carol"] and report.problems == [] and report.notes == []
        assert {s: read_timestamp(root, s, "hw1") for s in expected} == expected
    assert report.times_from == "the zip members' dates"


def test_a_member_with_an_impossible_date_has_no_time():
    assert zip_member_time(member("x.ipynb", (2025, 3, 1, 12, 0, 0)), UTC) == datetime(2025, 3, 1, 12, tzinfo=UTC)
    broken = member("x.ipynb", (2025, 3, 1, 12, 0, 0))
    broken.date_time = (2025, 0, 0, 0, 0, 0)
    assert zip_member_time(broken, UTC) is None


def test_folder_times_are_the_files_modification_times(tmp_path):
    inbox = tmp_path / "inbox"
    notebooks(inbox, ["alice.ipynb", "bob/hw1.ipynb"])
    when = datetime(2025, 2, 28, 9, 15, 30, tzinfo=UTC)
    for path in (inbox / "alice.ipynb", inbox / "bob" / "hw1.ipynb"):
        os.utime(path, (when.timestamp(), when.timestamp()))
    report = collect(tmp_path, "hw1", inbox)
    assert read_timestamp(tmp_path, "alice", "hw1") == read_timestamp(tmp_path, "bob", "hw1") == when
    assert "weakest" in report.times_from


def test_an_lms_export_of_times_wins_and_its_bad_rows_are_reported(tmp_path):
    inbox = tmp_path / "inbox"
    notebooks(inbox, ["alice.ipynb", "bob.ipynb", "carol.ipynb"])
    times = tmp_path / "times.csv"
    times.write_text("student_id,submitted_at\nalice,2025-03-01T10:00:00+01:00\nbob,2025-03-01 10:00\n"
                     "alice,2025-03-05T10:00:00Z\n")
    report = collect(tmp_path, "hw1", inbox, times=times)
    assert report.imported == ["alice", "bob", "carol"]
    assert read_timestamp(tmp_path, "alice", "hw1") == datetime(2025, 3, 1, 9, tzinfo=UTC)
    assert read_timestamp(tmp_path, "bob", "hw1") is not None, "bob's bad row: the file's time instead"
    assert any("line 3: submitted_at '2025-03-01 10:00' is not an ISO 8601 time" in p for p in report.problems)
    assert any("line 4: alice appears again" in p for p in report.problems)
    assert sorted(n.split(":")[0] for n in report.notes) == ["bob", "carol"], "no time in the export: said so"
    times.write_text("who,when\nalice,2025-03-01T10:00:00Z\n")
    with pytest.raises(UserError, match="needs the columns submitted_at and student_id"):
        collect(tmp_path, "hw1", inbox, times=times)
    assert read_timestamp(tmp_path, "alice", "hw1") == datetime(2025, 3, 1, 9, tzinfo=UTC), "a bad export: no change"
    assert imported(tmp_path, "alice").exists()
