import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from autograder.grading.results import ResultStore
from autograder.pipeline.cli import build_parser, main


def test_help_lists_every_step():
    text = build_parser().format_help()
    for step in ("release", "collect", "autograde", "feedback", "export", "exam", "final", "demo"):
        assert step in text


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
