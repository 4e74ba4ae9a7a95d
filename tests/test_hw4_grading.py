"""Homework 4's autograded checks, proven three ways (tests/three_way.py)."""

import pytest
from conftest import SLOW_PROOFS
from three_way import *  # noqa: F403 - the shared three-way proof

from autograder.hw4 import bugs  # noqa: F401 - the corpus three_way proves

ASSIGNMENT = "hw4"
INFINITE_LOOP_CHECKS = {"test_conjugates_match_the_reference_and_satisfy_fenchel_young"}
PRACTICE_POINTS = {"prior": 1.5, "surgery": 1.5, "gan_losses": 1.0, "wgan": 1.0, "spectral": 1.0, "fgan": 1.0,
                   "training": 1.0}
# Seeds on which a correct solution once lost points (autograder/hw4/README.md, False alarms): 8, the grid mixture's
# mass outside the grid
FALSE_ALARM_SEEDS = [8]

pytestmark = [pytest.mark.slow] if ASSIGNMENT in SLOW_PROOFS else []
