"""Task "vae_loss" (0.5 points): the negative ELBO terms, exact against the reference on secret inputs."""

import numpy as np

from autograder.grading.contract import check


@check("vae_loss", points=0.5)
def test_vae_loss_matches_the_reference(grader):
    batch, dim, latent = 9, int(grader.rng.integers(5, 20)), int(grader.rng.integers(2, 6))
    inputs = {"x": grader.rng.integers(0, 2, (batch, dim)).astype(np.float32),
              "x_logits": grader.rng.normal(0, 3, (batch, dim)).astype(np.float32),
              "mu": grader.rng.normal(size=(batch, latent)).astype(np.float32),
              "logvar": grader.rng.normal(size=(batch, latent)).astype(np.float32)}
    got, want = grader.both("vae_loss", **inputs)
    for name in ("recon", "kl", "total"):
        grader.expect_close(got[name], want[name], f"the {name} term is wrong", rtol=1e-4, atol=1e-5)
