"""Task "prior" (1.5 points): the ELBO with any prior and the Gaussian-mixture prior. The ELBO against the reference
for the grader's VAE weights, noise and a trusted mixture prior, with its gradients with respect to the prior and the
encoder; the mixture's log-density against the reference far from every component, and integrating to 1 on a grid on
the trusted side; and a prior the student's process fits with the student's code to a VAE the grader chooses, judged
on held-out points by the reference: it must win most of the marginal KL that ELBO surgery says a prior can win.

Threshold: calibrated over 20 seeds of the reference (autograder/hw4/README.md):
    python -m autograder.tools.calibrate hw4 test_prior marginal_kl_won \
        --check test_a_fitted_prior_wins_most_of_the_marginal_kl --seeds 20"""

import numpy as np

from autograder.grading.contract import check

HIDDEN = 16
GRID = np.linspace(-8, 8, 321)
FIT = {"hidden": 32, "components": 8, "steps": 300, "lr": 3e-2, "points": 2000}
MARGINAL_KL_WON = 0.8  # share of the marginal KL the fitted prior must win on held-out points


def mixture_state(rng, dim, components):
    return {"logits": rng.normal(0, 1.5, components), "means": rng.normal(0, 2, (components, dim)),
            "log_stds": rng.uniform(-1.5, 0.5, (components, dim))}


@check("prior", points=0.5)
def test_mixture_log_density_matches_the_reference_and_integrates_to_one(grader):
    dim, components = int(grader.rng.integers(2, 5)), int(grader.rng.integers(3, 7))
    state = mixture_state(grader.rng, dim, components)
    z = grader.rng.normal(0, 2, (24, dim))
    z[:4] += grader.rng.choice([-1, 1], (4, dim)) * 300  # log-densities below -1e4: exp underflows to 0
    got, want = grader.both("mixture_log_prob", z=z, **state)
    grader.expect_close(got["log_prob"], want["log_prob"], "log p(z) of the mixture prior is wrong (also far from "
                        "every component, where it must be computed in log space)", rtol=1e-8, atol=1e-8)
    # means within 2 and standard deviations below 1: the mass outside [-8, 8]^2 is below 1e-8
    flat = {"logits": grader.rng.normal(0, 1.5, components), "means": grader.rng.uniform(-2, 2, (components, 2)),
            "log_stds": grader.rng.uniform(-1, 0, (components, 2))}
    xs, ys = np.meshgrid(GRID, GRID)
    got = grader.student("mixture_log_prob", z=np.stack([xs.ravel(), ys.ravel()], 1), **flat)["log_prob"]
    mass = float(np.exp(np.asarray(got, np.float64)).sum() * (GRID[1] - GRID[0]) ** 2)
    grader.expect(abs(mass - 1) < 1e-3, f"your mixture's density integrates to {mass:.4f} on [-8, 8]^2, not 1: are the "
                  "weights softmax(logits)?")


@check("prior", points=0.5)
def test_elbo_matches_the_reference_with_its_gradients(grader):
    vae = grader.reference("vae_parameters", hidden=HIDDEN, init_seed=int(grader.rng.integers(2**31)))
    prior = mixture_state(grader.rng, 2, int(grader.rng.integers(2, 6)))
    rows = int(grader.rng.integers(8, 40))
    x, eps = grader.rng.normal(0, 2, (rows, 2)), grader.rng.normal(size=(rows, 2))
    got, want = grader.both("elbo", x=x, eps=eps, hidden=HIDDEN, prior_logits=prior["logits"],
                            prior_means=prior["means"], prior_log_stds=prior["log_stds"], **vae)
    grader.expect_close(got["elbo"], want["elbo"], "the ELBO with a mixture prior is wrong: log p(x|z) + log p(z) - "
                        "log q(z|x), all three at the same z = mu + sigma * eps", rtol=1e-8, atol=1e-8)
    grader.expect_close(got["prior_gradient"], want["prior_gradient"], "the ELBO's gradient with respect to the "
                        "prior's parameters is wrong", rtol=1e-6, atol=1e-9)
    grader.expect_close(got["encoder_gradient"], want["encoder_gradient"], "the ELBO's gradient with respect to the "
                        "encoder is wrong (is z reparameterised, mu + sigma * eps?)", rtol=1e-6, atol=1e-9)


def grader_vae(grader):
    """The given VAE with weights the grader chooses: posteriors with sigma near e^-2 whose means are spread by the
    encoder, so that the aggregated posterior is far from N(0, I) and a prior can win several nats."""
    vae = grader.reference("vae_parameters", hidden=FIT["hidden"], init_seed=int(grader.rng.integers(2**31)))
    last = "encoder.4"
    weight, bias = np.array(vae[f"{last}.weight"]), np.array(vae[f"{last}.bias"])
    weight[:2] *= 4.0
    weight[2:] *= 0.2
    bias[2:] = -2.0
    return {**vae, f"{last}.weight": weight, f"{last}.bias": bias}


def prefixed(prefix, state):
    return {f"{prefix}.{name}": value for name, value in state.items()}


def marginal_kl_won(grader):
    """Held-out ELBO gain of the student-fitted prior over N(0, I), as a share of the held-out marginal KL."""
    from dgmlib.data import toy_distribution

    toy = toy_distribution("eight_gaussians")
    train_x, held_out = (toy.sample(FIT["points"], seed=int(grader.rng.integers(2**31))).numpy() for _ in range(2))
    vae = grader_vae(grader)
    initial = grader.reference("mixture_parameters", dim=2, components=FIT["components"],
                               init_seed=int(grader.rng.integers(2**31)))
    fitted = grader.student("fit_prior", x=train_x, steps=FIT["steps"], lr=FIT["lr"], hidden=FIT["hidden"], timeout=90,
                            **prefixed("vae", vae), **prefixed("prior", initial))
    grader.expect_layout(fitted, initial, "the fitted prior")
    grader.expect(all(np.isfinite(v).all() for v in fitted.values()), "fitting the prior produced NaN parameters")
    scored = grader.reference("prior_gain", x=held_out, eps=grader.rng.normal(size=held_out.shape),
                              hidden=FIT["hidden"], **prefixed("vae", vae), **prefixed("prior", fitted))
    return float(np.mean(scored["gain"]) / np.mean(scored["marginal_kl_terms"]))


@check("prior", points=0.5, timeout=120)
def test_a_fitted_prior_wins_most_of_the_marginal_kl(grader):
    share = marginal_kl_won(grader)
    grader.expect(np.isfinite(share) and share >= MARGINAL_KL_WON, f"fitted with your ELBO to a VAE the grader chose, "
                  f"your mixture prior wins {share:.0%} of the marginal KL KL(q(z) || N(0, I)) on held-out points; a "
                  f"correct one wins at least {MARGINAL_KL_WON:.0%} within this budget")
