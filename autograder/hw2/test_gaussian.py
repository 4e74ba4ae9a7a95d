"""Task "gaussian" (1.5 points): the diagonal-Gaussian KL and the Gaussian and Bernoulli negative log-likelihoods,
exact against the reference on secret inputs, and finite and accurate for extreme ones (float32)."""

import numpy as np

from autograder.grading.contract import check


def gaussians(rng, shape, scale=1.0, low=None, high=None):
    mu = rng.normal(0, scale, shape)
    logvar = rng.normal(0, 1, shape) if low is None else rng.uniform(low, high, shape)
    return mu.astype(np.float32), logvar.astype(np.float32)


@check("gaussian", points=0.5)
def test_kl_matches_the_reference(grader):
    shape = (7, int(grader.rng.integers(2, 9)))
    (mu_q, logvar_q), (mu_p, logvar_p) = gaussians(grader.rng, shape), gaussians(grader.rng, shape)
    got, want = grader.both("kl", mu_q=mu_q, logvar_q=logvar_q, mu_p=mu_p, logvar_p=logvar_p)
    grader.expect_close(got["kl"], want["kl"], "KL(q || p) is wrong", rtol=1e-4, atol=1e-5)


@check("gaussian", points=0.5)
def test_negative_log_likelihoods_match_the_reference(grader):
    shape = (6, int(grader.rng.integers(2, 9)))
    mu, logvar = gaussians(grader.rng, shape)
    x = (mu + grader.rng.normal(size=shape)).astype(np.float32)
    binary = grader.rng.integers(0, 2, shape).astype(np.float32)
    logits = grader.rng.normal(0, 3, shape).astype(np.float32)
    got, want = grader.both("nll", x=x, mu=mu, logvar=logvar, binary=binary, logits=logits)
    grader.expect_close(got["gaussian"], want["gaussian"], "the Gaussian negative log-likelihood is wrong", rtol=1e-4)
    grader.expect_close(got["bernoulli"], want["bernoulli"], "the Bernoulli negative log-likelihood is wrong",
                        rtol=1e-4)


@check("gaussian", points=0.5)
def test_extreme_inputs_stay_finite_and_accurate(grader):
    shape = (5, 4)
    logvar_q = grader.rng.uniform(88, 100, shape).astype(np.float32)  # exp() overflows float32 above 88.7
    logvar_p = (logvar_q + grader.rng.uniform(-3, 3, shape)).astype(np.float32)
    mu_q, mu_p = (grader.rng.normal(size=shape).astype(np.float32) for _ in range(2))
    got, want = grader.both("kl", mu_q=mu_q, logvar_q=logvar_q, mu_p=mu_p, logvar_p=logvar_p)
    grader.expect_close(got["kl"], want["kl"], "KL is wrong for log-variances near 100 (do not divide exponentials)",
                        rtol=1e-3, atol=1e-3)
    binary = grader.rng.integers(0, 2, shape).astype(np.float32)
    logits = (grader.rng.choice([-1, 1], shape) * grader.rng.uniform(100, 200, shape)).astype(np.float32)
    mu, logvar = gaussians(grader.rng, shape, low=-80, high=80)
    x = (mu + np.exp(0.5 * logvar.astype(np.float64)) * grader.rng.normal(size=shape)).astype(np.float32)
    got, want = grader.both("nll", x=x, mu=mu, logvar=logvar, binary=binary, logits=logits)
    grader.expect_close(got["bernoulli"], want["bernoulli"], "the Bernoulli NLL is wrong for logits of +-200 (never "
                        "take the log of a sigmoid yourself)", rtol=1e-4)
    grader.expect_close(got["gaussian"], want["gaussian"], "the Gaussian NLL is wrong for log-variances of +-80",
                        rtol=1e-3, atol=1e-3)
