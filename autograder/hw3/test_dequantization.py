"""Task "dequantization" (1 point): the logit-normal noise q(u | x), exact against the reference for grader-chosen
weights and noise; the variational dequantization bound and its gradient, exact for a noise the grader writes itself,
and on average below the exact discrete log-likelihood of the density it is given (from the Gaussian's CDF, on the
trusted side); and a short fit of the student's noise with the student's bound, scored by the reference's bound.

The gain of the fit is calibrated over 20 seeds of the reference (autograder/hw3/README.md):
    python -m autograder.tools.calibrate hw3 test_dequantization noise_fit_gain \
        --check test_a_short_fit_of_the_noise_beats_its_start_and_uniform_dequantization --seeds 20"""

import numpy as np
from scipy import special

from autograder.grading.contract import check

HIDDEN = 8
MAX_PRE_SIGMOID = 20.0  # |mu + e^beta eps| at most this: sigma(a) stays below 1 in float64 (it rounds to 1 past 36)
EPS_BOUND = 4.0
FIT_STEPS = 300
MIN_GAIN = 0.25  # 220 reference runs: 4.8 +- 2.0 nats, min 1.34; a noise that never moves scores <= 0 exactly


def noise_state(grader, dim):
    """Grader-chosen weights for the given network (Linear, Tanh, Linear), with the last layer shrunk until
    |a| = |mu(x) + e^beta(x) eps| <= MAX_PRE_SIGMOID for every x and |eps| <= EPS_BOUND (tanh is within [-1, 1], so
    |mu_i| and |beta_i| are at most the absolute row sum of the last layer plus its bias)."""
    state = grader.reference("noise_parameters", dim=dim, hidden=HIDDEN)
    state = {name: grader.rng.normal(0, 0.5, np.shape(value)) for name, value in state.items()}
    weight = max(name for name in state if name.endswith(".weight"))
    bias = weight.removesuffix("weight") + "bias"
    while True:
        reach = np.abs(state[weight]).sum(1) + np.abs(state[bias])
        if np.max(reach[:dim] + np.exp(reach[dim:]) * EPS_BOUND) <= MAX_PRE_SIGMOID:
            return state
        state[weight], state[bias] = 0.8 * state[weight], 0.8 * state[bias]


def grader_eps(grader, shape, scale=1.5):
    """Noise for the values (scale 1.5: far from the mean too) or for an average that must be E_q (scale 1: the
    clipping moves 6e-5 of the mass, far below the 4 standard errors the comparison allows)."""
    return np.clip(grader.rng.normal(0, scale, shape), -EPS_BOUND, EPS_BOUND)


@check("dequantization", points=0.5)
def test_noise_and_its_log_density_match_the_reference(grader):
    dim = int(grader.rng.integers(2, 5))
    state = noise_state(grader, dim)
    x = grader.rng.integers(0, 8, (6, dim)).astype(np.float64)
    got, want = grader.both("noise", x=x, eps=grader_eps(grader, x.shape), hidden=HIDDEN, **state)
    grader.expect_close(got["u"], want["u"], "u = sigmoid(mu(x) + exp(beta(x)) eps) is wrong", rtol=1e-6, atol=1e-9)
    grader.expect_close(got["log_q"], want["log_q"], "log q(u | x) is wrong: log N(eps) - beta - log sigma(a) - "
                        "log sigma(-a) for each coordinate", rtol=1e-6, atol=1e-8)


@check("dequantization", points=0.25)
def test_the_bound_and_its_gradient_match_the_reference_and_stay_below_log_p(grader):
    dim = 2
    state = noise_state(grader, dim)
    mean, scale = grader.rng.uniform(2, 5, dim), grader.rng.uniform(0.7, 2.0, dim)
    x = np.repeat(grader.rng.integers(0, 8, (1, dim)).astype(np.float64), 4000, axis=0)
    got, want = grader.both("bound", x=x, eps=grader_eps(grader, x.shape, 1.0), hidden=HIDDEN, density_mean=mean,
                            density_scale=scale, **state)
    grader.expect_close(got["bound"], want["bound"], "the bound is wrong: log p(x + u) - log q(u | x)", rtol=1e-6,
                        atol=1e-8)
    grader.expect_close(got["bound_gradient"], want["bound_gradient"], "the bound's gradient with respect to the "
                        "noise network is wrong: it must reach q through u in log p(x + u) and through log q (is "
                        "something detached?)", rtol=1e-6, atol=1e-9)
    upper, lower = (x[0] + 1 - mean) / scale, (x[0] - mean) / scale
    above = lower > 0  # in the upper tail, the same mass from the other side keeps its digits
    mass = np.where(above, special.ndtr(-lower) - special.ndtr(-upper), special.ndtr(upper) - special.ndtr(lower))
    exact = float(np.log(mass).sum())  # log P(x) of the density, exactly
    values = np.asarray(got["bound"], np.float64)
    margin = 4 * values.std() / np.sqrt(len(values))  # 4 standard errors: a false alarm below 1e-4
    grader.expect(values.mean() <= exact + margin, "on average the bound exceeds log P(x): it is not a lower bound")


def noise_fit_gain(grader):
    """Nats per point by which the student's noise, trained FIT_STEPS steps by the student's process (its noise, its
    bound) from a start the grader seeds, beats the better of its start and uniform dequantization; both noises are
    scored here with the reference's bound on fresh noise the grader draws, for a density that is steep in the bins."""
    dim = 2
    mean, scale = grader.rng.uniform(2, 5, dim), grader.rng.uniform(0.3, 0.6, dim)
    x = grader.rng.integers(1, 7, (256, dim)).astype(np.float32)
    density = {"density_mean": mean, "density_scale": scale}
    initial = grader.reference("noise_parameters", dim=dim, hidden=HIDDEN, init_seed=int(grader.rng.integers(2**31)))
    trained = grader.student("fit_noise", x=x, steps=FIT_STEPS, hidden=HIDDEN, timeout=120,
                             **{k: v.astype(np.float32) for k, v in density.items()}, **initial)
    grader.expect_layout(trained, initial, "the trained noise")
    eps = grader.rng.normal(size=x.shape)

    def scored(state):
        return float(np.mean(grader.reference("bound", x=x.astype(np.float64), eps=eps, hidden=HIDDEN, **density,
                                              **{k: np.asarray(v, np.float64) for k, v in state.items()})["bound"]))

    u = (np.arange(200) + 0.5) / 200  # the uniform bound E_u log p(x + u), by the midpoint rule
    y = x[:, :, None] + u
    uniform = float((-0.5 * ((y - mean[None, :, None]) / scale[None, :, None]) ** 2 - np.log(scale)[None, :, None]
                     - 0.5 * np.log(2 * np.pi)).mean(2).sum(1).mean())
    return scored(trained) - max(scored(initial), uniform)


@check("dequantization", points=0.25, timeout=120)
def test_a_short_fit_of_the_noise_beats_its_start_and_uniform_dequantization(grader):
    gain = noise_fit_gain(grader)
    grader.expect(np.isfinite(gain) and gain > MIN_GAIN, f"after {FIT_STEPS} steps your noise's bound is not "
                  f"{MIN_GAIN} nats above both its start and the uniform bound: is the gradient reaching the noise "
                  "network?")
