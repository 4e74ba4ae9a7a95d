"""Task "training" (1 point): the GAN's and WGAN-GP's losses as methods, against the reference for the grader's
weights, noise and mixing weights, with trusted losses in place of the student's (each total, and its gradient with
respect to its own player: the only one fit_adversarial uses); and both models trained by the student's process with
the student's methods from starting weights the grader seeds, on eight Gaussians the grader draws: the generators'
weights come back, the reference's generator samples them with the grader's noise, and dgmlib's mode coverage counts
the modes and the high-quality samples on the trusted side.

Thresholds: calibrated over 20 seeds of the reference (autograder/hw4/README.md):
    python -m autograder.tools.calibrate hw4 test_training gan_coverage \
        --check test_a_trained_gan_covers_the_modes --seeds 20
(likewise `wgan_gp_coverage` with --check test_a_trained_wgan_gp_covers_the_modes)."""

import numpy as np

from autograder.grading.contract import check

HIDDEN = 64
BUDGET = {"epochs": 40, "lr": 2e-3, "batch_size": 256, "points": 4096, "samples": 2000}
SETTINGS = {"GAN": {"critic_steps": 1, "beta2": 0.999}, "WGANGP": {"critic_steps": 5, "beta2": 0.9}}
# 20 reference runs each (README): both cover the 8 modes every time; high-quality share GAN 0.61-0.90 (mean 0.81),
# WGAN-GP 0.54-0.64 (mean 0.60). A budget of 40 epochs with 64 hidden units trains each in about 2 s on one core
THRESHOLDS = {"GAN": {"modes": 7, "high_quality": 0.5}, "WGANGP": {"modes": 7, "high_quality": 0.4}}


def compare_methods(grader, kind):
    hidden, rows = 16, int(grader.rng.integers(8, 24))
    state = grader.reference("two_player_parameters", kind=kind, hidden=hidden,
                             init_seed=int(grader.rng.integers(2**31)))
    inputs = {"x": grader.rng.normal(0, 2, (rows, 2)), "z": grader.rng.normal(size=(2 * rows, 2)),
              "alpha": grader.rng.uniform(size=(2 * rows, 1))}
    got, want = grader.both("two_player_losses", kind=kind, hidden=hidden, **inputs, **state)
    for role in ("critic", "generator"):
        grader.expect_close(got[f"{role}_total"], want[f"{role}_total"], f"{kind}.{role}_loss: the total is wrong "
                            "(draw the noise with self.noise(n) and the mixing weights with self.mixing(n))",
                            rtol=1e-8, atol=1e-10)
        grader.expect_close(got[f"{role}_gradient"], want[f"{role}_gradient"], f"{kind}.{role}_loss: its gradient "
                            f"with respect to the {role}'s parameters is wrong", rtol=1e-6, atol=1e-10)


@check("training", points=0.25)
def test_gan_methods_match_the_reference(grader):
    compare_methods(grader, "GAN")


@check("training", points=0.25)
def test_wgan_gp_methods_match_the_reference(grader):
    compare_methods(grader, "WGANGP")


def coverage(grader, kind):
    """The mode coverage of `kind` trained by the student's process, sampled on the trusted side."""
    from dgmlib.data import toy_distribution
    from dgmlib.metrics import mode_coverage

    toy = toy_distribution("eight_gaussians")
    data = toy.sample(BUDGET["points"], seed=int(grader.rng.integers(2**31))).numpy()
    initial = grader.reference("two_player_parameters", kind=kind, hidden=HIDDEN,
                               init_seed=int(grader.rng.integers(2**31)))
    state = grader.student("train_two_player", kind=kind, x=data, epochs=BUDGET["epochs"], lr=BUDGET["lr"],
                           batch_size=BUDGET["batch_size"], hidden=HIDDEN, timeout=100, **SETTINGS[kind], **initial)
    grader.expect_layout(state, initial, f"the trained {kind}")
    generator = {name[len("generator."):]: value for name, value in state.items() if name.startswith("generator.")}
    grader.expect(all(np.isfinite(v).all() for v in generator.values()), f"training the {kind} produced NaN weights")
    z = grader.rng.normal(size=(BUDGET["samples"], 2))
    samples = grader.reference("generate", z=z, hidden=HIDDEN, **generator)["samples"]
    return mode_coverage(samples, toy.means, toy.std)


def score(result):
    """Calibration's one number for a coverage: modes covered plus the high-quality share (7.83: 7 modes, 83%)."""
    return result.modes_covered + result.high_quality


def gan_coverage(grader):
    return score(coverage(grader, "GAN"))


def wgan_gp_coverage(grader):
    return score(coverage(grader, "WGANGP"))


def expect_coverage(grader, kind, result):
    want = THRESHOLDS[kind]
    grader.expect(result.modes_covered >= want["modes"] and result.high_quality >= want["high_quality"],
                  f"trained on eight Gaussians with your methods, your {kind} gives {result}; a correct one reaches at "
                  f"least {want['modes']} modes and {want['high_quality']:.0%} high-quality samples within this budget")


@check("training", points=0.25, timeout=150)
def test_a_trained_gan_covers_the_modes(grader):
    expect_coverage(grader, "GAN", coverage(grader, "GAN"))


@check("training", points=0.25, timeout=150)
def test_a_trained_wgan_gp_covers_the_modes(grader):
    expect_coverage(grader, "WGANGP", coverage(grader, "WGANGP"))
