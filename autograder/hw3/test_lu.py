"""Task "lu" (1 point): the LU-parameterised linear flow, exact against the reference for grader-chosen parameters
(a permutation that is one cycle, signs of both kinds, full matrices of which only the strictly triangular parts
count), its log-determinant against slogdet of the reference's W on the trusted side, and a near-singular W whose
determinant computed from W is rounding noise (around e^-100 or 0 against a true e^-870)."""

import numpy as np

from autograder.grading.contract import check


def lu_state(rng, dim, log_s_low=-1.0, log_s_high=1.0):
    """Grader-chosen LU parameters, named as the release's constructor names them."""
    order = rng.permutation(dim)  # one cycle through every coordinate: never its own inverse (dim >= 3), so P and
    permutation = np.zeros((dim, dim))  # P^T differ on every seed
    permutation[order, np.roll(order, 1)] = 1
    sign = rng.choice([-1.0, 1.0], dim)
    sign[order[:2]] = -1.0, 1.0  # both signs on every seed: dropping them changes W
    return {"permutation": permutation, "sign": sign,
            # full matrices: only the strictly lower part of `lower` and the strictly upper part of `upper` count
            "lower": rng.normal(0, 0.5, (dim, dim)), "upper": rng.normal(0, 0.5, (dim, dim)),
            "log_s": rng.uniform(log_s_low, log_s_high, dim), "bias": rng.normal(0, 1, dim)}


@check("lu", points=0.5)
def test_lu_flow_matches_the_reference_and_inverts(grader):
    dim = int(grader.rng.integers(3, 7))
    state = lu_state(grader.rng, dim)
    x, z = grader.rng.normal(size=(8, dim)), grader.rng.normal(size=(8, dim))
    got, want = grader.both("lu_weight", dim=dim, **state)
    grader.expect_close(got["weight"], want["weight"], "W = P L (U + diag(sign exp(log_s))) is wrong (only the "
                        "strictly lower part of `lower` and the strictly upper part of `upper` count)", rtol=1e-6)
    _, logdet = np.linalg.slogdet(np.asarray(want["weight"]))
    got, want = grader.both("lu_flow", x=x, **state)
    grader.expect_close(got["z"], want["z"], "forward(x) is wrong", rtol=1e-6)
    grader.expect_close(got["log_det"], np.full(8, logdet), "log|det W| is not sum(log_s)", rtol=1e-6)
    got, want = grader.both("lu_inverse", z=z, **state)
    grader.expect_close(got["inverse"], want["inverse"], "inverse(z) is wrong", rtol=1e-6, atol=1e-8)


@check("lu", points=0.5)
def test_lu_flow_stays_exact_for_a_near_singular_matrix(grader):
    dim = 16
    state = lu_state(grader.rng, dim, -60.0, -50.0)  # |det W| < e^-800: from W, det and slogdet give rounding noise
    x = grader.rng.normal(size=(4, dim))
    got, want = grader.both("lu_flow", x=x, **state)
    grader.expect_close(got["log_det"], want["log_det"], "log|det W| is wrong for a near-singular W: it is "
                        "sum(log_s), exactly, while a determinant computed from W is rounding noise", rtol=1e-6)
    grader.expect_close(got["z"], want["z"], "forward(x) is wrong for a near-singular W", rtol=1e-6, atol=1e-12)
