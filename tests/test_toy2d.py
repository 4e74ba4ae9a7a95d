import math

import pytest
import torch

from dgmlib.data import TOY_NAMES, grid_gaussians, toy_distribution
from dgmlib.plot import density_grid

EXACT = [name for name in TOY_NAMES if toy_distribution(name).has_exact_density]


@pytest.mark.parametrize("name", TOY_NAMES)
def test_samplers_are_seeded_and_shaped(name):
    toy = toy_distribution(name)
    a, b, c = toy.sample(500, seed=7), toy.sample(500, seed=7), toy.sample(500, seed=8)
    assert a.shape == (500, 2) and a.dtype == torch.float32
    assert torch.equal(a, b), "the same seed must give the same samples"
    assert not torch.equal(a, c), "different seeds must give different samples"
    assert a.abs().max() < 6, "toys live in a few units around the origin"


def test_there_are_at_least_five_toys_and_four_exact_densities():
    assert {"two_moons", "eight_gaussians", "swiss_roll", "checkerboard", "rings"} <= set(TOY_NAMES)
    assert {"eight_gaussians", "grid_gaussians", "checkerboard", "rings"} <= set(EXACT)


@pytest.mark.parametrize("name", EXACT)
def test_exact_density_integrates_to_one(name):
    xs, _, density = density_grid(toy_distribution(name).log_prob, lim=3.5, resolution=1400)
    mass = density.sum() * (xs[1] - xs[0]) ** 2
    assert mass == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("name", EXACT)
def test_samples_follow_the_exact_density(name):
    """The fraction of samples in a box matches the density's mass there (4 binomial standard errors)."""
    toy = toy_distribution(name)
    x = toy.sample(40_000, seed=3)
    lo, hi = torch.tensor([0.1, -1.3]), torch.tensor([2.6, 1.7])
    inside = ((x > lo) & (x < hi)).all(dim=1).float().mean().item()
    xs, ys, density = density_grid(toy.log_prob, lim=3.5, resolution=1400)
    gx, gy = torch.meshgrid(torch.as_tensor(xs), torch.as_tensor(ys), indexing="xy")
    box = ((gx > lo[0]) & (gx < hi[0]) & (gy > lo[1]) & (gy < hi[1])).numpy()
    mass = float((density * box).sum() * (xs[1] - xs[0]) ** 2)
    tolerance = 4 * math.sqrt(mass * (1 - mass) / len(x)) + 0.005
    assert inside == pytest.approx(mass, abs=tolerance)


@pytest.mark.parametrize("name", [n for n in TOY_NAMES if n not in EXACT])
def test_toys_without_a_closed_form_say_so(name):
    with pytest.raises(NotImplementedError, match="no closed-form density"):
        toy_distribution(name).log_prob(torch.zeros(3, 2))


def test_checkerboard_density_is_zero_on_light_squares_and_outside():
    toy = toy_distribution("checkerboard")
    points = torch.tensor([[-1.5, -1.5], [-0.5, -1.5], [2.5, 0.0]])  # dark, light, outside
    log_p = toy.log_prob(points)
    assert log_p[0] == pytest.approx(-math.log(8.0))  # 8 dark unit squares
    assert torch.isinf(log_p[1:]).all()


def test_grid_gaussians_samples_cover_every_mode():
    toy = grid_gaussians()
    modes = toy.nearest_mode(toy.sample(5000, seed=0))
    assert set(modes.tolist()) == set(range(25))


def test_unknown_toy_lists_the_choices():
    with pytest.raises(ValueError, match="two_moons"):
        toy_distribution("spiral")
