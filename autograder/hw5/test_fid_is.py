"""Task "fid_is" (1.5 points): the Inception Score from class probabilities with exact zeros and near-certain rows;
feature statistics (the mean and the unbiased covariance); the Fréchet distance between Gaussians, against the
reference in float64, with near-singular covariances (fewer samples than features) on every seed, zero between a
Gaussian and itself, symmetric, and equal to the closed form between Gaussians with commuting covariances."""

import numpy as np

from autograder.grading.contract import check

# The grader accepts errors of the trace of the matrix square root up to this share of tr(S1) + tr(S2): the
# eigen-route and scipy.linalg.sqrtm differ by up to 5e-8 of it on rank-deficient covariances (README, Tolerances)
FRECHET_RTOL = 2e-7


def probabilities(rng, rows, classes):
    """Rows of class probabilities: some confident (entries below 1e-12), some with exact zeros, some uniform."""
    logits = rng.normal(0, 3, (rows, classes))
    logits[: rows // 4] *= 12  # near-certain predictions
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs[rows // 4: rows // 2, rng.integers(classes)] = 0.0  # a class never predicted by these rows
    probs[-2:] = 1.0  # uniform rows
    return probs / probs.sum(1, keepdims=True)


@check("fid_is", points=0.5)
def test_inception_score_matches_the_reference(grader):
    rows, classes = int(grader.rng.integers(20, 60)), int(grader.rng.integers(3, 12))
    probs = probabilities(grader.rng, rows, classes)
    probs[:, -1] = 0.0  # a class no sample predicts: 0 log 0 = 0 in the marginal too
    probs /= probs.sum(1, keepdims=True)
    got, want = grader.both("inception_score", probs=probs)
    grader.expect_close(got["score"], want["score"], "the Inception Score is wrong (exp of the mean over samples of "
                        "KL(p(y|x) || p(y)), with p(y) the mean of the rows and 0 log 0 = 0)", rtol=1e-9, atol=1e-12)
    collapsed = np.tile(probs[:1], (rows, 1))  # every sample predicted alike: IS = 1
    got, want = grader.both("inception_score", probs=collapsed)
    grader.expect_close(got["score"], want["score"], "the Inception Score of identical predictions must be 1",
                        rtol=1e-9, atol=1e-12)


def features(rng, rows, dim):
    """Correlated features with scales from 0.01 to 10."""
    mixing = rng.normal(size=(dim, dim)) * rng.uniform(0.01, 10, dim)
    return rng.normal(size=(rows, dim)) @ mixing + rng.normal(0, 5, dim)


@check("fid_is", points=0.25)
def test_feature_statistics_match_the_reference(grader):
    dim = int(grader.rng.integers(3, 12))
    for rows in (int(grader.rng.integers(2, dim)), int(grader.rng.integers(dim + 5, 80))):  # fewer and more rows
        got, want = grader.both("feature_statistics", features=features(grader.rng, rows, dim))
        grader.expect_close(got["mean"], want["mean"], "the mean of the features is wrong (the mean of the rows)",
                            rtol=1e-10, atol=1e-10)
        grader.expect_close(got["covariance"], want["covariance"], "the covariance of the features is wrong (F x F, "
                            "centred rows, divided by N - 1)", rtol=1e-9, atol=1e-9)


def statistics(x):
    return x.mean(0), np.cov(x, rowvar=False)


def expect_distance(grader, got, want, scale, message):
    grader.expect_close(got, want, message, rtol=FRECHET_RTOL, atol=FRECHET_RTOL * scale)


@check("fid_is", points=0.75)
def test_frechet_distance_matches_the_reference_also_for_singular_covariances(grader):
    dim = int(grader.rng.integers(8, 24))
    cases = []
    for rows in (int(grader.rng.integers(dim + 20, 200)), int(grader.rng.integers(3, dim // 2 + 1))):
        first = features(grader.rng, rows, dim)
        second = features(grader.rng, rows + int(grader.rng.integers(0, 5)), dim)
        cases.append((statistics(first), statistics(second)))
    for (mu1, sigma1), (mu2, sigma2) in cases:
        scale = np.trace(sigma1) + np.trace(sigma2)
        got, want = grader.both("frechet_distance", mu1=mu1, sigma1=sigma1, mu2=mu2, sigma2=sigma2)
        expect_distance(grader, got["distance"], want["distance"], scale, "the Fréchet distance is wrong (for "
                        "singular covariances too: fewer samples than features; clamp rounded negative eigenvalues "
                        "at 0)")
        swapped = grader.student("frechet_distance", mu1=mu2, sigma1=sigma2, mu2=mu1, sigma2=sigma1)
        expect_distance(grader, swapped["distance"], want["distance"], scale, "the Fréchet distance is not "
                        "symmetric: d(P, Q) must equal d(Q, P)")
        itself = grader.student("frechet_distance", mu1=mu1, sigma1=sigma1, mu2=mu1, sigma2=sigma1)
        expect_distance(grader, itself["distance"], np.float64(0.0), 2 * np.trace(sigma1), "the Fréchet distance "
                        "of a Gaussian to itself must be 0 (also for a singular covariance)")
    # commuting covariances (shared eigenvectors): the trace term is sum (sqrt(a_i) - sqrt(b_i))^2
    rotation, _ = np.linalg.qr(grader.rng.normal(size=(dim, dim)))
    a, b = grader.rng.uniform(0.01, 4, dim), grader.rng.uniform(0.01, 4, dim)
    mu1, mu2 = grader.rng.normal(0, 2, dim), grader.rng.normal(0, 2, dim)
    exact = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    got = grader.student("frechet_distance", mu1=mu1, sigma1=(rotation * a) @ rotation.T, mu2=mu2,
                         sigma2=(rotation * b) @ rotation.T)
    expect_distance(grader, got["distance"], exact, a.sum() + b.sum(), "the Fréchet distance between two Gaussians "
                    "with commuting covariances is not the closed form |mu1 - mu2|^2 + sum (sqrt a_i - sqrt b_i)^2")
