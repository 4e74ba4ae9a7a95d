"""Task "wgan" (1 point): WGAN's critic loss (values and gradients against the reference), weight clipping (every
parameter clamped to [-c, c] on the trusted side, in place: the same parameter objects), and WGAN-GP's gradient
penalty for the grader's critic, real and fake points and mixing weights, on 2-D points and on image-shaped ones (the
norm runs over all of an example's coordinates), with its gradient with respect to the critic's parameters (a double
backward)."""

import numpy as np

from autograder.grading.contract import check

HIDDEN = 8


def critic_state(grader, shape):
    return grader.reference("critic_parameters", shape=list(shape), hidden=HIDDEN,
                            init_seed=int(grader.rng.integers(2**31)))


@check("wgan", points=0.25)
def test_critic_loss_matches_the_reference(grader):
    real, fake = grader.rng.normal(0, 3, int(grader.rng.integers(5, 20))), grader.rng.normal(0, 3, 21)
    got, want = grader.both("wgan_loss", real=real, fake=fake)
    grader.expect_close(got["value"], want["value"], "the critic loss mean f(G(z)) - mean f(x) is wrong", rtol=1e-9)
    grader.expect_close(got["gradient"], want["gradient"], "the critic loss's gradient with respect to the scores is "
                        "wrong", rtol=1e-9)


@check("wgan", points=0.25)
def test_clipping_clamps_every_parameter_in_place(grader):
    state = {name: 3 * np.asarray(value, np.float64) for name, value in critic_state(grader, (2,)).items()}
    c = float(grader.rng.uniform(0.01, 0.3))
    got = grader.student("clip", c=c, hidden=HIDDEN, **state)
    for name, value in state.items():
        grader.expect_close(got[name], np.clip(value, -c, c), f"{name} after clipping to [-c, c] is wrong", rtol=0,
                            atol=1e-12)
    grader.expect(bool(got["same_objects"]), "clip_weights_ replaced the critic's parameters: clamp them in place, "
                  "or the optimiser keeps updating the old ones")


def penalty_inputs(grader, shape):
    rows = int(grader.rng.integers(6, 20))
    real, fake = grader.rng.normal(0, 1, (rows, *shape)), grader.rng.normal(0.5, 2, (rows, *shape))
    alpha = grader.rng.uniform(0, 1, (rows,) + (1,) * len(shape))
    return {"real": real, "fake": fake, "alpha": alpha, "hidden": HIDDEN, **critic_state(grader, shape)}


@check("wgan", points=0.25)
def test_gradient_penalty_matches_the_reference(grader):
    for shape, what in (((2,), "2-D points"), ((3, 4), "image-shaped examples (B, 3, 4)")):
        got, want = grader.both("penalty", **penalty_inputs(grader, shape))
        grader.expect_close(got["value"], want["value"], f"the gradient penalty is wrong for {what}: mean of "
                            "(||grad f(x_hat)|| - 1)^2, the norm over all of an example's coordinates, at x_hat = "
                            "alpha * real + (1 - alpha) * fake", rtol=1e-8, atol=1e-10)


@check("wgan", points=0.25)
def test_gradient_penalty_trains_the_critic(grader):
    got, want = grader.both("penalty", **penalty_inputs(grader, (2,)))
    grader.expect(bool(np.abs(got["gradient"]).max() > 0), "the gradient penalty does not reach the critic's "
                  "parameters: compute the input gradient with create_graph=True")
    grader.expect_close(got["gradient"], want["gradient"], "the gradient penalty's gradient with respect to the "
                        "critic's parameters is wrong", rtol=1e-6, atol=1e-10)
