"""Task "made" (3 points): masks, the masked linear layer, log-likelihood, autoregressive property, sampling."""

import numpy as np

from autograder.grading.contract import check
from autograder.grading.stats import FALSE_ALARM_RATE, binary_codes, goodness_of_fit_pvalue


def random_architecture(rng, max_dim=9, layers=None):
    """(D, hidden widths, ordering): D in 3..max_dim, `layers` hidden layers (random 1 or 2 when None)."""
    dim = int(rng.integers(3, max_dim + 1))
    hidden = [int(h) for h in rng.integers(dim, 3 * dim, size=layers or int(rng.integers(1, 3)))]
    return dim, hidden, rng.permutation(dim)


def four_cycle(rng) -> np.ndarray:
    """A random ordering of 4 dimensions that is not its own inverse (a single 4-cycle), so a sampler that visits
    the dimensions by `ordering` instead of by its inverse draws them in a wrong order on every seed."""
    cycle = rng.permutation(4)
    ordering = np.empty(4, dtype=int)
    ordering[cycle] = np.roll(cycle, -1)
    return ordering


@check("made", points=1)
def test_masks_equal_the_reference_for_random_sizes_and_orderings(grader):
    for layers in (1, 2, None, None, None):  # one and two hidden layers on every seed
        dim, hidden, ordering = random_architecture(grader.rng, layers=layers)
        got, want = grader.both("made_masks", ordering=ordering, hidden=hidden)
        grader.expect(int(got["count"]) == int(want["count"]), "made_masks must return L + 1 masks for L hidden layers")
        for i in range(int(want["count"])):
            grader.expect_close(got[f"m{i}"], want[f"m{i}"], f"mask {i} is wrong for some orderings or sizes", atol=0)


@check("made", points=0.5)
def test_masked_linear_multiplies_the_weight_by_the_mask(grader):
    rng = grader.rng
    n_in, n_out = int(rng.integers(2, 9)), int(rng.integers(2, 9))
    inputs = dict(weight=rng.normal(size=(n_out, n_in)), bias=rng.normal(size=n_out),
                  mask=(rng.random((n_out, n_in)) < 0.5).astype(np.float64), x=rng.normal(size=(7, n_in)))
    got, want = grader.both("masked_linear", **inputs)
    grader.expect_close(got["y"], want["y"], "MaskedLinear's output is wrong")


@check("made", points=0.5)
def test_log_prob_matches_the_reference_and_stays_finite_for_extreme_logits(grader):
    dim, hidden, ordering = random_architecture(grader.rng)
    params = grader.reference("made_parameters", input_dim=dim, hidden=hidden, ordering=ordering)
    x = (grader.rng.random((16, dim)) < 0.5).astype(np.float32)
    for scale, what in ((1.0, "log_prob is wrong"), (200.0, "log_prob is not finite or wrong for large logits")):
        scaled = {k: v * scale if k[0] in "wb" else v for k, v in params.items()}
        got, want = grader.both("made_log_prob", input_dim=dim, hidden=hidden, ordering=ordering, x=x, **scaled)
        grader.expect_close(got["log_prob"], want["log_prob"], what, rtol=1e-4, atol=1e-3)


@check("made", points=0.5)
def test_every_output_depends_only_on_inputs_earlier_in_the_ordering(grader):
    for layers in (1, 2, None):
        dim, hidden, ordering = random_architecture(grader.rng, layers=layers)
        hidden = [max(h, 4 * dim) for h in hidden]
        x = grader.rng.normal(size=(16, dim)).astype(np.float32)
        jacobian = grader.student("made_jacobian", input_dim=dim, hidden=hidden, ordering=ordering, x=x)["jacobian"]
        grader.expect(jacobian.shape == (dim, dim), f"MADE's output must be (B, D); the Jacobian was {jacobian.shape}")
        forbidden = ordering[None, :] >= ordering[:, None]  # output i may not see input j unless j comes before i
        grader.expect(bool(np.all(jacobian[forbidden] == 0)),
                      "an output depends on an input that does not come before it in the ordering")
        last = int(np.argmax(ordering))
        grader.expect(bool(np.abs(jacobian[last]).sum() > 0), "the last output in the ordering sees no input at all")


@check("made", points=0.5)
def test_samples_follow_the_model_distribution(grader):
    dim, hidden = 4, [16]
    ordering = four_cycle(grader.rng)
    params = grader.reference("made_parameters", input_dim=dim, hidden=hidden, ordering=ordering)
    params = {k: v * 3 if k[0] in "wb" else v for k, v in params.items()}  # a far-from-uniform distribution
    every_x = ((np.arange(2**dim)[:, None] >> np.arange(dim)) & 1).astype(np.float32)
    log_p = grader.reference("made_log_prob", input_dim=dim, hidden=hidden, ordering=ordering, x=every_x,
                             **params)["log_prob"]
    samples = grader.student("made_sample", input_dim=dim, hidden=hidden, ordering=ordering, n=20000,
                             **params)["samples"]
    grader.expect(samples.shape == (20000, dim), f"sample(n) must return (n, D), got {samples.shape}")
    grader.expect(bool(np.isin(samples, (0, 1)).all()), "samples must be 0 or 1")
    p_value = goodness_of_fit_pvalue(binary_codes(samples), np.exp(log_p))
    grader.expect(p_value > FALSE_ALARM_RATE, "samples do not follow the model's own distribution "
                  f"(chi-square test, p = {p_value:.1e})")
