"""Task "training" (0.75 of its 1.5 points): the VAE's own methods on weights the grader chooses, one check each.

`VAE.loss` and `VAE.elbo` are random (one sample of z per call), and a correct implementation may draw its noise
differently from the reference (e.g. an analytic or a sampled KL), so they are judged by their means: Welch's test
between repeated calls of the student's and the reference's method on the same inputs, at the grader's false-alarm
rate. `VAE.sample` is judged by a two-sample test against the reference's samples from the same weights: each
pixel's frequency and the number of ones per image (which shared noise across samples changes).
"""

import numpy as np

from autograder.grading.contract import check
from autograder.grading.stats import FALSE_ALARM_RATE, means_agree_pvalue, same_binary_distribution_pvalue

ARCHITECTURE = dict(latent_dim=4, hidden=32)
INPUT_DIM = 64
SAMPLES = 20000
REPEATS = 1000
# Gains on freshly initialised weights. For the bounds, encoder x3: a posterior 5.8 nats from the prior with a
# reconstruction term of small variance (a 10 % error in the ELBO is 14 standard errors away). For sampling, decoder
# x3: pixel probabilities far from 1/2 that depend strongly on z.
BOUND_GAINS = dict(encoder=3.0, decoder=1.0)
SAMPLE_GAINS = dict(encoder=1.0, decoder=3.0)


def given_weights(grader, gains: dict[str, float]) -> dict[str, np.ndarray]:
    """Weights of a freshly initialised VAE (the reference's, from the secret seed), scaled by part."""
    state = grader.reference("vae_parameters", input_dim=INPUT_DIM, **ARCHITECTURE)
    return {name: value * gains[name.split(".")[0]] for name, value in state.items()}


def batch(grader, n=16) -> np.ndarray:
    return (grader.rng.random((n, INPUT_DIM)) < 0.3).astype(np.float32)


@check("training", points=0.25)
def test_vae_loss_has_the_expected_terms_for_given_weights(grader):
    x, state = batch(grader), given_weights(grader, BOUND_GAINS)
    got = grader.student("vae_loss_terms", x=x, repeats=REPEATS, **ARCHITECTURE, **state)
    want = grader.reference("vae_loss_terms", x=x, repeats=REPEATS, **ARCHITECTURE, **state)
    terms = ("recon", "kl", "total")
    for name in terms:
        grader.expect(got[name].shape == (REPEATS,) and bool(np.isfinite(got[name]).all()),
                      f"VAE.loss must return a finite scalar {name!r} term (a batch mean)")
        grader.expect(means_agree_pvalue(got[name], want[name]) > FALSE_ALARM_RATE / len(terms),
                      f"VAE.loss's {name!r} term differs from the negative ELBO's on average (one z ~ q(z | x) per "
                      "example, through your reparameterize and vae_loss)")


@check("training", points=0.25)
def test_vae_elbo_matches_the_reference_on_average_for_each_example(grader):
    x, state = batch(grader), given_weights(grader, BOUND_GAINS)
    repeated = np.tile(x, (REPEATS, 1))
    got = grader.student("vae_elbo", x=repeated, **ARCHITECTURE, **state)["elbo"]
    want = grader.reference("vae_elbo", x=repeated, **ARCHITECTURE, **state)["elbo"]
    grader.expect(got.shape == want.shape, f"VAE.elbo(x) must return one value per example, shape {want.shape}; got "
                  f"{got.shape}")
    grader.expect(bool(np.isfinite(got).all()), "VAE.elbo returned NaN or infinity")
    grader.expect(means_agree_pvalue(got.reshape(REPEATS, -1), want.reshape(REPEATS, -1)) > FALSE_ALARM_RATE,
                  "VAE.elbo differs from log p(x | z) + log p(z) - log q(z | x), z ~ q(z | x), on average")


@check("training", points=0.25)
def test_vae_samples_follow_the_model(grader):
    state = given_weights(grader, SAMPLE_GAINS)
    got = grader.student("vae_samples", n=SAMPLES, input_dim=INPUT_DIM, **ARCHITECTURE, **state)["samples"]
    want = grader.reference("vae_samples", n=SAMPLES, input_dim=INPUT_DIM, **ARCHITECTURE, **state)["samples"]
    grader.expect(got.shape == want.shape, f"VAE.sample(n) must return (n, D) = {want.shape}; got {got.shape}")
    grader.expect(bool(np.isin(got, (0, 1)).all()), "VAE.sample must return binary images (draw x ~ Bernoulli)")
    grader.expect(same_binary_distribution_pvalue(got, want) > FALSE_ALARM_RATE,
                  "the samples do not follow the model: z ~ N(0, I) for each sample, then x ~ Bernoulli(decoder(z))")
