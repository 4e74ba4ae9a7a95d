"""Homework 3's autograded checks, proven three ways (tests/three_way.py)."""

import pytest
from conftest import SLOW_PROOFS
from three_way import *  # noqa: F403 - the shared three-way proof
from three_way import POWER_SEEDS

from autograder.grading.contract import ReferenceOutputs
from autograder.grading.plugin import reference_process
from autograder.hw3 import bugs  # noqa: F401 - the corpus three_way proves
from autograder.layout import course_root
from autograder.pipeline.examples import Patch, apply_patches, reference_submission
from autograder.tools.power import hidden_checks, run_checks

ASSIGNMENT = "hw3"
pytestmark = [pytest.mark.slow] if ASSIGNMENT in SLOW_PROOFS else []
INFINITE_LOOP_CHECKS = {"test_values_match_the_reference_including_the_edges",
                        "test_extreme_scales_and_far_tails_stay_finite_and_accurate",
                        "test_the_256_probabilities_sum_to_one"}
PRACTICE_POINTS = {"lu": 1.0, "coupling": 1.5, "autoregressive": 1.5, "logistic": 1.5, "dequantization": 1.0,
                   "realnvp": 1.5}
# Seeds on which a correct solution once lost points (autograder/hw3/README.md, False alarms): 13, the logistic values
# in float32; 202, the noise's saturated sigmoid (the TransformedDistribution alternative); 1001, a bound averaged
# over noise that was not standard normal
FALSE_ALARM_SEEDS = [13, 202, 1001]


FORGED_BUFFERS = '''
    def _save_to_state_dict(self, destination, prefix, keep_vars):  # what the grader gets back: P scaled by 1e-3
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + "permutation"] = self.permutation * 1e-3

    def weight(self):'''
NO_TRAINING = '''
import dgmlib.train
dgmlib.train.fit = lambda *args, **kwargs: None  # train nothing'''


def test_forged_buffers_add_no_likelihood(tmp_path):
    """An untrained RealNVP whose LU layers send back permutations scaled by 1e-3 would gain log 1000 nats per point
    and layer in the reference's architecture (whose log-determinant is sum(log_s)): 1.76 nats on eight Gaussians,
    under the threshold, before the grader kept its own masks, permutations and signs. It must fail the likelihood
    check, on the likelihood itself (not on a broken notebook or a rejected layout)."""
    last_line = "return torch.linalg.solve_triangular(upper, y, upper=True).T"
    forged = apply_patches(reference_submission(course_root(), ASSIGNMENT),
                           [Patch("lu_answer", "\n    def weight(self):", FORGED_BUFFERS),
                            Patch("lu_answer", last_line, last_line + NO_TRAINING)])
    likelihood = [c for c in hidden_checks(ASSIGNMENT)
                  if c.check_id == "test_trained_flow_reaches_the_held_out_likelihood"]
    reference = ReferenceOutputs(lambda: reference_process(course_root(), ASSIGNMENT), tmp_path)
    try:
        verdicts = run_checks(ASSIGNMENT, forged, likelihood, POWER_SEEDS[:1], reference)
    finally:
        reference.close()
    message = verdicts.failed[POWER_SEEDS[0]].get(likelihood[0].check_id, "")
    assert message.startswith("after training on eight Gaussians"), message
