"""The instructor's pipeline on a graded course: gradebook, re-runs, nbgrader parity, feedback, export, exam, final,
and every CLI step."""

import csv
import json
import shutil
import sqlite3
import subprocess
import sys

import pytest

from autograder.grading.results import ResultStore
from autograder.pipeline.autograde import autograde, submissions
from autograder.pipeline.cli import main
from autograder.pipeline.gradebook import gradebook_rows


def scores(document):
    return {(c.task, c.check): c.earned for t in document.tasks.values() for c in t.checks}


def practice_points(course):
    points = {}
    for row in gradebook_rows(course):
        if not row["manual"]:
            points[row["student"], row["cell"]] = row["score"]
    return points


def test_the_gradebook_holds_the_stored_results(hw1_course):
    course, _ = hw1_course
    store = ResultStore(course, "hw1")
    points = practice_points(course)
    for student in ("reference", "partial", "infinite-loop", "bug-sampling_column_major"):
        for task, result in store.load(student).tasks.items():
            assert points[student, f"task_{task}"] == pytest.approx(result.earned)
    assert all(points["corrupt-json", f"task_{t}"] == 0 for t in ("made", "wavenet"))
    integrity = sqlite3.connect(course / "gradebook.db").execute("PRAGMA integrity_check").fetchone()[0]
    assert integrity == "ok"


def test_a_rerun_grades_nothing_and_changes_nothing(hw1_course):
    course, _ = hw1_course
    before = sorted(map(json.dumps, gradebook_rows(course)), key=str)
    report = autograde(course, "hw1", workers=2, progress=False)
    assert report.graded == [] and sorted(report.reused) == sorted(submissions(course, "hw1"))
    assert sorted(map(json.dumps, gradebook_rows(course)), key=str) == before


def test_an_interrupted_run_resumes_with_what_is_missing(hw1_course):
    course, _ = hw1_course
    store = ResultStore(course, "hw1")
    kept = store.load("partial")
    store.path("partial").unlink()  # as if the run was killed while grading it
    report = autograde(course, "hw1", workers=2, progress=False)
    assert report.graded == ["partial"]
    assert scores(store.load("partial")) == scores(kept)


def test_nbgrader_autograde_gives_the_same_points_as_the_cli(hw1_course):
    """`nbgrader autograde` without a stored result grades the notebook itself, through the same suite."""
    course, _ = hw1_course
    store = ResultStore(course, "hw1")
    cli = {s: store.load(s) for s in ("partial", "bug-made_output_mask_off_by_one")}
    for student in cli:
        store.path(student).unlink()
    for student in cli:
        result = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "hw1", "--force",
                                 f"--student={student}"], cwd=course, capture_output=True, text=True,
                                env={"PATH": f"{sys.prefix}/bin:/usr/bin:/bin"})
        assert result.returncode == 0, result.stderr[-3000:]
    points = practice_points(course)
    for student, document in cli.items():
        regraded = store.load(student)
        for task, outcome in document.tasks.items():
            assert regraded.tasks[task].earned == outcome.earned, (student, task)
            assert points[student, f"task_{task}"] == outcome.earned, (student, task)
    autograded = json.loads((course / "autograded" / "partial" / "hw1" / "hw1.ipynb").read_text())
    outputs = [c["outputs"] for c in autograded["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id")
               == "task_made"][0]
    assert "FAILED" in "".join(outputs[0]["text"])
    assert float("".join(outputs[1]["data"]["text/plain"])) == cli["partial"].tasks["made"].earned == 2.5


def test_feedback_reports_points_and_messages_without_hidden_code(hw1_course):
    course, _ = hw1_course
    assert main(["--course", str(course), "feedback", "hw1"]) == 0
    partial = (course / "feedback" / "partial" / "hw1" / "hw1.html").read_text()
    assert "samples do not follow the model" in partial and "not graded yet" in partial
    assert "2.5 / 3" in partial
    hidden = [p.read_text() for p in (course / "autograder" / "hw1").glob("test_*.py")]
    for page in (course / "feedback").rglob("*.html"):
        text = page.read_text()
        assert "def test_" not in text and "grader.rng" not in text and "grader.reference" not in text
        assert not any(line.strip() in text for source in hidden for line in source.splitlines()
                       if line.strip().startswith(("grader.", "got, want", "params =")))
    corrupt = (course / "feedback" / "corrupt-json" / "hw1" / "hw1.html").read_text()
    assert "could not be graded" in corrupt and "not valid JSON" in corrupt


def test_export_shows_tasks_theory_and_pending_manual_grades(hw1_course, tmp_path):
    course, _ = hw1_course
    out = tmp_path / "grades.csv"
    assert main(["--course", str(course), "export", "--output", str(out)]) == 0
    rows = {r["student"]: r for r in csv.DictReader(out.open())}
    assert rows["reference"]["hw1:made"] == "3" and rows["reference"]["hw1:pending"] == "5"
    assert rows["untouched"]["hw1:pending"] == "0", "unanswered theory cells score 0 without manual grading"
    assert float(rows["partial"]["hw1:total"]) == ResultStore(course, "hw1").load("partial").earned


def test_exam_and_final_scores(hw1_course, tmp_path, capsys):
    course, _ = hw1_course
    exam = tmp_path / "exam.csv"
    exam.write_text("student_id,score\nreference,26\npartial,13\nnobody,10\nuntouched,forty\n")
    assert main(["--course", str(course), "exam", str(exam)]) == 0
    assert main(["--course", str(course), "exam", str(exam), "--strict"]) == 1
    assert "nobody is not a student" in capsys.readouterr().out
    out = tmp_path / "final.csv"
    assert main(["--course", str(course), "final", "--output", str(out)]) == 0
    rows = {r["student"]: r for r in csv.DictReader(out.open())}
    assert float(rows["reference"]["total"]) == 8 + 26
    assert float(rows["reference"]["final"]) == pytest.approx((8 + 26) / 8 - 2, abs=1e-4)
    partial = ResultStore(course, "hw1").load("partial").earned
    assert float(rows["partial"]["final"]) == pytest.approx((partial + 13) / 8 - 2, abs=1e-4)
    assert rows["reference"]["pending"] == "5"


def test_cli_collect_and_autograde_one_student(hw1_course, tmp_path, capsys):
    course, _ = hw1_course
    inbox = tmp_path / "late"
    inbox.mkdir()
    shutil.copy(course / "submitted" / "reference" / "hw1" / "hw1.ipynb", inbox / "latecomer.ipynb")
    (inbox / "latecomer (2).ipynb").write_text("{}")
    assert main(["--course", str(course), "collect", "hw1", str(inbox)]) == 0
    assert "latecomer (2).ipynb" in capsys.readouterr().out
    assert main(["--course", str(course), "autograde", "hw1", "--student", "latecomer", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "graded 1" in out and "\n  latecomer  8 / 8\n" in out, "one line per student: earned / maximum"
    assert ResultStore(course, "hw1").load("latecomer").earned == 8


def test_dask_local_cluster_gives_the_same_results(hw1_course):
    course, _ = hw1_course
    store = ResultStore(course, "hw1")
    before = {s: store.load(s) for s in ("reference", "bug-pixelcnn_masks_swapped")}
    report = autograde(course, "hw1", students=list(before), workers=2, force=True, engine="dask", progress=False)
    assert sorted(report.graded) == sorted(before)
    for student, document in before.items():
        assert scores(store.load(student)) == scores(document)


def test_help_documents_every_step():
    result = subprocess.run([sys.executable, "-m", "autograder.pipeline.cli", "--help"], capture_output=True, text=True)
    for step in ("release", "collect", "autograde", "feedback", "export", "exam", "final", "demo"):
        assert step in result.stdout


def test_the_gradebook_stage_has_a_time_limit(hw1_course, tmp_path, monkeypatch):
    """nbgrader stuck on one notebook costs that student its automatic points (with a message), not the batch."""
    import time

    from autograder.pipeline import gradebook

    course = tmp_path / "course"
    shutil.copytree(hw1_course[0], course, symlinks=True)
    writer = gradebook.GradebookWriter(course, "hw1")
    monkeypatch.setattr(gradebook, "RECORD_SECONDS", 0.5)
    monkeypatch.setattr(writer.api, "autograde", lambda *args, **kwargs: time.sleep(30))
    started = time.monotonic()
    assert "longer than 0.5 s" in writer.record("reference")
    assert time.monotonic() - started < 10
    assert all(row["score"] == 0 for row in gradebook_rows(course) if row["student"] == "reference")


def test_pytest_notebook_stops_at_its_wall_limit(hw1_course, tmp_path):
    """`pytest autograder/hwN --notebook` has a wall limit of its own, and the results say why nothing was scored."""
    course, _ = hw1_course
    notebook = json.loads((course / "homeworks" / "hw1" / "hw1.ipynb").read_text())
    notebook["cells"].insert(0, {"cell_type": "code", "source": "import time\ntime.sleep(40)", "metadata": {},
                                 "outputs": [], "execution_count": None, "id": "slow"})
    path, results = tmp_path / "hw1.ipynb", tmp_path / "results.json"
    path.write_text(json.dumps(notebook))
    completed = subprocess.run([sys.executable, "-m", "pytest", str(course / "autograder" / "hw1"), "--notebook",
                                str(path), "--results", str(results), "--wall-seconds", "8", "-q", "--rootdir",
                                str(course), "-p", "no:cacheprovider", "-o", "addopts="], cwd=course,
                               capture_output=True, timeout=60)
    assert completed.returncode != 0
    document = json.loads(results.read_text())
    assert document["earned"] == 0 and "longer than 8 s" in document["fatal"]
