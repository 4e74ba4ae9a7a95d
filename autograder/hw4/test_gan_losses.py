"""Task "gan_losses" (1 point): the discriminator's, the minimax generator's and the non-saturating generator's
losses from logits, exact against the reference in float64 for real and fake batches of different sizes, including
logits where a rounded sigmoid gives log 0 (|logit| from 40, and from 750 where it underflows); and their gradients
with respect to the logits where D(G(z)) is near 0 (logits from -30 to -10): the minimax generator's vanishes there,
the non-saturating one's does not (theory question T3)."""

import numpy as np

from autograder.grading.contract import check

PARTS = {"discriminator": "the discriminator loss -mean log D(x) - mean log(1 - D(G(z)))",
         "minimax": "the minimax generator loss mean log(1 - D(G(z)))",
         "non_saturating": "the non-saturating generator loss -mean log D(G(z))"}


def logits(rng, rows, extreme=True):
    values = rng.normal(0, 4, rows)
    if extreme:
        # both signs on every seed: from 40 (where sigmoid rounds to 1) and from 750 (where it underflows to 0)
        values[:4] = np.array([1, -1, 1, -1]) * np.repeat([rng.uniform(40, 700), rng.uniform(750, 1000)], 2)
    return values


@check("gan_losses", points=0.5)
def test_losses_match_the_reference_for_logits_of_any_size(grader):
    real = logits(grader.rng, int(grader.rng.integers(10, 30)))
    fake = logits(grader.rng, int(grader.rng.integers(31, 50)))
    for part, what in PARTS.items():
        got, want = grader.both("gan_loss", real=real, fake=fake, part=part)
        grader.expect_close(got["value"], want["value"], f"{what} is wrong (a batch of real logits and a batch of "
                            "fakes of another size, with logits of any size: compute log sigmoid(l) and "
                            "log(1 - sigmoid(l)) as -softplus(-l) and -softplus(l))", rtol=1e-9, atol=1e-12)


@check("gan_losses", points=0.5)
def test_gradients_where_the_discriminator_rejects_every_fake(grader):
    real = logits(grader.rng, int(grader.rng.integers(10, 30)), extreme=False)
    fake = grader.rng.uniform(-30, -10, int(grader.rng.integers(31, 50)))  # D(G(z)) between 1e-13 and 5e-5
    for part, what in PARTS.items():
        got, want = grader.both("gan_loss", real=real, fake=fake, part=part)
        grader.expect_close(got["gradient"], want["gradient"], f"the gradient of {what} with respect to the logits "
                            "is wrong where D(G(z)) is near 0", rtol=1e-7, atol=1e-18)
