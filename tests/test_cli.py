import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from autograder.grading.results import ResultStore
from autograder.pipeline.cli import build_parser, main


def test_release_with_no_assignment_says_so(tmp_path, monkeypatch, capsys):
    (tmp_path / "nbgrader_config.py").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DGM_COURSE_ROOT", raising=False)
    assert main(["release"]) == 0
    assert "nothing to release" in capsys.readouterr().out


@pytest.mark.slow
def test_the_main_job_grades_the_example_class_and_prints_the_gradebook(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    for fragment in ("not valid JSON", "not a Jupyter notebook", "bob (1).ipynb", "ghost is not a student",
                     "final scores", "reference", "untouched"):
        assert fragment in out
    course = tmp_path / "demo" / "course"
    assert ResultStore(course, "hw1").load("reference").earned == 8
    assert (course / "feedback" / "partial" / "hw1" / "hw1.html").exists()


@pytest.mark.slow
def test_killing_autograde_midway_loses_nothing_and_the_next_run_resumes(hw1_course):
    course, _ = hw1_course
    store = ResultStore(course, "hw1")
    before = {s: store.path(s).stat().st_mtime for s in ("reference", "partial", "untouched", "infinite-loop")}
    command = [sys.executable, "-m", "autograder.pipeline.cli", "--course", str(course), "autograde", "hw1", "--force",
               "--workers", "2"] + [f"--student={s}" for s in before]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, env=os.environ | {"PATH": f"{sys.prefix}/bin:/usr/bin:/bin"})
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and all(store.path(s).stat().st_mtime == t for s, t in before.items()):
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    refreshed = [s for s, t in before.items() if store.path(s).stat().st_mtime != t]
    assert refreshed, "at least one submission was graded before the kill"
    assert sqlite3.connect(course / "gradebook.db").execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert all(store.load(s) is not None for s in before), "no result file is left half-written"
    assert main(["--course", str(course), "autograde", "hw1"]) == 0
    assert store.load("reference").earned == 8


def tiny_course(folder):
    """A course directory with one assignment, hw1, whose two check cells are worth 3 and 5 points."""
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# hw1")])
    for task, points in (("made", 3), ("wavenet", 5)):
        check = nbformat.v4.new_code_cell("# hidden checks")
        check.metadata["nbgrader"] = {"grade_id": f"task_{task}", "grade": True, "solution": False, "locked": True,
                                      "points": points, "schema_version": 3}
        notebook.cells.append(check)
    (folder / "solutions" / "hw1").mkdir(parents=True)
    nbformat.write(notebook, folder / "solutions" / "hw1" / "hw1.ipynb")
    (folder / "nbgrader_config.py").write_text("")
    return folder


def test_help_lists_each_step_once_with_its_help():
    text = build_parser().format_help()
    for step in ("release", "publish", "collect", "autograde", "feedback", "export", "exam", "final", "demo"):
        listed = [line for line in text.splitlines() if line.split()[:1] == [step]]
        assert len(listed) == 1, f"{step} is listed {len(listed)} times"
        assert len(listed[0].split()) > 1, f"{step} is listed with its help text"


def load_settings_step(args):
    """A step that reads course.toml, as publish and release do."""
    from autograder.pipeline import cli
    from autograder.settings import load_settings

    load_settings(cli._root(args))
    return 0


@pytest.mark.parametrize("argv, fragments", [
    (["autograde", "hw9"], ["hw9", "give one of hw1"]),
    (["final"], ["not in a course directory", "run from the course directory"]),
    (["exam", "scores.csv"], ["scores.csv is not a file", "exam CSV"]),
    (["collect", "hw1", "inbox.zip"], ["inbox.zip does not exist", "folder or .zip"]),
    (["collect", "hw1"], ["no notebooks to collect", "--exchange"]),
    (["export"], ["course.toml is not valid TOML", "fix course.toml"]),
])
def test_an_error_of_use_is_one_line_that_says_what_to_do_next(tmp_path, monkeypatch, capsys, argv, fragments):
    course = tiny_course(tmp_path / "course")
    if argv == ["export"]:
        (course / "course.toml").write_text("[course\npublic_url = 1\n")
    monkeypatch.setattr("autograder.pipeline.cli.cmd_export", load_settings_step)
    monkeypatch.delenv("DGM_COURSE_ROOT", raising=False)
    monkeypatch.chdir(course if argv != ["final"] else tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"dgm-grade {argv[0]}: ") and "; " in lines[0], captured.err
    assert "Traceback" not in captured.err + captured.out
    for fragment in fragments:
        assert fragment in lines[0]


def test_a_bug_keeps_its_traceback(tmp_path, monkeypatch):
    def broken(args):
        raise KeyError("a bug, not a mistake of the instructor")

    monkeypatch.setattr("autograder.pipeline.cli.cmd_final", broken)
    with pytest.raises(KeyError):
        main(["--course", str(tiny_course(tmp_path)), "final"])


def test_autograde_prints_every_student_with_points_over_the_maximum(tmp_path, monkeypatch, capsys):
    from autograder.pipeline import autograde

    assert autograde.practice_maximum(tiny_course(tmp_path), "hw1") == 8, "the check cells' points: 3 + 5"
    report = autograde.AutogradeReport(graded=["alice", "carol"], reused=["bob"], earned={"alice": 6.5, "bob": 8.0,
                                       "carol": 0.0}, maximum=8.0, problems={"carol": "hw1.ipynb is not valid JSON"})
    monkeypatch.setattr(autograde, "autograde", lambda *args, **kwargs: report)
    assert main(["--course", str(tmp_path), "autograde", "hw1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["hw1: graded 2, unchanged 1", "  alice  6.5 / 8", "  bob    8 / 8  (unchanged)",
                     "  carol  0 / 8", "  carol: hw1.ipynb is not valid JSON"]


def test_final_flags_a_missing_exam_and_counts_it_as_zero(tmp_path, monkeypatch, capsys):
    import csv

    from autograder.pipeline import reports

    course = tiny_course(tmp_path / "course")
    rows = [{"student": s, "assignment": a, "cell": "task_made", "score": score, "max_score": 8.0, "pending": False,
             "manual": False} for s, a, score in (("alice", "hw1", 8.0), ("bob", "hw1", 6.0), ("bob", "hw2", 4.0))]
    monkeypatch.setattr(reports, "gradebook_rows", lambda *args, **kwargs: rows)
    reports.save_exam(course, {"bob": 0.0})
    output = tmp_path / "final.csv"
    assert main(["--course", str(course), "final", "--output", str(output)]) == 0
    assert "'missing' names an exam score never imported" in capsys.readouterr().out
    final = {r["student"]: r for r in csv.DictReader(output.open())}
    assert final["alice"]["exam"] == "" and final["alice"]["hw2"] == "" and final["alice"]["missing"] == "hw2 exam"
    assert float(final["alice"]["total"]) == 8 and float(final["alice"]["final"]) == -1, "missing counts as 0"
    assert final["bob"]["exam"] == "0" and final["bob"]["missing"] == "", "an exam scored 0 is not missing"
    assert float(final["bob"]["total"]) == 6 + 4
