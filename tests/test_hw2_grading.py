"""Homework 2's autograded checks, proven three ways (tests/three_way.py)."""

import pytest
from conftest import SLOW_PROOFS
from three_way import *  # noqa: F403 - the shared three-way proof

from autograder.hw2 import bugs  # noqa: F401 - the corpus three_way proves

ASSIGNMENT = "hw2"
pytestmark = [pytest.mark.slow] if ASSIGNMENT in SLOW_PROOFS else []
INFINITE_LOOP_CHECKS = {"test_m_step_matches_the_reference",
                        "test_em_never_decreases_the_likelihood_and_converges_like_the_reference"}
PRACTICE_POINTS = {"em": 1.5, "gaussian": 1.5, "reparam": 1.0, "vae_loss": 0.5, "iwae": 1.0, "collapse": 1.0,
                   "training": 1.5}
# EM from a random start once emptied a component here and the reference failed (README: Power of the checks)
FALSE_ALARM_SEEDS = [9080060273576795493]
