"""Task "surgery" (1.5 points): ELBO surgery. The aggregated posterior's log-density against the reference (also far
from every posterior, where only log space works); the three terms against the reference for the grader's posteriors
and noise, with a trusted aggregated posterior in place of the student's; and, with the student's own, the identity
average KL = I + marginal KL within its Monte Carlo error on the trusted side, I = 0 when every posterior is the same
and I = log N when the posteriors do not overlap."""

import numpy as np

from autograder.grading.contract import check


def posteriors(rng, rows, dim, spread=2.0):
    return rng.normal(0, spread, (rows, dim)), rng.uniform(-2.5, 0.5, (rows, dim))


@check("surgery", points=0.5)
def test_aggregated_posterior_matches_the_reference_in_log_space(grader):
    dim, rows = int(grader.rng.integers(2, 5)), int(grader.rng.integers(20, 60))
    points = int(grader.rng.integers(5, 19))
    mu, log_sigma = posteriors(grader.rng, rows, dim)
    z = grader.rng.normal(0, 3, (points, dim))
    z[:3] = mu[:3] + 200  # every posterior's density underflows to 0 there
    got, want = grader.both("aggregated", z=z, mu=mu, log_sigma=log_sigma)
    grader.expect_close(got["log_q"], want["log_q"], "log q(z) of the aggregated posterior is wrong (also far from "
                        "every posterior, where it must be computed in log space)", rtol=1e-8, atol=1e-8)


@check("surgery", points=0.5)
def test_surgery_terms_match_the_reference(grader):
    dim, rows = int(grader.rng.integers(2, 5)), int(grader.rng.integers(50, 200))
    mu, log_sigma = posteriors(grader.rng, rows, dim)
    got, want = grader.both("surgery", mu=mu, log_sigma=log_sigma, eps=grader.rng.normal(size=(rows, dim)), trusted=1)
    for name, what in (("average_kl", "the closed-form KL(q(z|x_n) || N(0, I)) averaged over the points"),
                       ("mutual_information", "mean_n [log q(z_n|x_n) - log q(z_n)]"),
                       ("marginal_kl", "mean_n [log q(z_n) - log N(z_n; 0, I)]")):
        grader.expect_close(got[name], want[name], f"{name} is wrong: it is {what} (with a correct aggregated "
                            "posterior here)", rtol=1e-8, atol=1e-8)


def log_normal(z, mu, log_sigma):
    return (-0.5 * ((z - mu) / np.exp(log_sigma)) ** 2 - log_sigma - 0.5 * np.log(2 * np.pi)).sum(-1)


@check("surgery", points=0.5)
def test_the_identity_and_the_bounds_hold_with_your_aggregated_posterior(grader):
    dim, rows = 2, 2000
    mu, log_sigma = posteriors(grader.rng, rows, dim, spread=1.0)
    eps = grader.rng.normal(size=(rows, dim))
    terms = grader.student("surgery", mu=mu, log_sigma=log_sigma, eps=eps, trusted=0)
    z = mu + np.exp(log_sigma) * eps  # the same samples, on the trusted side
    per_point = log_normal(z, mu, log_sigma) - log_normal(z, 0.0, 0.0)  # its mean is I + marginal KL, exactly
    error = 5 * per_point.std() / np.sqrt(rows)
    total = float(terms["mutual_information"] + terms["marginal_kl"])
    grader.expect(abs(float(terms["average_kl"]) - total) <= error, "average KL = I + marginal KL does not hold within "
                  f"the Monte Carlo error ({error:.3f}) of one sample per point")
    same = grader.student("surgery", mu=np.repeat(mu[:1], 300, 0), log_sigma=np.repeat(log_sigma[:1], 300, 0),
                          eps=grader.rng.normal(size=(300, dim)), trusted=0)
    grader.expect(abs(float(same["mutual_information"])) < 1e-6, "when every posterior is the same, the code says "
                  "nothing about the point: I must be 0")
    apart = 100.0 * np.arange(50)[:, None] * np.ones(dim)  # posteriors 100 apart with sigma <= 1: no overlap
    far = grader.student("surgery", mu=apart, log_sigma=grader.rng.uniform(-3, 0, (50, dim)),
                         eps=grader.rng.normal(size=(50, dim)), trusted=0)
    grader.expect(abs(float(far["mutual_information"]) - np.log(50)) < 1e-6, "when the posteriors do not overlap, the "
                  "code identifies the point: I must be log N")
