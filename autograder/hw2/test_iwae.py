"""Task "iwae" (1 point): the IWAE bound from log importance weights: exact, stable, and growing with k."""

import numpy as np

from autograder.grading.contract import check

LOG_WEIGHT_STD = 2.0  # log-normal weights: E[log w] = 0, log E[w] = std^2 / 2 = 2 nats
KS = (1, 2, 5, 20, 100)


@check("iwae", points=0.5)
def test_iwae_matches_the_reference_for_fixed_weights(grader):
    for k in (1, int(grader.rng.integers(2, 12))):
        log_weights = grader.rng.normal(-50, 3, (k, 11))
        got, want = grader.both("iwae_bound", log_weights=log_weights)
        grader.expect_close(got["bound"], want["bound"], f"the bound with k = {k} is wrong", rtol=1e-6)


@check("iwae", points=0.25)
def test_iwae_is_stable_for_extreme_weights(grader):
    """Shifting every log-weight by c shifts the bound by c: judged on the student's own bound, so a wrong value
    (judged by the exact check) does not cost these points too, and an overflow or underflow does."""
    log_weights = grader.rng.normal(0, 5, (8, 6))
    shift = float(grader.rng.choice([-1, 1]) * 1e4)
    plain = grader.student("iwae_bound", log_weights=log_weights)["bound"]
    grader.expect(bool(np.isfinite(plain).all()), "the bound is NaN or infinite for ordinary log-weights")
    shifted = grader.student("iwae_bound", log_weights=log_weights + shift)["bound"]
    grader.expect_close(shifted - shift, plain, "the bound overflows or underflows when every log-weight is near "
                        "+-1e4 (shifting all log-weights by c must shift the bound by c: use logsumexp)",
                        rtol=1e-6, atol=1e-6)


@check("iwae", points=0.25)
def test_iwae_grows_with_k_towards_the_log_likelihood(grader):
    """Average bound over 4,000 examples of i.i.d. log-normal weights: non-decreasing in k (with 4 standard errors of
    slack) and at k = 100 past half of the gap log E[w] - E[log w]."""
    means = []
    for k in KS:
        log_weights = grader.rng.normal(0, LOG_WEIGHT_STD, (k, 4000))
        means.append(float(np.mean(grader.student("iwae_bound", log_weights=log_weights)["bound"])))
    slack = 4 * LOG_WEIGHT_STD / np.sqrt(4000)
    grader.expect(bool(np.all(np.diff(means) > -slack)), "the bound does not grow with k on average")
    grader.expect(means[-1] - means[0] > LOG_WEIGHT_STD ** 2 / 4, "with k = 100 the bound should be much tighter "
                  "than with k = 1")
