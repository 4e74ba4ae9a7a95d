"""A whole term's flow on one homework, as an instructor, TAs and three students run it from a fresh clone:

publish the student repository -> a student installs it beside a hosted torch and runs the setup cell -> alice and
bob submit through nbgrader's exchange (alice has an extension, bob is late), carol through a Canvas bulk download
(mapped by the roster; a stranger's file is reported) -> collect -> autograde -> a TA grades a theory answer with a
comment in the gradebook (what formgrader stores) -> feedback, released through nbgrader's exchange and fetched by
alice -> export (with the late penalty) and the Canvas file -> exam scores -> final scores (carol's exam missing).
"""

import csv
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from student_machine import run_given_cells, student_machine

from autograder.hw1.bugs import BUGS
from autograder.layout import feedback_page, nbgrader, release_notebook
from autograder.pipeline.cli import main
from autograder.pipeline.demo import make_course
from autograder.pipeline.examples import apply_patches, notebook_bytes, reference_submission
from autograder.pipeline.gradebook import nbgrader_api, open_gradebook
from autograder.pipeline.publish import publish

REPO = Path(__file__).resolve().parents[1]
COMMENT = "Good: the normalisation follows from summing out $x_D$ first. Say why each conditional sums to 1."


def submit_through_the_exchange(exchange: Path, student: str, notebook: bytes, home: Path) -> None:
    work = home / student / "hw1"
    work.mkdir(parents=True)
    (work / "hw1.ipynb").write_bytes(notebook)
    result = subprocess.run([sys.executable, "-m", "nbgrader", "submit", "hw1", "--course=dgm-course",
                             f"--student={student}", f"--Exchange.root={exchange}",
                             f"--Exchange.cache={home / student / 'cache'}"], cwd=work.parent,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def canvas_member(name: str, when: datetime) -> zipfile.ZipInfo:
    return zipfile.ZipInfo(name, when.timetuple()[:6])


def rows_of(path: Path) -> dict[str, dict]:
    with path.open() as f:
        return {row.get("student") or row["Student"]: row for row in csv.DictReader(f)}


@pytest.mark.slow
def test_a_term_from_publishing_to_final_scores(tmp_path, capsys):
    # The instructor publishes the student repository; a student installs it as on a hosted service.
    bundle = tmp_path / "student-repository"
    publish(REPO, bundle)
    run, script = student_machine(bundle, tmp_path)
    run_given_cells(run, script, bundle / "homeworks" / "hw1" / "hw1.ipynb")

    # The course for the term: a due date 36 hours ago, an extension for alice, 25% off per started day, a roster.
    course = tmp_path / "term" / "course"
    make_course(REPO, course)
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    with (course / "nbgrader_config.py").open("a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    now = datetime.now(UTC).replace(microsecond=0)
    due = now - timedelta(hours=36)
    (course / "course.toml").write_text(
        f'[course]\nroster = "roster.csv"\n[assignments.hw1]\ndue = "{due.isoformat()}"\n'
        f'[extensions.alice]\nhw1 = 3\n[late]\nper_day = 0.25\nmax_days = 7\n')
    (course / "roster.csv").write_text("student_id,name,email,lms_id\nalice,Alice A,a@x.org,1001\n"
                                       "bob,Bob B,b@x.org,1002\ncarol,Carol C,c@x.org,1003\n")
    assert main(["--course", str(course), "release", "hw1"]) == 0
    assert nbgrader(course, "release_assignment", "hw1", "--force").returncode == 0

    # Students hand in: the release filled in (bob's sampling is wrong, carol left everything untouched).
    solved = reference_submission(course, "hw1")
    buggy = apply_patches(solved, BUGS["sampling_column_major"].patches)  # loses half the sampling task
    submit_through_the_exchange(exchange, "alice", notebook_bytes(solved), tmp_path / "students")
    submit_through_the_exchange(exchange, "bob", notebook_bytes(buggy), tmp_path / "students")
    download = tmp_path / "canvas.zip"
    with zipfile.ZipFile(download, "w") as z:
        z.writestr(canvas_member("carolc_1003_5003_hw1.ipynb", due - timedelta(hours=1)),
                   release_notebook(course, "hw1").read_bytes())
        z.writestr(canvas_member("strangers_9999_5009_hw1.ipynb", due), b"{}")

    # Collect: the exchange's own times, then the Canvas download mapped by the roster.
    assert main(["--course", str(course), "collect", "hw1", "--exchange"]) == 0
    assert main(["--course", str(course), "collect", "hw1", str(download)]) == 0
    out = capsys.readouterr().out
    assert "imported 1 submission(s) of hw1: carol" in out and "Canvas user id 9999 is in no lms_id" in out, out
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["alice", "bob", "carol"]

    # Autograde all three, with points per student.
    assert main(["--course", str(course), "autograde", "hw1", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "alice  8 / 8" in out and "carol  0 / 8" in out, out

    # A TA grades alice's T1 in formgrader (what formgrader stores in the gradebook).
    with open_gradebook(nbgrader_api(course)) as gb:
        grade = gb.find_grade("T1", "hw1", "hw1", "alice")
        grade.manual_score, grade.needs_manual_grade = 1.0, False
        gb.find_comment("T1", "hw1", "hw1", "alice").manual_comment = COMMENT
        gb.db.commit()

    # Feedback: the TA's words, the late line for bob; released through the exchange, fetched by alice.
    assert main(["--course", str(course), "feedback", "hw1"]) == 0
    alice_page = feedback_page(course, "alice", "hw1").read_text(encoding="utf-8")
    bob_page = feedback_page(course, "bob", "hw1").read_text(encoding="utf-8")
    assert "summing out <math" in alice_page and "Late work." not in alice_page
    assert "Late work." in bob_page and "50%" in bob_page and "sampling: 0.5 / 1" in bob_page
    assert nbgrader(course, "release_feedback", "hw1").returncode == 0
    fetched = subprocess.run([sys.executable, "-m", "nbgrader", "fetch_feedback", "hw1", "--course=dgm-course",
                              "--student=alice", f"--Exchange.root={exchange}",
                              f"--Exchange.cache={tmp_path / 'students' / 'alice' / 'cache'}"],
                             cwd=tmp_path / "students" / "alice", capture_output=True, text=True)
    assert fetched.returncode == 0, fetched.stderr[-2000:]
    pages = list((tmp_path / "students" / "alice" / "hw1" / "feedback").rglob("hw1.html"))
    assert [p.read_text(encoding="utf-8") for p in pages] == [alice_page]

    # Export with the late penalty, the Canvas file, the exam, the final scores.
    grades, canvas, final = tmp_path / "grades.csv", tmp_path / "canvas.csv", tmp_path / "final.csv"
    assert main(["--course", str(course), "export", "--output", str(grades)]) == 0
    table = rows_of(grades)
    assert float(table["bob"]["hw1:after_penalty"]) == pytest.approx(float(table["bob"]["hw1:total"]) * 0.5)
    assert float(table["alice"]["hw1:total"]) == 9 and float(table["alice"]["hw1:after_penalty"]) == 9
    assert main(["--course", str(course), "export", "--lms", "canvas", "--output", str(canvas)]) == 0
    assert {row["ID"] for row in rows_of(canvas).values()} == {"1001", "1002", "1003"}
    exam = tmp_path / "exam.csv"
    exam.write_text("student_id,score\nalice,24\nbob,13\n")
    assert main(["--course", str(course), "exam", str(exam)]) == 0
    assert main(["--course", str(course), "final", "--output", str(final)]) == 0
    scores = rows_of(final)
    assert float(scores["alice"]["final"]) == pytest.approx((9 + 24) / 8 - 2)
    assert "exam" in scores["carol"]["missing"] and not scores["alice"]["missing"]

