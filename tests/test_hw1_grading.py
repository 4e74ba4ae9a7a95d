"""Homework 1's autograded checks, proven three ways (tests/three_way.py), and the adversarial corpus: hostile code
earns nothing it did not compute, touches no other submission and leaves no process behind."""

import pytest
from three_way import *  # noqa: F403 - the shared three-way proof
from three_way import failures, lost_tasks

from autograder.adversarial import ATTACKS
from autograder.hw1 import bugs  # noqa: F401 - the corpus three_way proves
from autograder.sandbox import SANDBOX_UID_BASE, living_processes

ASSIGNMENT = "hw1"
INFINITE_LOOP_CHECKS = {"test_receptive_field_counts_past_and_present_inputs"}
PRACTICE_POINTS = {"made": 3.0, "wavenet": 1.5, "pixelcnn": 1.5, "sampling": 1.0, "training": 1.0}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_hostile_code_earns_nothing_it_did_not_compute(results, name):
    document = results(f"attack-{name}")
    assert document["points"] == 8, "the points of a task come from the grader, not from the notebook"
    if ATTACKS[name].loses == "all":
        assert document["earned"] == 0, failures(document)
    else:
        assert lost_tasks(document) == set(ATTACKS[name].loses), failures(document)


def test_hostile_code_touched_no_submission_and_left_no_process(graded):
    _, report = graded
    assert {path: path.read_bytes() for path in report.submitted_before} == report.submitted_before
    leftovers = living_processes(range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + 2**22))
    assert leftovers == [], "processes of a sandbox user outlived their grading (the fork bomb's children?)"
