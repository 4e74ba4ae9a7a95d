"""Task "training" (0.75 of its 1.5 points; test_vae_model.py has the rest): the grader trains the student's VAE
and judges it on held-out digits.

The student's process receives only the training digits. Its trained weights are loaded into the *reference* VAE,
which computes the held-out ELBO; the student's own `iwae` is then run on the same weights and must agree with the
reference's IWAE bound and be tighter than the ELBO. Thresholds: README.md (calibration over 20 secret seeds).
"""

import numpy as np

from autograder.grading.contract import check

CONFIG = dict(latent_dim=8, hidden=256, epochs=30, lr=1e-3, batch_size=64)
K = 50
HELD_OUT = 297
MAX_NEGATIVE_ELBO = 21.0  # nats per image (64 pixels): reference 19.00 ± 0.27, max 19.45 over 20 seeds
IWAE_AGREEMENT = 0.2  # two IWAE-50 estimates with different noise: |difference| ≤ 0.048, std 0.026
MIN_IWAE_GAIN = 0.2  # IWAE-50 minus ELBO: 0.565 ± 0.077, min 0.454


def trained_model(grader):
    """(held-out digits, the student's trained weights), the split drawn from the secret seed; trained once per
    submission: both checks judge the same trained model."""
    return grader.once("trained vae", lambda: train_once(grader))


def train_once(grader):
    flat = grader.reference("binary_digits", seed=0)["images"].astype(np.float32)
    order = grader.rng.permutation(len(flat))
    train, held_out = flat[order[HELD_OUT:]], flat[order[:HELD_OUT]]
    state = grader.student("train_vae", train=train, timeout=90, **CONFIG)
    grader.expect(all(np.isfinite(v).all() for v in state.values()), "training produced NaN weights")
    return held_out, state


def bounds(grader, who, held_out, state):
    call = grader.student if who == "student" else grader.reference
    out = call("vae_bounds", x=held_out, k=K, latent_dim=CONFIG["latent_dim"], hidden=CONFIG["hidden"], seed=1,
               timeout=60, **state)
    return float(np.mean(out["elbo"])), float(np.mean(out["iwae"]))


@check("training", points=0.5, timeout=90)
def test_trained_vae_reaches_the_held_out_elbo(grader):
    held_out, state = trained_model(grader)
    elbo, _ = bounds(grader, "reference", held_out, state)
    grader.expect(np.isfinite(elbo) and -elbo < MAX_NEGATIVE_ELBO, f"after training, the held-out negative ELBO of "
                  f"your VAE is {-elbo:.1f} nats per image; it should be below {MAX_NEGATIVE_ELBO:.1f}")


@check("training", points=0.25, timeout=90)
def test_your_iwae_bound_is_right_and_tighter_than_the_elbo(grader):
    held_out, state = trained_model(grader)
    elbo, reference_iwae = bounds(grader, "reference", held_out, state)
    _, iwae = bounds(grader, "student", held_out, state)
    grader.expect(np.isfinite(iwae) and abs(iwae - reference_iwae) < IWAE_AGREEMENT,
                  f"your IWAE-{K} bound on the trained VAE disagrees with the reference's")
    grader.expect(iwae - elbo > MIN_IWAE_GAIN, f"your IWAE-{K} bound is not tighter than the ELBO")
