"""Homework 5's autograded checks, proven three ways (tests/three_way.py)."""

import pytest
from conftest import SLOW_PROOFS
from three_way import *  # noqa: F403 - the shared three-way proof

from autograder.hw5 import bugs  # noqa: F401 - the corpus three_way proves

ASSIGNMENT = "hw5"
INFINITE_LOOP_CHECKS = {"test_samples_follow_the_truncated_normal_for_a_small_threshold",
                        "test_samples_follow_the_truncated_normal_for_moderate_and_large_thresholds"}
PRACTICE_POINTS = {"fid_is": 1.5, "precision_recall": 1.5, "truncation": 1.0, "vq": 1.5, "gumbel": 1.0, "vqvae": 1.5}
# Seeds on which a correct solution once lost points (autograder/hw5/README.md, False alarms): none so far
FALSE_ALARM_SEEDS = []

pytestmark = [pytest.mark.slow] if ASSIGNMENT in SLOW_PROOFS else []
