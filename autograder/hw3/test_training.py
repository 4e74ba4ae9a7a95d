"""Task "realnvp" (1.5 points): RealNVP built from the student's layers, trained by the student's process under a
fixed budget on data the grader draws, from a starting state the grader chooses; its parameters are loaded into the
reference's architecture with the grader's own masks, permutations and signs, and scored on held-out points the
student's process never receives; and the student's own density integrates to 1 on a grid.

Thresholds: calibrated over 20 seeds of the reference (autograder/hw3/README.md), with the margin written there:
    python -m autograder.tools.calibrate hw3 test_training eight_gaussians_held_out_nll \
        --check test_trained_flow_reaches_the_held_out_likelihood --seeds 20
(likewise `eight_gaussians_grid_mass` with --check test_the_trained_density_integrates_to_one, and
`digits_gain_over_gaussian` with --check test_trained_flow_models_dequantized_digits)."""

import numpy as np

from autograder.grading.contract import check

BUDGET = {"blocks": 2, "hidden": 32, "epochs": 60, "lr": 3e-3, "batch_size": 128}
ARCHITECTURE = {"blocks": BUDGET["blocks"], "hidden": BUDGET["hidden"]}
# Eight Gaussians (std 0.2 on a circle of radius 2): entropy 1.699 nats; a moment-matched Gaussian scores 3.55.
HELD_OUT_NLL = 2.85
GRID = np.linspace(-4, 4, 161)
GRID_TOLERANCE = 0.03
LEARNED_NLL = 3.2  # the grid check counts only for a model that learned: untrained 3.96, a moment-matched Gaussian 3.55
DIGITS_BUDGET = {"blocks": 2, "hidden": 64, "epochs": 40, "lr": 2e-3, "batch_size": 128}
DIGITS_ARCHITECTURE = {"blocks": DIGITS_BUDGET["blocks"], "hidden": DIGITS_BUDGET["hidden"]}
# Bits/dim below the best Gaussian of the same dequantized training digits (full covariance, in closed form here), on
# the same held-out digits and noise: a linear flow (the LU layers alone) is a Gaussian and cannot do better
DIGITS_GAIN_OVER_GAUSSIAN = 0.03
# Fixed by the given constructors (a mask, a permutation, signs): always the grader's, never what the student sends
FIXED = (".mask", ".permutation", ".sign")


def trained_parameters(grader, probe, dim, architecture, what, **inputs):
    """The student's process trains its RealNVP from a fresh reference initialisation the grader seeds; back come
    its parameters, with the fixed buffers replaced by the grader's (a forged permutation scaled by 1e-3 would add
    D log 1000 nats of likelihood that the reference's log-determinant never sees)."""
    initial = grader.reference("realnvp_parameters", dim=dim, init_seed=int(grader.rng.integers(2**31)), **architecture)
    state = grader.student(probe, **inputs, **architecture, **initial)
    grader.expect_layout(state, initial, what)
    grader.expect(all(np.isfinite(v).all() for v in state.values()), f"{what}: training produced NaN weights")
    return {name: initial[name] if name.endswith(FIXED) else value for name, value in state.items()}


def trained_on_eight_gaussians(grader):
    def train():
        from dgmlib.data import toy_distribution

        toy = toy_distribution("eight_gaussians")
        train_x = toy.sample(2000, seed=int(grader.rng.integers(2**31))).numpy()
        held_out = toy.sample(2000, seed=int(grader.rng.integers(2**31))).numpy()
        state = trained_parameters(grader, "train_realnvp", 2, ARCHITECTURE, "the trained RealNVP", train=train_x,
                                   timeout=120, epochs=BUDGET["epochs"], lr=BUDGET["lr"],
                                   batch_size=BUDGET["batch_size"])
        return state, held_out
    return grader.once("trained_realnvp", train)


def eight_gaussians_held_out_nll(grader):
    def score():
        state, held_out = trained_on_eight_gaussians(grader)
        scored = grader.reference("realnvp_log_prob", x=held_out.astype(np.float32), **ARCHITECTURE, **state)
        return -float(np.mean(scored["log_prob"]))
    return grader.once("eight_gaussians_held_out_nll", score)  # both 2-D checks use it


def eight_gaussians_grid_mass(grader):
    state, _ = trained_on_eight_gaussians(grader)
    xs, ys = np.meshgrid(GRID, GRID)
    points = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float32)
    got = grader.student("realnvp_log_prob", x=points, **ARCHITECTURE, **state)
    return float(np.exp(np.asarray(got["log_prob"], np.float64)).sum() * (GRID[1] - GRID[0]) ** 2)


def gaussian_bits_per_dim(train_x, y, levels):
    """Held-out bits/dim on y (N, D) in [0, 1) of the maximum-likelihood Gaussian of the dequantized training digits
    (x + u) / levels, u ~ U[0, 1)^D: mean (x + 1/2) / levels, covariance Cov(x) / levels^2 + I / (12 levels^2)."""
    from dgmlib.metrics import bits_per_dim

    dim = train_x.shape[1]
    mean = (train_x.astype(np.float64) + 0.5).mean(0) / levels
    cov = np.cov(train_x.T.astype(np.float64), bias=True) / levels**2 + np.eye(dim) / (12 * levels**2)
    _, log_det = np.linalg.slogdet(cov)
    centred = y - mean
    log_p = -0.5 * (centred @ np.linalg.inv(cov) * centred).sum(1) - 0.5 * log_det - 0.5 * dim * np.log(2 * np.pi)
    return float(bits_per_dim(-float(log_p.mean()), dim, levels=levels))


def digits_gain_over_gaussian(grader):
    from dgmlib.data import load_digits
    from dgmlib.metrics import bits_per_dim

    digits = load_digits("quantized", bits=2)[0].flatten(1).numpy().astype(np.float32)  # (1797, 64) in 0..3
    order = grader.rng.permutation(len(digits))
    train_x, held_out = digits[order[:1400]], digits[order[1400:]]
    state = trained_parameters(grader, "train_realnvp_dequantized", 64, DIGITS_ARCHITECTURE,
                               "the RealNVP trained on digits", train=train_x, levels=4, timeout=200,
                               epochs=DIGITS_BUDGET["epochs"], lr=DIGITS_BUDGET["lr"],
                               batch_size=DIGITS_BUDGET["batch_size"])
    y = ((held_out + grader.rng.uniform(size=held_out.shape)) / 4).astype(np.float32)  # trusted noise
    scored = grader.reference("realnvp_log_prob", x=y, **DIGITS_ARCHITECTURE, **state)
    flow = float(bits_per_dim(-float(np.mean(scored["log_prob"])), 64, levels=4))
    return gaussian_bits_per_dim(train_x, y.astype(np.float64), 4) - flow


@check("realnvp", points=0.5, timeout=180)
def test_trained_flow_reaches_the_held_out_likelihood(grader):
    nll = eight_gaussians_held_out_nll(grader)
    grader.expect(np.isfinite(nll) and nll <= HELD_OUT_NLL, f"after training on eight Gaussians, the held-out negative "
                  f"log-likelihood is {nll:.3f} nats per point; a correct flow reaches {HELD_OUT_NLL} within this "
                  "budget")


@check("realnvp", points=0.5, timeout=180)
def test_the_trained_density_integrates_to_one(grader):
    """Any flow whose log-determinants match its maps integrates to 1, trained or not: the check counts only for a
    model that learned (its held-out NLL, scored by the reference, below LEARNED_NLL)."""
    nll = eight_gaussians_held_out_nll(grader)
    grader.expect(np.isfinite(nll) and nll <= LEARNED_NLL, f"your flow did not learn the eight Gaussians (held-out "
                  f"NLL {nll:.3f} nats per point, above {LEARNED_NLL}), so its density's integral proves nothing")
    mass = eight_gaussians_grid_mass(grader)
    grader.expect(abs(mass - 1) < GRID_TOLERANCE, f"your flow's density integrates to {mass:.3f} on [-4, 4]^2, not 1: "
                  "is the log-determinant of a layer wrong?")


@check("realnvp", points=0.5, timeout=240)
def test_trained_flow_models_dequantized_digits(grader):
    gain = digits_gain_over_gaussian(grader)
    grader.expect(np.isfinite(gain) and gain >= DIGITS_GAIN_OVER_GAUSSIAN, "after training on dequantized 2-bit "
                  f"digits your flow beats the best Gaussian of the same digits by {gain:.3f} bits/dim on held-out "
                  f"digits; a correct flow beats it by at least {DIGITS_GAIN_OVER_GAUSSIAN}")
