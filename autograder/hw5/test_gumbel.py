"""Task "gumbel" (1 point): the Gumbel-softmax relaxation against the reference for the grader's logits (up to +-50) and
uniform noise (down to 1e-12 from either end), at temperatures from 0.05 to 5 (a logit from 48 over a temperature below
0.06 on every seed: exp of it overflows), soft and hard, with the gradients with respect to the logits (the hard
sample's is the soft sample's); and the categories of 20,000 hard samples from the grader's noise against
softmax(logits) by a chi-square test (false-alarm rate 1e-6 per grading, ALPHA)."""

import numpy as np
from scipy import stats

from autograder.grading.contract import check

ALPHA = 1e-6
SAMPLES = 20000


def uniform_noise(rng, shape):
    u = rng.uniform(size=shape)
    u.flat[:2] = [1e-12, 1 - 1e-12]
    return u


def inputs(rng, rows, classes):
    logits = rng.normal(0, 3, (rows, classes))
    logits[0] = rng.choice([-1, 1], classes) * rng.uniform(30, 50, classes)
    logits[0, 0] = rng.uniform(48, 50)  # over tau < 0.06, above 700 whatever the noise: exp overflows beyond 709.8
    return logits, uniform_noise(rng, (rows, classes))


@check("gumbel", points=0.25)
def test_soft_samples_match_the_reference_with_their_gradients(grader):
    for tau in (float(grader.rng.uniform(0.05, 0.06)), float(grader.rng.uniform(0.5, 5))):
        rows, classes = int(grader.rng.integers(5, 30)), int(grader.rng.integers(2, 12))
        logits, uniform = inputs(grader.rng, rows, classes)
        batch = logits.reshape(1, rows, classes)  # any leading shape: the last dimension is the categories
        got, want = grader.both("gumbel_softmax", logits=batch, uniform=uniform.reshape(batch.shape), tau=tau,
                                hard=False, weights=grader.rng.normal(size=batch.shape))
        grader.expect_close(got["sample"], want["sample"], f"the soft Gumbel-softmax sample is wrong at temperature "
                            f"{tau:.2f} (softmax((logits - log(-log u)) / tau) over the last dimension, finite for "
                            "logits up to 50, u within 1e-12 of 0 or 1 and small tau)", rtol=1e-9, atol=1e-12)
        grader.expect_close(got["gradient"], want["gradient"], "the soft sample's gradient with respect to the "
                            "logits is wrong", rtol=1e-7, atol=1e-10)


@check("gumbel", points=0.25)
def test_hard_samples_are_one_hot_with_the_soft_gradient(grader):
    tau = float(grader.rng.uniform(0.3, 2))
    rows, classes = int(grader.rng.integers(5, 30)), int(grader.rng.integers(2, 12))
    logits, uniform = inputs(grader.rng, rows, classes)
    batch = (2, rows, classes)  # leading dimensions: the categories are the last one
    logits, uniform = np.stack([logits, logits[::-1]]), np.stack([uniform, uniform[::-1]])
    got, want = grader.both("gumbel_softmax", logits=logits.reshape(batch), uniform=uniform.reshape(batch), tau=tau,
                            hard=True, weights=grader.rng.normal(size=batch))
    grader.expect_close(got["sample"], want["sample"], "the hard sample must be the one-hot vector of the soft "
                        "sample's argmax (up to rounding)", rtol=0, atol=1e-12)
    grader.expect_close(got["gradient"], want["gradient"], "the hard sample's gradient must be the soft sample's "
                        "(straight-through: one_hot - soft.detach() + soft)", rtol=1e-7, atol=1e-10)


@check("gumbel", points=0.5)
def test_hard_samples_follow_the_categorical_distribution(grader):
    classes = int(grader.rng.integers(3, 8))
    logits = grader.rng.normal(0, 1, classes)
    logits[0] = logits.max() + 2.5  # one likely class, and small ones that still get many samples
    uniform = grader.rng.uniform(size=(SAMPLES, classes))
    got = grader.student("gumbel_softmax", logits=np.tile(logits, (SAMPLES, 1)), uniform=uniform,
                         tau=float(grader.rng.uniform(0.2, 2)), hard=True)
    sample = np.asarray(got["sample"], np.float64)
    grader.expect(sample.shape == (SAMPLES, classes) and bool(np.isfinite(sample).all()), "the hard samples must be "
                  "finite, one row per row of logits")
    counts = np.bincount(sample.argmax(1), minlength=classes)
    expected = np.exp(logits - logits.max())
    expected = SAMPLES * expected / expected.sum()
    p = stats.chisquare(counts, expected).pvalue
    grader.expect(p > ALPHA, "the categories of your hard samples do not follow softmax(logits) (chi-square test): "
                  "is the Gumbel noise -log(-log u)?")
