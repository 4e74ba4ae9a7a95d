"""Task "sampling" (1 point): ancestral sampling, judged statistically on images small enough to enumerate.

The grader's model is a table: the logit of each position is looked up from the values of all earlier positions,
so it can express any distribution over the images, and the exact probability of every image is known. A
chi-square test at false-alarm rate 1e-3 compares the student's samples with it.
"""

import numpy as np

from autograder.grading.contract import check
from autograder.grading.stats import FALSE_ALARM_RATE, binary_codes, goodness_of_fit_pvalue


def exact_probabilities(table: np.ndarray, size: int) -> np.ndarray:
    """p(x) for every x in {0,1}^size, x's bit k = position k in raster order."""
    every = (np.arange(2**size)[:, None] >> np.arange(size)) & 1
    log_p = np.zeros(2**size)
    for k in range(size):
        prefix = every[:, :k] @ (2 ** np.arange(k)) if k else np.zeros(2**size, dtype=int)
        logit = table[k, prefix]
        log_p += np.where(every[:, k] == 1, -np.logaddexp(0, -logit), -np.logaddexp(0, logit))
    return np.exp(log_p)


def check_sampler(grader, channels, height, width, n=20000):
    size = channels * height * width
    table = grader.rng.normal(scale=1.5, size=(size, 2**size))
    samples = grader.student("ancestral_samples", table=table, n=n, channels=channels, height=height,
                             width=width, timeout=120)["samples"]
    grader.expect(samples.shape == (n, channels, height, width),
                  f"expected samples of shape (n, C, H, W) = {(n, channels, height, width)}, got {samples.shape}")
    grader.expect(bool(np.isin(samples, (0, 1)).all()), "samples must be 0 or 1")
    raster = samples.transpose(0, 2, 3, 1)  # positions in (i, j, c) order, as the table is indexed
    p_value = goodness_of_fit_pvalue(binary_codes(raster), exact_probabilities(table, size))
    grader.expect(p_value > FALSE_ALARM_RATE,
                  f"samples do not follow the model's distribution (chi-square test, p = {p_value:.1e})")


@check("sampling", points=0.5)
def test_samples_of_3x3_images_follow_the_model(grader):
    check_sampler(grader, channels=1, height=3, width=3)


@check("sampling", points=0.5)
def test_samples_with_two_channels_follow_the_raster_order(grader):
    check_sampler(grader, channels=2, height=1, width=3)
