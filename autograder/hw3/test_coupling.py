"""Task "coupling" (1.5 points): RealNVP's affine coupling layer for both masks on every seed, exact against the
reference for grader-chosen weights (the log-determinant's gradient too: training follows it), with a log-determinant
equal to autograd's and a bounded scale."""

import numpy as np

from autograder.grading.contract import check

HIDDEN = 16


def masks(dim):
    """Both halves of an alternating mask: each coordinate is transformed by one of them (every seed)."""
    alternating = (np.arange(dim) % 2).astype(np.float32)
    return alternating, 1 - alternating


def layer_state(grader, mask, scale):
    state = grader.reference("coupling_parameters", mask=mask, hidden=HIDDEN)
    state = {name: np.asarray(value, np.float64) for name, value in state.items() if name != "mask"}
    for name in state:
        if name.startswith("net."):
            state[name] = grader.rng.normal(0, 0.6, state[name].shape)
    state["scale"] = np.asarray(scale, np.float64)
    return state


@check("coupling", points=0.5)
def test_coupling_matches_the_reference_for_both_masks(grader):
    dim = int(grader.rng.integers(3, 8))
    for mask in masks(dim):
        state = layer_state(grader, mask, grader.rng.uniform(0.5, 2.0))
        x, z = grader.rng.normal(size=(6, dim)), grader.rng.normal(size=(6, dim))
        got, want = grader.both("coupling", x=x, mask=mask, hidden=HIDDEN, **state)
        grader.expect_close(got["z"], want["z"], "forward(x) is wrong (only the coordinates where the mask is 0 "
                            "may change)", rtol=1e-6, atol=1e-9)
        grader.expect_close(got["log_det"], want["log_det"], "the log-determinant is wrong (sum s over the "
                            "transformed coordinates only)", rtol=1e-6, atol=1e-9)
        grader.expect_close(got["log_det_gradient"], want["log_det_gradient"], "the log-determinant's gradient "
                            "with respect to the network and c is wrong (is something detached?)", rtol=1e-6,
                            atol=1e-9)
        got, want = grader.both("coupling_inverse", z=z, mask=mask, hidden=HIDDEN, **state)
        grader.expect_close(got["inverse"], want["inverse"], "inverse(z) is wrong", rtol=1e-6, atol=1e-9)


@check("coupling", points=0.5)
def test_the_log_determinant_is_autograds(grader):
    dim = int(grader.rng.integers(3, 8))
    for mask in masks(dim):
        state = layer_state(grader, mask, grader.rng.uniform(0.5, 2.0))
        x = grader.rng.normal(size=(5, dim))
        got, want = grader.both("coupling_autograd", x=x, mask=mask, hidden=HIDDEN, **state)
        grader.expect_close(got["z"], want["z"], "forward(x) is wrong, so its Jacobian says nothing (a layer that "
                            "does nothing has log-det 0 and agrees with autograd)", rtol=1e-4, atol=1e-6)
        grader.expect_close(got["log_det"], got["autograd_log_det"], "your log-determinant differs from log|det| of "
                            "autograd's Jacobian of your forward", rtol=1e-6, atol=1e-8)


@check("coupling", points=0.5)
def test_the_scale_is_bounded_by_c(grader):
    dim = 6
    mask = masks(dim)[int(grader.rng.integers(2))]
    scale = grader.rng.uniform(1.0, 3.0)
    state = layer_state(grader, mask, scale)
    last = max(name for name in state if name.startswith("net.") and name.endswith("bias"))
    state[last] = state[last] + grader.rng.choice([-1, 1], state[last].shape) * 60  # a raw scale of +-60
    x = grader.rng.normal(size=(4, dim))
    got, want = grader.both("coupling", x=x, mask=mask, hidden=HIDDEN, **state)
    grader.expect_close(got["log_det"], want["log_det"], "with a raw scale of +-60 the log-determinant must stay "
                        "within +-c per coordinate: s = c * tanh(raw)", rtol=1e-6)
    grader.expect_close(got["z"], want["z"], "with a raw scale of +-60 forward(x) is wrong", rtol=1e-6, atol=1e-9)
