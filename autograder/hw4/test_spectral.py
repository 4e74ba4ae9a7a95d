"""Task "spectral" (1 point): power iteration against the reference for the grader's matrices and start vectors
(sigma, u, v and d sigma / dW with u and v as constants) and converging to the spectral norm computed on the trusted
side; the spectrally normalised layer against the reference in training mode (output, the buffer u it keeps, the
gradient), evaluation mode leaving u alone, and 1-Lipschitz on random pairs once the iteration has converged."""

import numpy as np

from autograder.grading.contract import check


def unit(rng, size):
    u = rng.normal(size=size)
    return u / np.linalg.norm(u)


def with_spectral_gap(weight):
    """`weight` with 3 added to its largest singular value: a clear gap to the second, so power iteration converges
    fast from any start."""
    u_left, _, v_right = np.linalg.svd(weight)
    return weight + 3 * np.outer(u_left[:, 0], v_right[0])


@check("spectral", points=0.5)
def test_power_iteration_matches_the_reference_and_converges(grader):
    out_features, in_features = (int(n) for n in grader.rng.choice(np.arange(3, 9), 2, replace=False))
    weight = grader.rng.normal(size=(out_features, in_features))
    for iterations in (1, int(grader.rng.integers(2, 6))):
        got, want = grader.both("power_iteration", weight=weight, u=unit(grader.rng, out_features),
                                iterations=iterations)
        for name, what in (("sigma", "sigma = u^T W v"), ("u", "u"), ("v", "v"),
                           ("gradient", "d sigma / dW (u and v are constants: u v^T)")):
            grader.expect_close(got[name], want[name], f"after {iterations} power iteration(s), {what} is wrong",
                                rtol=1e-8, atol=1e-10)
    gapped = with_spectral_gap(weight)
    got = grader.student("power_iteration", weight=gapped, u=unit(grader.rng, out_features), iterations=200)
    grader.expect_close(got["sigma"], np.linalg.norm(gapped, 2), "after 200 power iterations sigma is not the "
                        "largest singular value", rtol=1e-6)


@check("spectral", points=0.5)
def test_the_normalised_layer_matches_the_reference_and_is_1_lipschitz(grader):
    out_features, in_features = int(grader.rng.integers(2, 7)), int(grader.rng.integers(2, 7))
    state = {"linear.weight": grader.rng.normal(0, 2, (out_features, in_features)),
             "linear.bias": grader.rng.normal(size=out_features), "u": unit(grader.rng, out_features)}
    x = grader.rng.normal(size=(10, in_features))
    got, want = grader.both("spectral_layer", x=x, iterations=1, training=1, **state)
    grader.expect_close(got["y"], want["y"], "in training mode, the output x (W / sigma)^T + b is wrong", rtol=1e-8,
                        atol=1e-10)
    grader.expect_close(got["u"], want["u"], "in training mode the buffer u must keep the power iteration's u",
                        rtol=1e-8, atol=1e-10)
    grader.expect_close(got["gradient"], want["gradient"], "the output's gradient with respect to W is wrong (sigma "
                        "depends on W, u and v do not)", rtol=1e-7, atol=1e-10)
    got = grader.student("spectral_layer", x=x, iterations=1, training=0, **state)
    grader.expect_close(got["u"], state["u"], "in evaluation mode the buffer u must stay as it is", rtol=0, atol=0)
    gapped = dict(state, **{"linear.weight": with_spectral_gap(state["linear.weight"])})
    pairs = grader.rng.normal(size=(40, in_features))  # with the gap, 50 iterations converge on every seed
    got = grader.student("spectral_layer", x=pairs, iterations=50, training=1, **gapped)
    y = np.asarray(got["y"])
    ratio = np.linalg.norm(y[::2] - y[1::2], axis=1) / np.linalg.norm(pairs[::2] - pairs[1::2], axis=1)
    grader.expect(bool(ratio.max() <= 1 + 1e-6) and bool(ratio.max() > 0.05), "with 50 power iterations the layer "
                  f"stretches a pair of inputs by {ratio.max():.3f}: W / sigma(W) has spectral norm 1")
