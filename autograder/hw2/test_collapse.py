"""Task "collapse" (1 point): the KL-per-dimension and active-units diagnostics and free bits, exact against the
reference; and the fix judged by what it does: the notebook's toy VAE, trained with the student's free bits on data
from the secret seed, must bring every latent dimension back, judged on held-out points by the *reference*
diagnostics: active (Burda et al.'s variance criterion) and carrying at least MIN_KL nats.
Calibration over 20 seeds (README.md): plain KL: at most 0.12 nats in any dimension (collapsed); free bits 0.5: at
least 0.49 nats in every dimension, 2 of 2 units active.
"""

import numpy as np

from autograder.grading.contract import check

FREE_BITS = 0.5
TOY_STEPS = 600
MIN_KL = 0.3  # nats per latent dimension on held-out points


def posterior(rng, batch=64, latent=5):
    """Posterior means with some dimensions nearly constant (collapsed) and some informative."""
    spread = rng.permutation([0.0, 0.03, 0.5, 1.0, 2.0][:latent])
    mu = rng.normal(size=(batch, latent)) * spread + rng.normal(size=latent)
    logvar = rng.normal(-1, 0.5, (batch, latent)) * (spread > 0.1)
    return mu.astype(np.float32), logvar.astype(np.float32)


@check("collapse", points=0.5)
def test_kl_per_dimension_and_active_units_match_the_reference(grader):
    mu, logvar = posterior(grader.rng)
    got, want = grader.both("collapse_diagnostics", mu=mu, logvar=logvar)
    grader.expect_close(got["kl_per_dimension"], want["kl_per_dimension"], "the KL per dimension is wrong",
                        rtol=1e-4, atol=1e-5)
    grader.expect(int(got["active_units"]) == int(want["active_units"]), "the number of active units is wrong")


@check("collapse", points=0.25)
def test_free_bits_value_and_gradients_match_the_reference(grader):
    mu, logvar = posterior(grader.rng)
    got, want = grader.both("free_bits", mu=mu, logvar=logvar, free_bits=FREE_BITS)
    grader.expect_close(got["free_bits"], want["free_bits"], "the free-bits KL is wrong", rtol=1e-4, atol=1e-5)
    for name in ("grad_mu", "grad_logvar"):
        grader.expect_close(got[name], want[name], "the free-bits KL has the wrong gradients (dimensions below the "
                            "free bits must get none)", rtol=1e-3, atol=1e-6)


@check("collapse", points=0.25, timeout=60)
def test_free_bits_bring_the_toy_latent_back_to_life(grader):
    train = grader.rng.normal(size=(2000, 2)) * [1.0, 0.3]
    held_out = grader.rng.normal(size=(1000, 2)) * [1.0, 0.3]
    got = grader.student("toy_posterior_means", train=train.astype(np.float32), held_out=held_out.astype(np.float32),
                        free_bits=FREE_BITS, steps=TOY_STEPS, toy_seed=int(grader.rng.integers(2**31)))
    grader.expect_layout(got, {"mu": held_out, "logvar": held_out}, "the toy VAE's posterior")
    mu = got["mu"]
    grader.expect(bool(np.isfinite(mu).all()), "training the toy VAE failed")
    judged = grader.reference("toy_diagnostics", mu=mu.astype(np.float32), logvar=got["logvar"].astype(np.float32))
    grader.expect(int(judged["active_units"]) == 2 and float(judged["kl_per_dimension"].min()) >= MIN_KL,
                  "with your free bits the toy VAE's latent is still (partly) collapsed")
