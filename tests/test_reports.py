"""Feedback, exam import and final scores."""

import pytest

from autograder.grading.results import CheckResult, SubmissionResult
from autograder.pipeline.reports import EXAM_MAX, feedback_html, final_score, read_exam_csv


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


def test_feedback_shows_points_and_messages_escaped_and_nothing_else():
    checks = [CheckResult("test_masks_equal", "masks equal", "made", 1.0, 0.0, "failed", "mask 0 is wrong <script>",
                          0.1),
              CheckResult("test_log_prob", "log prob", "made", 0.5, 0.5, "passed", "", 0.1)]
    document = SubmissionResult.from_checks("hw1", "hw1.ipynb", checks, problems=["cell 'x' appears 2 times"])
    html = feedback_html("alice", "hw1", document, [{"cell": "T1", "score": 0.0, "max_score": 1.0, "pending": True}])
    assert "0.5 / 1.5" in html and "mask 0 is wrong &lt;script&gt;" in html and "<script>" not in html
    assert "not graded yet: T1" in html and "appears 2 times" in html
    assert "test_masks_equal" not in html, "no test code or test names, only descriptions"
