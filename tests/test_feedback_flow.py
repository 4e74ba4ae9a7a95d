"""Feedback through nbgrader's own flow: the TA's scores and words from formgrader reach the page, `dgm-grade
feedback` and `nbgrader generate_feedback` write the same page (one writer), `nbgrader release_feedback` puts it in
the exchange and `nbgrader fetch_feedback` hands it to the student; a real browser renders it.

A small course of two students whose results are stored by hand (no hidden suite runs): alice answered most of it,
bob's notebook is not valid JSON. Both submitted through the exchange (a submission_secret.txt next to the notebook).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.errors import UserError
from autograder.grading.grade import suite_version
from autograder.grading.notebook import TEXT_STUB, SubmissionError, nbgrader_meta, read_notebook
from autograder.grading.results import CheckResult, ResultStore, SubmissionResult, file_sha256
from autograder.layout import feedback_page, nbgrader, secret_seed, submitted_notebook
from autograder.pipeline.cli import main
from autograder.pipeline.demo import make_course
from autograder.pipeline.examples import notebook_bytes, reference_submission
from autograder.pipeline.gradebook import GradebookWriter, nbgrader_api, open_gradebook
from autograder.pipeline.reports import write_feedback

REPO = Path(__file__).resolve().parents[1]
TIMESTAMP = "2025-03-01 12:00:00.000000 UTC"
TA_COMMENT = "Right idea: sum over $x_D$ first, then $x_{D-1}$.\nState why each sum is 1 <next time>."
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def alice_notebook(course: Path) -> bytes:
    """The reference submission with T2 emptied and T3 left as the release's stub."""
    notebook = reference_submission(course, "hw1")
    for cell in notebook.cells:
        if nbgrader_meta(cell).get("grade_id") in ("T2", "T3"):
            cell.source = "" if nbgrader_meta(cell)["grade_id"] == "T2" else TEXT_STUB
    return notebook_bytes(notebook)


def alice_result(course: Path) -> SubmissionResult:
    """Every check passed but one of made's, whose message holds some math."""
    tasks = {"made": 2.5, "wavenet": 1.5, "pixelcnn": 1.5, "sampling": 1.0, "training": 1.0}
    checks = [CheckResult(f"test_{task}", f"{task} works", task, points, points, "passed", "", 0.1)
              for task, points in sorted(tasks.items())]
    checks.append(CheckResult("test_made_masks", "MADE masks", "made", 0.5, 0.0, "failed",
                              "mask of layer 1 lets output 3 see input 3 (σ² of the output ≠ 0)", 0.1))
    return SubmissionResult.from_checks("hw1", "hw1.ipynb", checks)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """The course after autograding and a TA's grading in formgrader (scores and a comment in the gradebook)."""
    course = tmp_path_factory.mktemp("feedback") / "course"
    make_course(REPO, course)
    nbgrader(course, "generate_assignment", "hw1", "--force")
    contents = {"alice": alice_notebook(course), "bob": notebook_bytes(reference_submission(course, "hw1"))[:500]}
    store, version = ResultStore(course, "hw1"), suite_version(course, "hw1")
    for student, content in contents.items():
        path = submitted_notebook(course, student, "hw1")
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
        (path.parent / "timestamp.txt").write_text(TIMESTAMP)
        (path.parent / "submission_secret.txt").write_text(f"secret-of-{student}")
        try:
            read_notebook(path)
            result = alice_result(course)
        except SubmissionError as error:
            result = SubmissionResult.failed("hw1", path.name, str(error))
        result.notebook_sha256, result.suite_version = file_sha256(path), version
        store.save(student, result)
    writer = GradebookWriter(course, "hw1")
    assert writer.record("alice") is None
    assert "not valid JSON" in writer.record("bob")
    with open_gradebook(nbgrader_api(course)) as gb:  # what formgrader's API stores when a TA grades T1 and T4
        for cell, score in (("T1", 1.0), ("T4", 0.5)):
            grade = gb.find_grade(cell, "hw1", "hw1", "alice")
            grade.manual_score, grade.needs_manual_grade = score, False
        gb.find_comment("T1", "hw1", "hw1", "alice").manual_comment = TA_COMMENT
        gb.db.commit()
    assert main(["--course", str(course), "feedback", "hw1"]) == 0
    return course


def page(course: Path, student: str) -> str:
    return feedback_page(course, student, "hw1").read_text(encoding="utf-8")


def theory_row(html: str, name: str) -> str:
    return html[html.index(f"<tr><td>{name}</td>"):].split("</tr>")[0]


def test_the_page_carries_the_tas_scores_and_comments_in_notebook_order(course):
    html = page(course, "alice")
    assert "1 / 1" in theory_row(html, "T1") and "Right idea: sum over <math" in theory_row(html, "T1")
    assert "&lt;next time&gt;" in html and "<next time>" not in html
    assert "no answer" in theory_row(html, "T2") and "not graded yet" in theory_row(html, "T2")  # emptied: pending
    assert "no answer" in theory_row(html, "T3") and "0 / 1" in theory_row(html, "T3")  # the stub: nbgrader's 0
    assert "0.5 / 1" in theory_row(html, "T4") and "no answer" not in theory_row(html, "T4")
    assert "not graded yet" in theory_row(html, "T5") and "No response" not in html
    tasks = [html.index(f"<h3>{name}: ") for name in ("made", "wavenet", "pixelcnn", "sampling", "training")]
    assert tasks == sorted(tasks) and "made: 2.5 / 3" in html
    assert "<td>7.5 / 8</td>" in html and "<td>1.5 / 5 (not graded yet: T2, T5)</td>" in html
    assert "<td>9 / 13</td>" in html


def test_an_unreadable_notebook_gets_one_message_through_the_same_flow(course):
    html = page(course, "bob")
    assert html.count("not valid JSON") == 1 and html.count("could not be graded") == 1
    assert "<td>0 / 8</td>" in html and "<td>0 / 13</td>" in html and "made: 0 / 3" in html
    assert (course / "autograded" / "bob" / "hw1" / "submission_secret.txt").exists()


def test_the_page_shows_nothing_of_the_grader(course):
    seed = str(secret_seed(course, "hw1"))
    for student in ("alice", "bob"):
        html = page(course, student)
        for secret in (seed, ".grading", "autograder/", str(course), "def test_", "test_made_masks", "class MADE"):
            assert secret not in html, (student, secret)


def test_nbgrader_generate_feedback_writes_the_same_page(course):
    """formgrader's "Generate Feedback" and `nbgrader generate_feedback` go through the exporter dgm-grade uses."""
    before = {s: page(course, s) for s in ("alice", "bob")}
    for student in before:
        feedback_page(course, student, "hw1").unlink()
    result = nbgrader(course, "generate_feedback", "hw1", "--force", check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {s: page(course, s) for s in before} == before
    for student in before:
        folder = feedback_page(course, student, "hw1").parent
        assert sorted(p.name for p in folder.iterdir()) == ["hw1.html", "submission_secret.txt", "timestamp.txt"]


def test_release_feedback_puts_our_page_in_the_exchange_and_the_student_fetches_it(course, tmp_path):
    exchange, cache, home = tmp_path / "exchange", tmp_path / "cache", tmp_path / "alice"
    exchange.mkdir()
    home.mkdir()
    result = nbgrader(course, "release_feedback", "hw1", f"--Exchange.root={exchange}", check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(list((exchange / "dgm-course" / "feedback").glob("*.html"))) == 2
    submission = cache / "dgm-course" / f"alice+hw1+{TIMESTAMP}"  # what `nbgrader submit` leaves in the cache
    submission.mkdir(parents=True)
    shutil.copy(submitted_notebook(course, "alice", "hw1"), submission)
    (submission / "submission_secret.txt").write_text("secret-of-alice")
    fetched = subprocess.run([sys.executable, "-m", "nbgrader", "fetch_feedback", "hw1", "--course=dgm-course",
                              "--student=alice", f"--Exchange.root={exchange}", f"--Exchange.cache={cache}"],
                             cwd=home, capture_output=True, text=True)
    assert fetched.returncode == 0, fetched.stderr[-3000:]
    assert (home / "hw1" / "feedback" / TIMESTAMP / "hw1.html").read_text(encoding="utf-8") == page(course, "alice")


def test_feedback_before_autograde_says_what_to_do(tmp_path):
    course = tmp_path / "empty" / "course"
    make_course(REPO, course)
    with pytest.raises(UserError, match="no autograded submission of hw1 yet; run dgm-grade autograde hw1 first"):
        write_feedback(course, "hw1")


def chromium(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium); the browser "
                                             "check of the feedback page needs it")
@pytest.mark.parametrize("student", ["alice", "bob"])
def test_a_browser_renders_the_page(course, tmp_path, student):
    """What a student's browser shows: the page renders (a non-blank screenshot), its text is there, math in a
    message or a comment shows as MathML (rendered offline), and nothing of the grader appears."""
    import numpy as np
    from PIL import Image

    url = feedback_page(course, student, "hw1").as_uri()
    dom = chromium("--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    assert f"hw1 — feedback for {student}" in text and "Practice (autograded)" in text and "Total" in text
    if student == "alice":
        assert "σ² of the output ≠ 0" in text and "no answer" in text
        assert "$x_{D-1}$" not in text and text.count("<math") >= 2 and "<msub>" in text, "math shows as MathML"
    else:
        assert "could not be graded" in text
    for secret in (str(secret_seed(course, "hw1")), ".grading", "autograder/", "def test_", "<script", "src=",
                   "<link", "href="):  # nothing of the grader, nothing loaded from anywhere
        assert secret not in text, secret
    screenshot = tmp_path / f"{student}.png"
    shot = chromium(f"--screenshot={screenshot}", "--window-size=1000,1300", url)
    assert shot.returncode == 0 and screenshot.exists(), shot.stderr[-2000:]
    pixels = np.asarray(Image.open(screenshot).convert("RGB")).astype(int)
    inked = (pixels.sum(axis=2) < 600).mean()
    assert 0.005 < inked < 0.5, f"{inked:.1%} of the screenshot is not background: the page did not render"
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    assert ((r > 120) & (g < 60) & (b < 60)).sum() > 50, "the styles apply (failures and 'no answer' are red)"
