"""Task "autoregressive" (1.5 points): MAF's density and sampler and IAF's sampler with its log-density, exact
against the reference for grader-chosen conditioner weights; the student's sampler is autoregressive and the inverse
of MAF's density, judged on the trusted side from its outputs alone (finite differences, the reference's density)."""

import numpy as np

from autograder.grading.contract import check

HIDDEN = 8
STEP = 1e-5  # central differences in float64: an error of about STEP^2, far below the tolerances


def conditioner_state(grader, dim):
    state = grader.reference("conditioner_parameters", dim=dim, hidden=HIDDEN)
    return {name: grader.rng.normal(0, 0.5, np.shape(value)) for name, value in state.items()}


def compared(grader, part):
    """Student's and reference outputs of one function on a grader-chosen conditioner, x and u."""
    dim = int(grader.rng.integers(3, 6))
    state = conditioner_state(grader, dim)
    x, u = grader.rng.normal(size=(7, dim)), grader.rng.normal(size=(7, dim))
    return grader.both("autoregressive", x=x, u=u, hidden=HIDDEN, part=part, **state)


@check("autoregressive", points=0.5)
def test_maf_density_matches_the_reference(grader):
    got, want = compared(grader, "maf_log_prob")
    grader.expect_close(got["maf_log_prob"], want["maf_log_prob"], "maf_log_prob is wrong: u = (x - mu(x)) "
                        "exp(-alpha(x)), log p = log N(u) - sum alpha", rtol=1e-6, atol=1e-9)


@check("autoregressive", points=0.5)
def test_maf_samples_match_the_reference(grader):
    got, want = compared(grader, "maf_sample")
    grader.expect_close(got["maf_sample"], want["maf_sample"], "maf_sample is wrong: x_i = mu_i(x_<i) + "
                        "exp(alpha_i(x_<i)) u_i, one coordinate at a time", rtol=1e-6, atol=1e-9)


@check("autoregressive", points=0.25)
def test_the_sampler_is_autoregressive_and_inverts_the_density(grader):
    """The Jacobian dx/du of the student's sampler by central differences of its outputs is lower triangular, and the
    reference's MAF density of the student's sample equals log N(u) - log|det dx/du| (the change of variables)."""
    dim = int(grader.rng.integers(3, 6))
    state = conditioner_state(grader, dim)
    u = grader.rng.normal(size=dim)
    steps = STEP * np.eye(dim)
    rows = np.concatenate([u[None], u + steps, u - steps])
    x = np.asarray(grader.student("autoregressive", x=rows, u=rows, hidden=HIDDEN, part="maf_sample",
                                  **state)["maf_sample"], np.float64)
    jacobian = (x[1:dim + 1] - x[dim + 1:]).T / (2 * STEP)  # column j: dx/du_j
    grader.expect(bool(np.all(np.abs(np.triu(jacobian, 1)) < 1e-6)), "a sample's coordinate x_i depends on noise "
                  "u_j with j > i: the sampler is not autoregressive")
    _, log_det = np.linalg.slogdet(jacobian)
    expected = -0.5 * float(u @ u) - 0.5 * dim * np.log(2 * np.pi) - log_det
    density = grader.reference("autoregressive", x=x[:1], u=x[:1], hidden=HIDDEN, part="maf_log_prob", **state)
    grader.expect_close(density["maf_log_prob"], np.asarray([expected]), "MAF's density of your sample is not "
                        "log N(u) - log|det dx/du|: the sampler does not invert u = (x - mu(x)) exp(-alpha(x))",
                        rtol=1e-6, atol=1e-6)


@check("autoregressive", points=0.25)
def test_iaf_samples_and_log_density_match_the_reference(grader):
    got, want = compared(grader, "iaf")
    grader.expect_close(got["iaf_x"], want["iaf_x"], "the IAF sample is wrong: x = mu(u) + exp(alpha(u)) u",
                        rtol=1e-6, atol=1e-9)
    grader.expect_close(got["iaf_log_q"], want["iaf_log_q"], "the IAF log-density is wrong: log N(u) - sum alpha(u)",
                        rtol=1e-6, atol=1e-9)
