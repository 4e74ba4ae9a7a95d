"""Task "logistic" (1.5 points): PixelCNN++'s discretized logistic mixture, exact against the reference including
both edge bins (also far from every component, where only the open-ended form is right), stable for extreme scales
and far tails with finite gradients in float32, and a distribution: the 256 probabilities sum to 1 on the trusted side
for grader-chosen parameters.

Values are compared in float64: in float32 the difference of two sigmoids near 1 loses digits, and an implementation
more accurate than the reference must not lose points for it (the reference computed in float64 differs from itself
in float32 by up to 3e-3 on 5% of seeds)."""

import numpy as np

from autograder.grading.contract import check

VALUES = 2 * np.arange(256) / 255 - 1


def parameters(rng, rows, k, low=-4.0, high=0.0):
    return (rng.normal(0, 1, (rows, k)), rng.uniform(-1, 1, (rows, k)), rng.uniform(low, high, (rows, k)))


def far_from_the_edges(rng, k):
    """Rows for x = -1 and x = 1 whose components all sit at least 0.4 inside with scales below e^-4 (0.018): each
    edge bin's probability is below 1e-9, where the interior bins' fallback would be wrong (every seed)."""
    weights = rng.normal(0, 1, (2, k))
    means = rng.uniform(-0.6, 0.6, (2, k))
    return weights, means, rng.uniform(-6, -4, (2, k))


@check("logistic", points=0.5)
def test_values_match_the_reference_including_the_edges(grader):
    k = int(grader.rng.integers(2, 6))
    levels = np.concatenate([[0, 255, 0, 255], grader.rng.integers(1, 255, 14)])  # both edges on every seed
    x = VALUES[levels]
    far, usual = far_from_the_edges(grader.rng, k), parameters(grader.rng, len(x) - 2, k)
    weights, means, log_scales = (np.concatenate(parts) for parts in zip(far, usual, strict=True))
    got, want = grader.both("logistic_mixture", x=x, logit_weights=weights, means=means, log_scales=log_scales,
                            dtype="float64")
    grader.expect_close(got["log_prob"][:4], want["log_prob"][:4], "the edge bins are wrong: k = 0 takes everything "
                        "below x + 1/255, k = 255 everything above x - 1/255, computed in log space (also far from "
                        "every component)", rtol=1e-6, atol=1e-8)
    grader.expect_close(got["log_prob"], want["log_prob"], "log P(x) is wrong for interior values", rtol=1e-6,
                        atol=1e-8)


@check("logistic", points=0.5)
def test_extreme_scales_and_far_tails_stay_finite_and_accurate(grader):
    x = VALUES[grader.rng.integers(0, 256, 24)]
    weights, means, _ = parameters(grader.rng, 24, 3)
    log_scales = np.concatenate([grader.rng.uniform(-12, -7, (12, 3)), grader.rng.uniform(3, 6, (12, 3))])
    inputs = {"x": x, "logit_weights": weights, "means": means, "log_scales": log_scales}
    got, want = grader.both("logistic_mixture", **inputs, dtype="float64")
    grader.expect_close(got["log_prob"], want["log_prob"], "log P(x) is wrong or not finite for tiny or huge scales "
                        "(a bin below 1e-5: use the density at its centre times 2/255)", rtol=1e-6, atol=1e-8)
    single = grader.student("logistic_mixture", **inputs, gradients=1)  # float32, as in training
    grader.expect(np.isfinite(single["log_prob"]).all(), "in float32, log P(x) is not finite for tiny or huge scales")
    for name in ("grad_weights", "grad_means", "grad_log_scales"):
        grader.expect(np.isfinite(single[name]).all(), f"in float32, the gradient ({name}) is not finite for extreme "
                      "scales (torch.where differentiates both branches: clamp before the log)")


@check("logistic", points=0.5)
def test_the_256_probabilities_sum_to_one(grader):
    """In float32, as in training: the student's 256 probabilities sum to 1, and they are the mixture's (within 0.01
    in L1 of the reference's: a constant log P = -log 256 sums to 1 too; the first mixture, with scales below e^-1,
    is 0.2 or more from uniform)."""
    for low, high in ((-5.0, -1.0), (-1.0, 1.5)):
        weights, means, log_scales = (np.repeat(p, 256, axis=0) for p in parameters(grader.rng, 1, 3, low, high))
        got, want = grader.both("logistic_mixture", x=VALUES, logit_weights=weights, means=means,
                                log_scales=log_scales)
        probabilities = np.exp(np.asarray(got["log_prob"], np.float64))
        total = float(probabilities.sum())
        grader.expect(abs(total - 1) < 1e-3, f"the probabilities of the 256 values sum to {total:.4f}, not 1")
        distance = float(np.abs(probabilities - np.exp(np.asarray(want["log_prob"], np.float64))).sum())
        grader.expect(distance < 0.01, "the 256 probabilities sum to 1 but are not the mixture's (far from them in "
                      "L1)")
