"""Task "pixelcnn" (1.5 points): masks A and B, the masked convolution, the model's autoregressive logits."""

import numpy as np

from autograder.grading.contract import check


@check("pixelcnn", points=0.5)
def test_masks_A_and_B_equal_the_reference(grader):
    for mask_type in ("A", "B", str(grader.rng.choice(["A", "B"]))):
        inputs = dict(kernel_size=int(grader.rng.choice([3, 5, 7])), mask_type=mask_type,
                      in_channels=int(grader.rng.integers(1, 4)), out_channels=int(grader.rng.integers(1, 4)))
        got, want = grader.both("pixelcnn_mask", **inputs)
        grader.expect_close(got["mask"], want["mask"], f"the type {mask_type} mask is wrong", atol=0)


@check("pixelcnn", points=0.25)
def test_masked_conv_equals_the_reference(grader):
    rng = grader.rng
    for mask_type in ("A", "B"):
        c_in, c_out, k = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.choice([3, 5]))
        got, want = grader.both("masked_conv", mask_type=mask_type, weight=rng.normal(size=(c_out, c_in, k, k)),
                                bias=rng.normal(size=c_out), x=rng.normal(size=(2, c_in, 6, 6)))
        grader.expect_close(got["y"], want["y"], f"MaskedConv2d (type {mask_type}) gives wrong outputs")


@check("pixelcnn", points=0.5)
def test_each_logit_depends_only_on_earlier_pixels_and_sees_its_neighbours(grader):
    size = int(grader.rng.integers(4, 7))
    deps = grader.student("pixelcnn_dependencies", image_size=size, channels=8, layers=2)["dependencies"]
    grader.expect(deps.shape == (size * size, size * size), "PixelCNN's logits must have the image's shape")
    p, q = np.meshgrid(np.arange(size * size), np.arange(size * size), indexing="ij")
    grader.expect(bool(np.all(deps[q >= p] == 0)), "a logit depends on its own pixel or a later one")
    left = [(i * size + j, i * size + j - 1) for i in range(size) for j in range(1, size)]
    above = [(i * size + j, (i - 1) * size + j) for i in range(1, size) for j in range(size)]
    grader.expect(all(deps[a, b] > 0 for a, b in left + above), "a logit does not see the pixel to its left or above")


@check("pixelcnn", points=0.25)
def test_log_prob_equals_the_reference_for_the_same_weights(grader):
    config = dict(image_size=6, channels=8, layers=2)
    state = grader.reference("pixelcnn_parameters", **config)
    x = (grader.rng.random((5, 1, 6, 6)) < 0.5).astype(np.float32)
    got, want = grader.both("pixelcnn_log_prob", x=x, **config, **state)
    grader.expect_close(got["log_prob"], want["log_prob"], "PixelCNN.log_prob is wrong", atol=1e-3)
