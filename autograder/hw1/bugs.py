"""Realistic bugs and alternative correct solutions of homework 1, as patches of the reference submission.

tests/test_hw1_grading.py grades each one and checks that it loses points on exactly the tasks in `loses`
(and that the alternatives get full marks). The same patches build the main job's example class.
"""

from autograder.pipeline.examples import Patch, Variant

BUGS = {
    "made_output_mask_off_by_one": Variant(
        "MADE output mask uses >= instead of >, so output d sees x_d itself",
        (Patch("made_masks_answer", "(degrees[0][:, None] > degrees[-1][None, :])",
               "(degrees[0][:, None] >= degrees[-1][None, :])"),),
        frozenset({"made", "training"})),
    "made_hidden_degrees_from_zero": Variant(
        "hidden degrees start at 0 instead of 1 (k mod (D-1))",
        (Patch("made_masks_answer", "1 + torch.arange(width) % max(D - 1, 1)", "torch.arange(width) % max(D - 1, 1)"),),
        frozenset({"made"})),
    "made_log_prob_unstable": Variant(
        "log-likelihood through log(sigmoid), -inf for large logits",
        (Patch("made_answer",
               'return -F.binary_cross_entropy_with_logits(self(x), x.float(), reduction="none").sum(dim=1)',
               "p = torch.sigmoid(self(x))\n        "
               "return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(dim=1)"),),
        frozenset({"made"})),
    "made_sample_without_sigmoid": Variant(
        "sampling from logits clipped to [0, 1] instead of sigmoid(logits)",
        (Patch("made_answer", "torch.bernoulli(torch.sigmoid(self(x)[:, d]))",
               "torch.bernoulli(self(x)[:, d].clamp(0, 1))"),),
        frozenset({"made"})),
    "causal_padding_on_the_right": Variant(
        "causal convolution padded on the right (sees the future)",
        (Patch("causal_conv_answer", "F.pad(x, ((self.kernel_size[0] - 1) * self.dilation[0] + shift, 0))",
               "F.pad(x, (0, (self.kernel_size[0] - 1) * self.dilation[0] + shift))"),),
        frozenset({"wavenet"})),
    "causal_ignores_include_current": Variant(
        "include_current=False is ignored (the first layer sees x_t)",
        (Patch("causal_conv_answer", "shift = 0 if self.include_current else 1", "shift = 0"),),
        frozenset({"wavenet"})),
    "receptive_field_off_by_one": Variant(
        "receptive field forgets the current input",
        (Patch("causal_conv_answer", "return 1 + (kernel_size - 1) * sum(dilations)",
               "return (kernel_size - 1) * sum(dilations)"),),
        frozenset({"wavenet"})),
    "pixelcnn_masks_swapped": Variant(
        "mask types A and B swapped",
        (Patch("pixelcnn_answer", 'if mask_type == "B":', 'if mask_type == "A":'),),
        frozenset({"pixelcnn", "training"})),
    "pixelcnn_log_prob_mean": Variant(
        "PixelCNN log-likelihood averages over pixels instead of summing",
        (Patch("pixelcnn_answer", '.flatten(1).sum(dim=1)', '.flatten(1).mean(dim=1)'),),
        frozenset({"pixelcnn"})),
    "sampling_column_major": Variant(
        "ancestral sampling visits columns before rows",
        (Patch("sampling_answer", "    for i in range(height):\n        for j in range(width):",
               "    for j in range(width):\n        for i in range(height):"),),
        frozenset({"sampling"})),
    "sampling_all_at_once": Variant(
        "all positions sampled from one forward pass of the empty canvas",
        (Patch("sampling_answer", "probs = torch.sigmoid(logits_fn(x)[:, c, i, j])",
               "probs = torch.sigmoid(logits_fn(torch.zeros_like(x))[:, c, i, j])"),),
        frozenset({"sampling"})),
    "made_hidden_masks_strict": Variant(
        "hidden-layer masks use > instead of >= (a unit of degree k no longer sees inputs of degree k)",
        (Patch("made_masks_answer", "(degrees[k + 1][:, None] >= degrees[k][None, :])",
               "(degrees[k + 1][:, None] > degrees[k][None, :])"),),
        frozenset({"made"})),
    "made_sample_visits_ordering": Variant(
        "MADE samples dimensions in the order of `ordering` instead of its inverse (argsort)",
        (Patch("made_answer", "for d in torch.argsort(self.ordering):", "for d in self.ordering:"),),
        frozenset({"made"})),
    "causal_padding_ignores_dilation": Variant(
        "causal convolution pads k - 1 instead of (k - 1) d (output shorter, misaligned for d > 1)",
        (Patch("causal_conv_answer", "F.pad(x, ((self.kernel_size[0] - 1) * self.dilation[0] + shift, 0))",
               "F.pad(x, (self.kernel_size[0] - 1 + shift, 0))"),),
        frozenset({"wavenet"})),
    "sampling_reuses_one_forward_pass_per_row": Variant(
        "ancestral sampling computes the logits once per row, so positions in a row do not see each other",
        (Patch("sampling_answer", "        for j in range(width):\n            for c in range(channels):\n"
                                  "                probs = torch.sigmoid(logits_fn(x)[:, c, i, j])",
               "        logits = logits_fn(x)\n        for j in range(width):\n            for c in range(channels):\n"
               "                probs = torch.sigmoid(logits[:, c, i, j])"),),
        frozenset({"sampling"})),
}

ALTERNATIVES = {
    "numpy_masks_and_distributions": Variant(
        "masks built with NumPy loops; log-likelihood with torch.distributions; sampling by argsort positions",
        (Patch("made_masks_answer", "ordering = torch.as_tensor(ordering, dtype=torch.long)\n",
               "ordering = np.asarray(ordering)\n    D = len(ordering)\n"
               "    degrees = [ordering + 1] + [1 + np.arange(w) % max(D - 1, 1) for w in hidden_sizes]\n"
               "    masks = []\n"
               "    for layer in range(len(hidden_sizes)):\n"
               "        m = np.zeros((len(degrees[layer + 1]), len(degrees[layer])))\n"
               "        for k in range(m.shape[0]):\n"
               "            for j in range(m.shape[1]):\n"
               "                m[k, j] = degrees[layer + 1][k] >= degrees[layer][j]\n"
               "        masks.append(torch.tensor(m, dtype=torch.float32))\n"
               "    out = np.array([[degrees[0][d] > degrees[-1][k] for k in range(len(degrees[-1]))]"
               " for d in range(D)])\n"
               "    return masks + [torch.tensor(out, dtype=torch.float32)]\n"),
         Patch("made_answer",
               'return -F.binary_cross_entropy_with_logits(self(x), x.float(), reduction="none").sum(dim=1)',
               "return torch.distributions.Bernoulli(logits=self(x)).log_prob(x.float()).sum(-1)"),
         Patch("made_answer", "for d in torch.argsort(self.ordering):",
               "for position in range(self.input_dim):\n"
               "            d = int((self.ordering == position).nonzero())")),
        frozenset()),
    "padding_in_conv_and_loops": Variant(
        "causal padding by the convolution itself then trimming; loops for the receptive field, the PixelCNN mask "
        "and the sampler",
        (Patch("causal_conv_answer", "padded = F.pad(x, ((self.kernel_size[0] - 1) * self.dilation[0] + shift, 0))\n"
               "        return super().forward(padded)[..., : x.shape[-1]]",
               "pad = (self.kernel_size[0] - 1) * self.dilation[0] + shift\n"
               "        out = F.conv1d(x, self.weight, self.bias, padding=pad, dilation=self.dilation)\n"
               "        return out[..., : x.shape[-1]]"),
         Patch("causal_conv_answer", "return 1 + (kernel_size - 1) * sum(dilations)",
               "field = 1\n    for d in dilations:\n        field += (kernel_size - 1) * d\n    return field"),
         Patch("pixelcnn_answer", "mask[:, :, :centre, :] = 1\n    mask[:, :, centre, :centre] = 1\n",
               "for i in range(kernel_size):\n        for j in range(kernel_size):\n"
               "            if i < centre or (i == centre and j < centre):\n                mask[:, :, i, j] = 1\n"),
         Patch("sampling_answer", "probs = torch.sigmoid(logits_fn(x)[:, c, i, j])\n"
               "                x[:, c, i, j] = torch.bernoulli(probs)",
               "u = torch.rand(n, device=device)\n"
               "                x[:, c, i, j] = (u < torch.sigmoid(logits_fn(x)[:, c, i, j])).float()")),
        frozenset()),
}

PARTIAL = ("made_sample_without_sigmoid", "causal_padding_on_the_right", "pixelcnn_log_prob_mean")
INFINITE_LOOP = Patch("causal_conv_answer", "return 1 + (kernel_size - 1) * sum(dilations)",
                      "field = 1\n    while field > 0:  # a loop that never ends\n        field += 1\n    return field")
