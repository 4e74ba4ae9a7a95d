"""Task "wavenet" (1.5 points): the causal dilated convolution and its receptive field."""

import numpy as np

from autograder.grading.contract import check


def random_convs(rng):
    """Four random convolutions, two with include_current=True and two with False, the first two dilated (so both
    cases, and padding that must grow with the dilation, are tested on every seed)."""
    return [dict(kernel_size=int(rng.integers(2, 4)), dilation=int(rng.choice([2, 4] if i < 2 else [1, 2, 4])),
                 include_current=current) for i, current in enumerate((True, False, True, False))]


@check("wavenet", points=0.5)
def test_causal_conv_outputs_equal_the_reference(grader):
    rng = grader.rng
    for conv in random_convs(rng):
        c_in, c_out = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        got, want = grader.both("causal_conv", weight=rng.normal(size=(c_out, c_in, conv["kernel_size"])),
                                bias=rng.normal(size=c_out), x=rng.normal(size=(3, c_in, 20)),
                                dilation=conv["dilation"], include_current=conv["include_current"])
        grader.expect_close(got["y"], want["y"], "CausalConv1d's output is wrong (padding side or amount?)")


@check("wavenet", points=0.5)
def test_no_output_sees_the_future_and_each_sees_its_whole_window(grader):
    for conv in random_convs(grader.rng):
        length = 24
        deps = grader.student("causal_conv_dependencies", channels=2, length=length, **conv)["dependencies"]
        grader.expect(deps.shape == (length, length), "CausalConv1d must keep the sequence length")
        t, s = np.meshgrid(np.arange(length), np.arange(length), indexing="ij")
        shift = 0 if conv["include_current"] else 1
        future = s > t - shift
        grader.expect(bool(np.all(deps[future] == 0)),
                      "an output depends on an input at or after its own time step (mind include_current)"
                      if not conv["include_current"] else "an output depends on a later input")
        span = (conv["kernel_size"] - 1) * conv["dilation"]
        last = length - 1
        grader.expect(bool(deps[last, last - shift] > 0 and deps[last, last - shift - span] > 0),
                      "an output does not see the inputs its kernel should cover")


@check("wavenet", points=0.5)
def test_receptive_field_counts_past_and_present_inputs(grader):
    for _ in range(5):
        kernel = int(grader.rng.integers(2, 6))
        dilations = [int(d) for d in 2 ** grader.rng.integers(0, 6, size=int(grader.rng.integers(1, 8)))]
        got, want = grader.both("receptive_field", kernel_size=kernel, dilations=dilations)
        grader.expect(int(got["value"]) == int(want["value"]),
                      "receptive_field is wrong for some kernels and dilations")
