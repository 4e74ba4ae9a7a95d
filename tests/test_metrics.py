import math

import pytest
import torch

from dgmlib.metrics import bits_per_dim, nats_per_dim, nll_from_bits_per_dim


def test_uniform_discrete_model_has_log2_levels_bits_per_dim():
    # A uniform model over 256 values in each of D dims: -log P = D ln 256 -> exactly 8 bits/dim.
    D = 3 * 32 * 32
    assert bits_per_dim(torch.tensor(D * math.log(256)), D).item() == pytest.approx(8.0)


def test_dequantized_uniform_density_gives_the_same_8_bits():
    # Uniform density on [0, 1)^D for y = (x + u) / 256: -log p(y) = 0, the discretization term gives 8 bits/dim.
    D = 784
    assert bits_per_dim(0.0, D, levels=256) == pytest.approx(8.0)
    # forgetting the term would report 0 bits: a density value is not a probability
    assert bits_per_dim(0.0, D) == 0.0


def test_conversion_round_trips_with_and_without_levels():
    nll = torch.tensor([10.0, 250.5, -40.0])
    for levels in (None, 2, 256):
        back = nll_from_bits_per_dim(bits_per_dim(nll, 64, levels), 64, levels)
        assert torch.allclose(back, nll, atol=1e-4)


def test_nats_per_dim_matches_deepul_units():
    # deepul reports MADE at 0.1106 nats/dim on binarized MNIST: 0.1106 * 784 nats per image = 0.1596 bits/dim
    nll_per_image = 0.1106 * 784
    assert nats_per_dim(nll_per_image, 784) == pytest.approx(0.1106)
    assert bits_per_dim(nll_per_image, 784) == pytest.approx(0.1106 / math.log(2))


def test_rejects_non_positive_dims():
    with pytest.raises(ValueError, match="num_dims"):
        bits_per_dim(1.0, 0)
