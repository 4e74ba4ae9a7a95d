"""Glue the grader runs inside a notebook's process (the student's or the solution's) to call its functions.

Executed by autograder/grading/runner.py with `answer(namespace, name)` predefined. Probes only compute: inputs arrive
as NumPy arrays and plain numbers, outputs leave as dicts of arrays; all judging happens in the test modules. Nothing
here is secret: a student who reads this file learns only how their functions are called.
"""

import numpy as np
import torch


def _tensor(array, dtype=torch.float32):
    return torch.as_tensor(np.asarray(array), dtype=dtype)


def _masked_layers(model, ns):
    return [m for m in model.modules() if isinstance(m, answer(ns, "MaskedLinear"))]


def _layer_arrays(model, ns, masks: bool) -> dict:
    """Weights w{i}, biases b{i} (and masks m{i}) of the model's MaskedLinear layers, in order."""
    out = {}
    for i, layer in enumerate(_masked_layers(model, ns)):
        out |= {f"w{i}": layer.weight, f"b{i}": layer.bias} | ({f"m{i}": layer.mask} if masks else {})
    return out


def _load_linear_layers(model, ns, arrays):
    """Copy weights w{i}, b{i} and masks m{i} into the model's MaskedLinear layers, in order."""
    layers = _masked_layers(model, ns)
    with torch.no_grad():
        for i, layer in enumerate(layers):
            layer.weight.copy_(_tensor(arrays[f"w{i}"]))
            layer.bias.copy_(_tensor(arrays[f"b{i}"]))
            if f"m{i}" in arrays:
                layer.set_mask(_tensor(arrays[f"m{i}"]))
    return layers


def _made(ns, input_dim, hidden, ordering, arrays=None):
    model = answer(ns, "MADE")(int(input_dim), [int(h) for h in hidden], [int(o) for o in ordering])
    if arrays:
        _load_linear_layers(model, ns, arrays)
    return model.eval()


# --- MADE -----------------------------------------------------------------------------------------------------
def made_masks(ns, ordering, hidden):
    masks = answer(ns, "made_masks")([int(o) for o in ordering], [int(h) for h in hidden])
    return {"count": len(masks)} | {f"m{i}": _tensor(m) for i, m in enumerate(masks)}


def masked_linear(ns, weight, bias, mask, x):
    layer = answer(ns, "MaskedLinear")(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        layer.weight.copy_(_tensor(weight))
        layer.bias.copy_(_tensor(bias))
    layer.set_mask(_tensor(mask))
    return {"y": layer(_tensor(x))}


def made_parameters(ns, input_dim, hidden, ordering):
    """A freshly initialised MADE's weights, biases and masks (for the reference to hand out)."""
    return _layer_arrays(_made(ns, input_dim, hidden, ordering), ns, masks=True)


def made_log_prob(ns, input_dim, hidden, ordering, x, **arrays):
    with torch.no_grad():
        return {"log_prob": _made(ns, input_dim, hidden, ordering, arrays).log_prob(_tensor(x))}


def made_jacobian(ns, input_dim, hidden, ordering, x):
    """sum over the rows of x (B, D) of |d logits / d x|: (D, D), so that no connection hides behind a ReLU that
    happens to be off at one input."""
    model = _made(ns, input_dim, hidden, ordering)
    jacobians = torch.func.vmap(torch.func.jacrev(lambda v: model(v[None])[0]))(_tensor(x))
    return {"jacobian": jacobians.abs().sum(dim=0)}


def made_sample(ns, input_dim, hidden, ordering, n, **arrays):
    return {"samples": _made(ns, input_dim, hidden, ordering, arrays).sample(int(n))}


# --- WaveNet --------------------------------------------------------------------------------------------------
def causal_conv(ns, weight, bias, x, dilation, include_current):
    conv = answer(ns, "CausalConv1d")(weight.shape[1], weight.shape[0], weight.shape[2], dilation=int(dilation),
                                      include_current=bool(include_current))
    with torch.no_grad():
        conv.weight.copy_(_tensor(weight))
        conv.bias.copy_(_tensor(bias))
        return {"y": conv(_tensor(x))}


def causal_conv_dependencies(ns, channels, length, kernel_size, dilation, include_current):
    """|d output_t / d input_s| summed over channels: (T, T)."""
    conv = answer(ns, "CausalConv1d")(int(channels), int(channels), int(kernel_size), dilation=int(dilation),
                                      include_current=bool(include_current))
    x = torch.randn(int(channels), int(length))
    jacobian = torch.func.jacrev(lambda v: conv(v[None])[0])(x)  # (C, T, C, T)
    return {"dependencies": jacobian.abs().sum(dim=(0, 2))}


def receptive_field(ns, kernel_size, dilations):
    return {"value": answer(ns, "receptive_field")(int(kernel_size), [int(d) for d in dilations])}


# --- PixelCNN -------------------------------------------------------------------------------------------------
def pixelcnn_mask(ns, kernel_size, mask_type, in_channels, out_channels):
    mask = answer(ns, "pixelcnn_mask")(int(kernel_size), str(mask_type), int(in_channels), int(out_channels))
    return {"mask": _tensor(mask)}


def masked_conv(ns, mask_type, weight, bias, x):
    conv = answer(ns, "MaskedConv2d")(str(mask_type), weight.shape[1], weight.shape[0], weight.shape[2])
    with torch.no_grad():
        conv.weight.copy_(_tensor(weight))
        conv.bias.copy_(_tensor(bias))
        return {"y": conv(_tensor(x))}


def pixelcnn_dependencies(ns, image_size, channels, layers, inputs=8):
    """|d logit_p / d x_q| for every pair of pixels p, q in raster order, summed over a few random images, each
    through a freshly initialised model: (H*W, H*W). One initialisation can leave a connection dead for every binary
    image (all the ReLUs on its paths off: the reference did so on 20 of 3,000 seeds), so the sum runs over
    several; a connection the masks allow is then missed only where all `inputs` initialisations kill it."""
    size = int(image_size) ** 2
    total = torch.zeros(size, size)
    for _ in range(int(inputs)):
        model = answer(ns, "PixelCNN")(image_size=int(image_size), channels=int(channels), layers=int(layers))
        x = torch.bernoulli(torch.full((1, int(image_size), int(image_size)), 0.5))
        jacobian = torch.func.jacrev(lambda v, model=model: model(v[None])[0])(x)  # (1, H, W, 1, H, W)
        total += jacobian.abs().reshape(size, size)
    return {"dependencies": total}


def pixelcnn_parameters(ns, image_size, channels, layers):
    model = answer(ns, "PixelCNN")(image_size=int(image_size), channels=int(channels), layers=int(layers))
    return {name: value for name, value in model.state_dict().items() if not name.endswith("mask")}


def pixelcnn_log_prob(ns, image_size, channels, layers, x, **state):
    model = answer(ns, "PixelCNN")(image_size=int(image_size), channels=int(channels), layers=int(layers))
    model.load_state_dict({k: _tensor(v) for k, v in state.items()}, strict=False)
    with torch.no_grad():
        return {"log_prob": model.eval().log_prob(_tensor(x))}


# --- ancestral sampling ---------------------------------------------------------------------------------------
def table_logits_fn(table, shape):
    """An autoregressive model given by a table: the logit of position p (raster order over (i, j, c)) is
    table[p, code], where code is the binary number formed by the values at positions < p."""
    channels, height, width = shape
    table = _tensor(table)
    size = channels * height * width
    powers = 2 ** torch.arange(size)

    def logits_fn(x):
        flat = x.permute(0, 2, 3, 1).reshape(len(x), size).round().long()  # raster order (i, j, c)
        out = torch.empty(len(x), size)
        for p in range(size):
            out[:, p] = table[p, (flat[:, :p] * powers[:p]).sum(dim=1)]
        return out.reshape(len(x), height, width, channels).permute(0, 3, 1, 2).to(x.device)

    return logits_fn


def ancestral_samples(ns, table, n, channels, height, width):
    shape = (int(channels), int(height), int(width))
    samples = answer(ns, "sample_autoregressive")(table_logits_fn(table, shape), int(n), shape)
    return {"samples": samples}


# --- training -------------------------------------------------------------------------------------------------
def binary_digits(ns):
    """The 1,797 binarized 8x8 digits, flattened: (1797, 64) (asked of the reference process only)."""
    from dgmlib.data import load_digits

    return {"images": load_digits("binary")[0].flatten(1)}


def train_made(ns, train, hidden, epochs, lr, batch_size):
    from dgmlib.train import fit

    model = answer(ns, "MADE")(train.shape[1], [int(h) for h in hidden])
    fit(model, _tensor(train), epochs=int(epochs), lr=float(lr), batch_size=int(batch_size), progress=False)
    return _layer_arrays(model, ns, masks=False)


def train_pixelcnn(ns, train, channels, layers, epochs, lr, batch_size):
    from dgmlib.train import fit

    model = answer(ns, "PixelCNN")(image_size=train.shape[-1], channels=int(channels), layers=int(layers))
    fit(model, _tensor(train), epochs=int(epochs), lr=float(lr), batch_size=int(batch_size), progress=False)
    return {name: value for name, value in model.state_dict().items() if not name.endswith("mask")}

