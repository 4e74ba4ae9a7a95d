"""Task "em" (1.5 points): EM for a Gaussian mixture, against the reference on data drawn from the secret seed.

The monotonicity check recomputes the log-likelihood of the student's EM iterates with the *reference* function, so a
log-likelihood that merely reports increasing numbers does not pass.
"""

import numpy as np

from autograder.grading.contract import check


def mixture_problem(rng, n=80, dim=2, k=3):
    """Points from k clusters (n // k or n // k + 1 each) and a random starting point of EM whose means are one
    random point of each cluster, so no component loses all its points (its covariance would become singular: the
    reference itself failed on some secret seeds when the start was any k points)."""
    centres = rng.normal(0, 4, (k, dim))
    labels = rng.permutation(np.arange(n) % k)
    x = centres[labels] + rng.normal(size=(n, dim))
    a = rng.normal(size=(k, dim, dim))
    one_of_each = [int(rng.choice(np.flatnonzero(labels == j))) for j in range(k)]
    start = {"weights": rng.dirichlet(2 * np.ones(k)), "means": x[one_of_each],
             "covariances": a @ a.transpose(0, 2, 1) + np.eye(dim)}
    return x, start


@check("em", points=0.5)
def test_e_step_and_log_likelihood_match_the_reference_even_for_far_points(grader):
    x, start = mixture_problem(grader.rng)
    x[:2] = grader.rng.choice([-1, 1], (2, x.shape[1])) * 1e3  # every component's density underflows here
    got, want = grader.both("e_step", x=x, **start)
    grader.expect_close(got["responsibilities"], want["responsibilities"], "the responsibilities are wrong",
                        rtol=1e-5, atol=1e-6)
    grader.expect_close(got["log_likelihood"], want["log_likelihood"], "the log-likelihood is wrong (for points far "
                        "from every component too)", rtol=1e-6)


@check("em", points=0.5)
def test_m_step_matches_the_reference(grader):
    x, _ = mixture_problem(grader.rng)
    responsibilities = grader.rng.dirichlet(np.ones(3), size=len(x))
    got, want = grader.both("m_step", x=x, responsibilities=responsibilities)
    for name in ("weights", "means", "covariances"):
        grader.expect_close(got[name], want[name], f"the M-step's {name} are wrong", rtol=1e-5, atol=1e-7)


@check("em", points=0.5)
def test_em_never_decreases_the_likelihood_and_converges_like_the_reference(grader):
    x, start = mixture_problem(grader.rng)
    steps = 12
    got, want = grader.both("em_run", x=x, steps=steps, **start)
    trace = [grader.reference("e_step", x=x, **start)["log_likelihood"]]
    for i in range(steps):
        step = {name: got[name][i] for name in ("weights", "means", "covariances")}
        grader.expect(bool(np.isfinite(step["covariances"]).all()), "EM produced NaN parameters")
        trace.append(grader.reference("e_step", x=x, **step)["log_likelihood"])
    trace = np.array(trace, dtype=float)
    grader.expect(bool(np.isfinite(trace).all() and (np.diff(trace) >= -1e-6 * np.abs(trace[1:])).all()),
                  "the log-likelihood of your EM iterates decreases at some step")
    grader.expect_close(got["means"][-1], want["means"][-1], f"after {steps} EM steps the means differ from the "
                        "reference's", rtol=1e-4, atol=1e-6)
