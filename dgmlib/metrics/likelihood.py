"""Likelihood metrics: negative log-likelihood in nats <-> bits per dimension.

Two cases, after Theis et al. 2016, "A note on the evaluation of generative models", sec. 3.1:

* a discrete model of x in {0, ..., levels-1}^D reports -log P(x) directly: bpd = nll / (D ln 2);
* a continuous density p(y) fitted to dequantized data y = (x + u) / levels, u ~ U[0, 1)^D, scaled to [0, 1)^D:
  -log P(x) <= E_u[-log p(y)] + D ln(levels), because each integer cell has volume levels^-D in y-space, so
  bpd = (nll_y + D ln levels) / (D ln 2).  Forgetting the D ln(levels) term reports a density value, not a
  probability, and can even be negative.
"""

from __future__ import annotations

import math

import torch

LN2 = math.log(2.0)


def bits_per_dim(nll_nats: torch.Tensor | float, num_dims: int, levels: int | None = None) -> torch.Tensor | float:
    """Bits per dimension of a negative log-likelihood in nats.

    nll_nats: (B,) or scalar; -log P(x) of a discrete model, or, when `levels` is given, -log p(y) of a continuous
        density on y = (x + u) / levels in [0, 1)^D.
    num_dims: D, the number of dimensions of one example (e.g. C*H*W).
    levels: number of discrete values per dimension of the dequantized data (256 for 8-bit images); None for
        discrete models.
    Returns the same shape as nll_nats: (nll + D ln levels) / (D ln 2), the D ln levels term only with levels.
    """
    _check_dims(num_dims)
    discretization = 0.0 if levels is None else num_dims * math.log(levels)
    return (nll_nats + discretization) / (num_dims * LN2)


def nll_from_bits_per_dim(bpd: torch.Tensor | float, num_dims: int, levels: int | None = None) -> torch.Tensor | float:
    """Inverse of bits_per_dim: the NLL in nats (of the continuous density when `levels` is given)."""
    _check_dims(num_dims)
    discretization = 0.0 if levels is None else num_dims * math.log(levels)
    return bpd * num_dims * LN2 - discretization


def nats_per_dim(nll_nats: torch.Tensor | float, num_dims: int) -> torch.Tensor | float:
    """NLL in nats per dimension, the unit deepul reports (e.g. MADE 0.1106 on binarized MNIST)."""
    _check_dims(num_dims)
    return nll_nats / num_dims


def _check_dims(num_dims: int) -> None:
    if num_dims <= 0:
        raise ValueError(f"num_dims must be positive, got {num_dims}")
