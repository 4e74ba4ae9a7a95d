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


def test_mode_coverage_counts_modes_and_quality_on_known_sample_sets():
    import numpy as np

    from dgmlib.data import toy_distribution
    from dgmlib.metrics import mode_coverage

    toy = toy_distribution("eight_gaussians")  # std 0.2: within 3 std holds 98.9% of a 2-D Gaussian's mass
    exact = mode_coverage(toy.sample(4000, seed=1), toy.means, toy.std)
    assert exact.modes_covered == 8 and 0.97 < exact.high_quality < 1.0
    collapsed = mode_coverage(toy.means[[0, 0, 0, 3]].numpy().repeat(250, 0), toy.means, toy.std)
    assert collapsed.modes_covered == 2 and collapsed.high_quality == 1.0
    assert list(collapsed.counts) == [750, 0, 0, 250, 0, 0, 0, 0]
    # a mode needs a fifth of its fair share N / K: 19 of 800 samples is not enough, 20 is
    few = np.concatenate([np.repeat(toy.means[:1].numpy(), 781, 0), np.repeat(toy.means[1:2].numpy(), 19, 0)])
    assert mode_coverage(few, toy.means, toy.std).modes_covered == 1
    few[-20:] = toy.means[1].numpy()
    assert mode_coverage(few, toy.means, toy.std).modes_covered == 2
    broken = np.full((10, 2), np.nan)
    assert mode_coverage(broken, toy.means, toy.std).high_quality == 0.0
    with pytest.raises(ValueError, match="same D"):
        mode_coverage(np.zeros((5, 3)), toy.means, toy.std)
