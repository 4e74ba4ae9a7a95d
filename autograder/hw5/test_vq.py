"""Task "vq" (1.5 points): vector quantisation. quantize against the reference for encoder outputs with one and with
three leading dimensions on every seed, including outputs far from every code, and its gradients (to the codebook
through z_q, none to z_e); vq_losses' values and gradients with respect to z_e and z_q (each loss moves one side
only); straight_through's value (z_q) and gradients (the upstream gradient to z_e, none to z_q)."""

import numpy as np

from autograder.grading.contract import check


def encoder_outputs(rng, shape, codebook):
    """Encoder outputs (shape + (D,)): codes plus noise, and a few rows 50 times further out than the codes."""
    flat = codebook[rng.integers(len(codebook), size=int(np.prod(shape)))] + rng.normal(0, 0.4, (int(np.prod(shape)),
                                                                                               codebook.shape[1]))
    flat[:3] *= 50
    return flat.reshape(*shape, codebook.shape[1])


@check("vq", points=0.5)
def test_quantize_matches_the_reference_for_any_leading_shape(grader):
    dim, codes = int(grader.rng.integers(2, 6)), int(grader.rng.integers(4, 20))
    codebook = grader.rng.normal(size=(codes, dim))
    for shape in ((int(grader.rng.integers(5, 30)),), tuple(int(s) for s in grader.rng.integers(2, 5, 3))):
        z_e = encoder_outputs(grader.rng, shape, codebook)
        weights = grader.rng.normal(size=z_e.shape)
        got, want = grader.both("quantize", z_e=z_e, codebook=codebook, weights=weights)
        grader.expect(np.array_equal(got["indices"], want["indices"]), f"quantize: the indices of the nearest codes "
                      f"are wrong for z_e of shape {z_e.shape} (the shape of the indices is z_e's without its last "
                      "dimension; the nearest code by Euclidean distance)")
        grader.expect_close(got["z_q"], want["z_q"], "quantize: z_q must be the codebook's rows at the indices",
                            rtol=1e-12, atol=1e-12)
        grader.expect_close(got["codebook_gradient"], want["codebook_gradient"], "quantize: z_q must pass gradients "
                            "to the codebook rows it is made of (index the codebook, do not detach it)", rtol=1e-12,
                            atol=1e-12)
        grader.expect_close(got["z_e_gradient"], want["z_e_gradient"], "quantize: z_q must carry no gradient to z_e "
                            "(the straight-through estimator is a separate function)", rtol=1e-12, atol=1e-12)


@check("vq", points=0.5)
def test_vq_losses_match_the_reference_and_move_one_side_each(grader):
    shape = (int(grader.rng.integers(2, 6)), int(grader.rng.integers(2, 4)), int(grader.rng.integers(2, 6)))
    z_e, z_q = grader.rng.normal(size=shape), grader.rng.normal(size=shape)
    got, want = grader.both("vq_losses", z_e=z_e, z_q=z_q)
    for name, moves in (("codebook", "z_q (the codes), not z_e"), ("commitment", "z_e (the encoder), not z_q")):
        grader.expect_close(got[name], want[name], f"the {name} loss is wrong (the mean over all elements of the "
                            "squared difference)", rtol=1e-10, atol=1e-12)
        grader.expect_close(got[f"{name}_gradient"], want[f"{name}_gradient"], f"the {name} loss's gradients are "
                            f"wrong: it must move {moves}", rtol=1e-10, atol=1e-12)


@check("vq", points=0.5)
def test_straight_through_passes_the_upstream_gradient_to_z_e(grader):
    shape = (int(grader.rng.integers(2, 8)), int(grader.rng.integers(2, 4)), int(grader.rng.integers(2, 6)))
    z_e, z_q, weights = (grader.rng.normal(size=shape) for _ in range(3))
    got, want = grader.both("straight_through", z_e=z_e, z_q=z_q, weights=weights)
    grader.expect_close(got["value"], want["value"], "straight_through must return the values of z_q",
                        rtol=1e-12, atol=1e-12)
    grader.expect_close(got["gradient"], want["gradient"], "straight_through's gradients are wrong: the upstream "
                        "gradient goes to z_e unchanged, and nothing to z_q", rtol=1e-12, atol=1e-12)
