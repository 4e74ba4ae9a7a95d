"""Task "truncation" (1 point): samples of the student's truncated_normal, drawn in the student's process after the
grader seeded PyTorch, judged on the trusted side against the exact truncated normal: every coordinate inside the
bounds; each coordinate's distribution by a Kolmogorov-Smirnov test against scipy's truncnorm; the variance by a z-test
with the exact moments; independence by the correlations between coordinates and a KS test of a coordinate's
distribution given that another one is large; for a small threshold (0.1-0.12, where clipping puts over 90 % of the mass
on the bounds and fewer than 10 % of N(0, 1) draws land inside), a moderate one (0.5-1) and a large one (1.5-3) on every
seed.

False alarms: each test rejects a correct sampler with probability 1e-6 (ALPHA); a grading runs at most 3 x (dim + 3) <=
33 of them, so a correct sampler loses this task with probability below 3.3e-5."""

import numpy as np
from scipy import stats

from autograder.grading.contract import check

ALPHA = 1e-6
SAMPLES = 50000


def expect_truncated_normal(grader, z, dim, threshold):
    grader.expect(z.shape == (SAMPLES, dim), f"truncated_normal({SAMPLES}, {dim}, ...) must have the shape "
                  f"({SAMPLES}, {dim}), got {z.shape}")
    grader.expect(bool(np.isfinite(z).all()) and float(np.abs(z).max()) <= threshold * (1 + 1e-6),
                  f"with threshold {threshold:.3g} some coordinates lie outside [-threshold, threshold]")
    exact = stats.truncnorm(-threshold, threshold)
    for i in range(dim):
        p = stats.kstest(z[:, i], exact.cdf).pvalue
        grader.expect(p > ALPHA, f"with threshold {threshold:.3g} coordinate {i} is not distributed as N(0, 1) "
                      "restricted to [-threshold, threshold] (resample the coordinates outside the bounds; do not "
                      "clip or rescale them)")
    # the variance of all coordinates pooled, by a z-test with the exact truncated normal's moments (KS alone misses
    # a sampler that replaces out-of-range coordinates once by U(-threshold, threshold): found by a review)
    variance, fourth = exact.moment(2), exact.moment(4)
    z_score = (float((z**2).mean()) - variance) / np.sqrt((fourth - variance**2) / z.size)
    grader.expect(2 * stats.norm.sf(abs(z_score)) > ALPHA, f"with threshold {threshold:.3g} the coordinates' variance "
                  "is not the truncated normal's (resample the coordinates outside the bounds from N(0, 1))")
    # independence: no correlation between coordinates (Fisher's z test on the largest one) ...
    correlation = np.corrcoef(z, rowvar=False)[np.triu_indices(dim, 1)]
    largest = float(np.abs(np.arctanh(np.clip(correlation, -0.999999, 0.999999))).max()) * np.sqrt(SAMPLES - 3)
    pairs = dim * (dim - 1) // 2
    grader.expect(2 * stats.norm.sf(largest) > ALPHA / pairs, f"with threshold {threshold:.3g} the coordinates are "
                  "correlated: draw each one independently")
    # ... and a coordinate keeps its distribution where another one is large (resampling a whole row is fine)
    large = np.abs(z[:, 0]) > np.quantile(np.abs(z[:, 0]), 0.5)
    p = stats.kstest(z[large, 1], exact.cdf).pvalue
    grader.expect(p > ALPHA, f"with threshold {threshold:.3g} the coordinates are not independent: coordinate 1 has "
                  "another distribution where coordinate 0 is large")


def expect_samples(grader, low, high):
    dim, threshold = int(grader.rng.integers(2, 9)), float(grader.rng.uniform(low, high))
    z = grader.student("truncated_normal", n=SAMPLES, dim=dim, threshold=threshold)["z"]
    expect_truncated_normal(grader, np.asarray(z, np.float64), dim, threshold)


@check("truncation", points=0.5)
def test_samples_follow_the_truncated_normal_for_a_small_threshold(grader):
    expect_samples(grader, 0.1, 0.12)  # under 10 % of N(0, 1) draws land inside: a fixed 10x oversampling runs short


@check("truncation", points=0.5)
def test_samples_follow_the_truncated_normal_for_moderate_and_large_thresholds(grader):
    expect_samples(grader, 0.5, 1.0)
    expect_samples(grader, 1.5, 3.0)
