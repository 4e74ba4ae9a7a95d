"""Task "reparam" (1 point): gradients reach mu and logvar with the values the reparameterisation implies, and the
samples are N(mu, exp(logvar)) by a Kolmogorov-Smirnov test at the grader's false-alarm rate (per column, Bonferroni),
and independent across latent dimensions and batch rows (pairwise correlations, Fisher's z, Bonferroni).
"""

import numpy as np
from scipy import stats

from autograder.grading.contract import check
from autograder.grading.stats import FALSE_ALARM_RATE


@check("reparam", points=0.5)
def test_gradients_reach_the_encoder(grader):
    mu = grader.rng.normal(size=(6, 4)).astype(np.float32)
    logvar = grader.rng.uniform(-2, 2, (6, 4)).astype(np.float32)
    weights = grader.rng.normal(size=(6, 4)).astype(np.float32)
    got = grader.student("reparameterized_gradients", mu=mu, logvar=logvar, weights=weights)
    grader.expect(bool(np.isfinite(got["grad_mu"]).all() and np.isfinite(got["grad_logvar"]).all()),
                  "no gradient reaches mu or logvar: z must be a differentiable function of them")
    grader.expect_close(got["grad_mu"], weights, "d z / d mu should be 1", rtol=1e-4, atol=1e-5)
    grader.expect_close(got["grad_logvar"], 0.5 * weights * (got["z"] - mu), "d z / d logvar should be "
                        "(z - mu) / 2", rtol=1e-3, atol=1e-4)


@check("reparam", points=0.5)
def test_samples_follow_the_posterior(grader):
    mu = grader.rng.normal(0, 2, (3, 2)).astype(np.float32)
    logvar = (grader.rng.choice([-1, 1], (3, 2)) * grader.rng.uniform(0.7, 2, (3, 2))).astype(np.float32)
    z = grader.student("reparameterized_samples", mu=mu, logvar=logvar, n=4000)["z"]
    grader.expect(z.shape == (4000, 3, 2), f"expected samples shaped (4000, 3, 2), got {z.shape}")
    grader.expect(bool(np.isfinite(z).all()), "the samples contain NaN or infinity")
    standardised = ((z - mu) / np.exp(0.5 * logvar)).reshape(4000, -1)
    p_values = np.array([stats.kstest(column, "norm").pvalue for column in standardised.T])
    rate = FALSE_ALARM_RATE / 2  # two tests: the marginals, then independence
    grader.expect(p_values.min() > rate / len(p_values), "the samples are not distributed as N(mu, exp(logvar)), "
                  "independently for each sample")
    grader.expect(independence_pvalue(standardised) > rate, "the noise is shared: samples of different latent "
                  "dimensions or different rows of the batch are correlated (draw one noise value per entry)")


def independence_pvalue(columns: np.ndarray) -> float:
    """Smallest p-value (Bonferroni over pairs) of zero correlation between any two columns of an (n, m) array:
    Fisher's z = atanh(r) sqrt(n - 3) is N(0, 1) under independence. Marginal tests cannot see shared noise."""
    n, m = columns.shape
    r = np.corrcoef(columns, rowvar=False)[np.triu_indices(m, 1)]
    z = np.abs(np.arctanh(np.clip(r, -0.999999, 0.999999))) * np.sqrt(n - 3)
    return float(min(1.0, 2 * stats.norm.sf(z.max()) * len(r)))
