"""Feedback, exam import and final scores."""

from pathlib import Path

import pytest

from autograder.grading.notebook import TEXT_STUB
from autograder.grading.results import CheckResult, SubmissionResult
from autograder.pipeline.reports import (
    EXAM_MAX,
    feedback_html,
    final_score,
    graded_cells,
    is_answered,
    read_exam_csv,
)

REPO = Path(__file__).resolve().parents[1]


def test_final_score_is_points_over_8_minus_2():
    assert final_score(6 * 13 + 26) == pytest.approx(11.0)
    assert final_score(0) == -2
    assert final_score(40) == 3


def test_exam_rows_are_validated_and_bad_ones_reported():
    text = "student_id,score\nalice,20\nbob,27\ncarol,-1\ndave,abc\nerin,12,3\nalice,5\nzed,10\n\nfrank,26\n"
    result = read_exam_csv(text, known_students={"alice", "bob", "carol", "dave", "erin", "frank"})
    assert result.scores == {"alice": 20.0, "frank": 26.0}
    assert len(result.problems) == 6
    for fragment in ("bob", "outside 0..26", "not a number", "2 columns", "appears again", "zed"):
        assert any(fragment in p for p in result.problems), fragment
    assert EXAM_MAX == 26


def check(task, name, points, earned, message=""):
    return CheckResult(f"test_{name}", name.replace("_", " "), task, points, earned,
                       "passed" if earned == points else "failed", message, 0.1)


def hw1_cells(**scores):
    """homework 1's graded cells in notebook order, scored as given (theory left pending)."""
    cells = graded_cells(REPO, "hw1")
    for cell in cells:
        cell.score = scores.get(cell.name, cell.score)
    return cells


def test_feedback_shows_points_and_messages_escaped_and_nothing_else():
    checks = [check("made", "masks_equal", 1.0, 0.0, "mask 0 is wrong <script>"), check("made", "log_prob", 0.5, 0.5)]
    document = SubmissionResult.from_checks("hw1", "hw1.ipynb", checks, problems=["cell 'x' appears 2 times"])
    html = feedback_html("alice", "hw1", document, hw1_cells(made=0.5))
    assert "made: 0.5 / 3" in html and "mask 0 is wrong &lt;script&gt;" in html and "<script>" not in html
    assert "not graded yet: T1, T2, T3, T4, T5" in html and "appears 2 times" in html
    assert "test_masks_equal" not in html, "no test code or test names, only descriptions"


def test_feedback_lists_tasks_in_notebook_order_with_earned_over_max_totals():
    names = ["made", "wavenet", "pixelcnn", "sampling", "training"]  # the order of solutions/hw1/hw1.ipynb
    assert [c.name for c in graded_cells(REPO, "hw1") if not c.theory] == names
    checks = [check(task, f"{task}_works", 1.0, 1.0) for task in sorted(names, reverse=True)]  # checks ran reversed
    document = SubmissionResult.from_checks("hw1", "hw1.ipynb", checks)
    html = feedback_html("alice", "hw1", document, hw1_cells(made=1.0, wavenet=1.0, pixelcnn=1.5, sampling=1.0,
                                                             training=0.0, T1=1.0, T3=0.5))
    headings = [html.index(f"<h3>{name}: ") for name in names]
    assert headings == sorted(headings), "tasks in the source notebook's order, not the checks' or the alphabet's"
    assert "<td>4.5 / 8</td>" in html, "practice: earned / the tasks' maximum"
    assert "<td>1.5 / 5 (not graded yet: T2, T4, T5)</td>" in html
    assert "<td>6 / 13</td>" in html, "total: practice and theory, earned / maximum"


def test_feedback_carries_the_tas_scores_and_words_and_says_no_answer():
    cells = hw1_cells(T1=1.0, T2=0.0, T3=0.5)
    by_name = {c.name: c for c in cells}
    by_name["T1"].comment = "Right: sum over $x_D$ first.\nSee <lecture 2>."
    by_name["T2"].answered = False
    by_name["T5"].answered, by_name["T5"].comment = False, "Please answer next time."
    html = feedback_html("alice", "hw1", None, cells)
    rows = {name: html[html.index(f"<tr><td>{name}</td>"):].split("</tr>")[0] for name in by_name if name[0] == "T"}
    assert "1 / 1" in rows["T1"] and "Right: sum over <math" in rows["T1"]
    assert " first.\nSee &lt;lecture 2&gt;." in rows["T1"]
    assert "no answer" in rows["T2"] and "0 / 1" in rows["T2"]
    assert "0.5 / 1" in rows["T3"] and "no answer" not in rows["T3"]
    assert "not graded yet" in rows["T4"] and "no answer" not in rows["T4"]
    assert "no answer" in rows["T5"] and "Please answer next time." in rows["T5"]


def test_a_notebook_that_could_not_be_graded_gets_one_message():
    reason = "hw1.ipynb is not valid JSON (line 3, column 1: Expecting value)"
    html = feedback_html("bob", "hw1", SubmissionResult.failed("hw1", "hw1.ipynb", reason), hw1_cells(made=0.0))
    assert html.count("not valid JSON") == 1 and html.count("could not be graded") == 1
    assert "made: 0 / 3" in html and "<td>0 / 8</td>" in html and "No check of this task ran" not in html


def test_a_theory_answer_is_blank_when_it_is_empty_or_the_stub():
    assert not any(map(is_answered, (None, "", "  \n", TEXT_STUB, f"\n{TEXT_STUB}\n")))
    assert is_answered(f"{TEXT_STUB}\nThe sum over $x_D$ is 1.") and is_answered("42")


def test_late_work_is_explained_on_the_feedback_page_and_escaped():
    note = "Submitted 2025-03-03 02:59 UTC, 2 days late <for> the due date: 20% of the points are taken off."
    html = feedback_html("alice", "hw1", None, hw1_cells(made=1.0), late=note, late_fraction=0.2)
    assert "Late work." in html and "2 days late &lt;for&gt;" in html
    assert "After the late penalty (−20%)</th><td>0.8 / 13</td>" in html
    assert "Late work." not in feedback_html("alice", "hw1", None, hw1_cells(made=1.0))


def test_math_in_messages_and_comments_becomes_mathml_and_markup_never_gets_through():
    from autograder.pipeline.math_html import text_html

    html = text_html("sum over $x_{D-1}$ then $$\\frac{1}{k}\\sum_i w_i$$ if p < 0.05 & <b>bold</b>")
    assert html.count("<math") == 2 and "<msub>" in html and "<mfrac>" in html and 'display="block"' in html
    assert "p &lt; 0.05 &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    for attack in ("$\\text{<script>alert(1)</script>}$", "$\\text{<img src=x onerror=alert(1)>}$",
                   "$\\text{<mi onclick=alert(1)>}$", "$a < b > c & d$", "$\\href{javascript:alert(1)}{x}$",
                   "$\\style{position:fixed;top:0}{\\text{13 / 13}}$", "$\\class{passed}{x}$", "$\\color{red}{x}$"):
        rendered = text_html(attack)
        assert not any(tag in rendered for tag in ("<script", "<img", "<mi onclick", "<b>", "style=", "class=",
                                                   "color=", "href=")), rendered
    assert text_html("costs 5$ only") == "costs 5$ only"
