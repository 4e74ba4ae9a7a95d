import math

import pytest
import torch

from dgmlib.data import Categorical1D, discretized_gaussian_mixture, image_distribution, load_digits


def test_discretized_mixture_is_normalised_and_bimodal():
    dist = discretized_gaussian_mixture(num_values=20)
    assert dist.probs.sum().item() == pytest.approx(1.0)
    p = dist.probs
    peaks = [k for k in range(1, 19) if p[k] > p[k - 1] and p[k] > p[k + 1]]
    assert len(peaks) == 2


def test_samples_match_probabilities_and_entropy_is_the_best_nll():
    dist = discretized_gaussian_mixture(num_values=20)
    x = dist.sample(200_000, seed=0)
    assert x.dtype == torch.int64 and x.min() >= 0 and x.max() < 20
    empirical = torch.bincount(x, minlength=20).double() / len(x)
    assert torch.allclose(empirical, dist.probs, atol=0.005)
    assert -dist.log_prob(x).mean().item() == pytest.approx(dist.entropy(), abs=0.01)
    assert torch.equal(dist.sample(10, seed=1), dist.sample(10, seed=1))


def test_uniform_entropy_is_log_d():
    assert Categorical1D(torch.full((8,), 1 / 8)).entropy() == pytest.approx(math.log(8))
    with pytest.raises(ValueError):
        Categorical1D(torch.tensor([0.5, 0.6]))


def test_image_distribution_puts_mass_where_the_digit_is_bright():
    images, _ = load_digits("grey")
    dist = image_distribution(images[0, 0])
    x = dist.sample(20_000, seed=0)
    assert x.shape == (20_000, 2)
    counts = torch.zeros(8, 8)
    counts.index_put_((x[:, 0], x[:, 1]), torch.ones(len(x)), accumulate=True)
    assert torch.allclose(counts / len(x), dist.probs.float(), atol=0.01)
    brightest = torch.argmax(images[0, 0]).item()
    assert dist.probs.flatten()[brightest] == dist.probs.max()
    assert torch.isfinite(dist.log_prob(torch.tensor([[0, 0]]))).all()
