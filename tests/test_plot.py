"""Plots produce real pictures: PNG files whose pixels show what was drawn."""

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from dgmlib import plot
from dgmlib.data import load_digits, toy_distribution


def read_png(path):
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    return image


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_make_grid_places_each_image_in_its_cell():
    images = torch.zeros(5, 1, 2, 3)
    for k in range(5):
        images[k] = k / 4
    grid = plot.make_grid(images, nrow=3, padding=1)
    assert grid.shape == (2 * 3 + 1, 3 * 4 + 1, 1)
    assert grid[1, 1, 0] == 0.0 and grid[1, 5, 0] == 0.25 and grid[4, 5, 0] == 1.0
    assert (grid[0] == plot.PAD_VALUE).all(), "padding rows keep the pad value"


def test_image_grid_png_shows_the_digits(tmp_path):
    images, _ = load_digits("grey")
    fig = plot.plot_image_grid(images[:16], nrow=4, path=tmp_path / "grid.png")
    shown = fig.axes[0].images[0].get_array()
    assert np.allclose(shown, plot.make_grid(images[:16], nrow=4)[..., 0])
    png = read_png(tmp_path / "grid.png")
    assert png[..., :3].std() > 0.1, "a grid of digits is not a blank image"


def test_grid_padding_stands_out_from_black_and_white_images(tmp_path):
    """White digits on a black background: the padding between cells is neither colour, so cells stay apart."""
    images = torch.stack([torch.zeros(1, 4, 4), torch.ones(1, 4, 4), torch.ones(1, 4, 4)])
    fig = plot.plot_image_grid(images, nrow=3, path=tmp_path / "grid.png")
    shown = np.asarray(fig.axes[0].images[0].get_array())
    padding = np.concatenate([shown[0], shown[-1], shown[:, 0], shown[:, 5], shown[:, 10], shown[:, -1]])
    assert 0.25 <= padding.min() and padding.max() <= 0.75, "padding is far from both black (0) and white (1)"
    png = read_png(tmp_path / "grid.png")[..., :3].mean(-1)
    assert ((png > 0.25) & (png < 0.75)).mean() > 0.01, "the separator between the two white cells is drawn"


def test_image_grid_scales_integer_levels():
    q, _ = load_digits("quantized", bits=2)
    fig = plot.plot_image_grid(q[:4], nrow=2)
    assert fig.axes[0].images[0].get_array().max() == 1.0


def test_training_curves_draw_every_term(tmp_path):
    fig = plot.plot_training_curves({"total": [3, 2, 1.5, 1.2], "kl": [1, 0.5, 0.4, 0.3]}, {"total": [3, 1.4]},
                                    path=tmp_path / "curves.png")
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert labels == ["train total", "train kl", "val total"]
    assert list(fig.axes[0].lines[2].get_xdata()) == [0, 4]
    assert read_png(tmp_path / "curves.png")[..., :3].std() > 0.05


def test_samples_and_latent_scatter(tmp_path):
    x = toy_distribution("eight_gaussians").sample(1000)
    fig = plot.plot_samples_2d(x, path=tmp_path / "s.png", lim=3)
    assert np.allclose(fig.axes[0].collections[0].get_offsets(), x.numpy())
    z = torch.randn(300, 5) * torch.tensor([5.0, 3.0, 0.1, 0.1, 0.1])
    fig = plot.plot_latent_scatter(z, labels=torch.arange(300) % 10, path=tmp_path / "z.png")
    projected = np.asarray(fig.axes[0].collections[0].get_offsets())
    assert projected.shape == (300, 2)
    assert projected.std(0).min() > 2, "the first two principal components carry the large variances"
    for name in ("s.png", "z.png"):
        assert read_png(tmp_path / name)[..., :3].std() > 0.02


def test_density_heat_map_shows_the_modes(tmp_path):
    toy = toy_distribution("eight_gaussians")
    fig = plot.plot_density_2d(toy.log_prob, lim=3, resolution=101, path=tmp_path / "d.png")
    heat = fig.axes[0].images[0].get_array()
    assert heat.shape == (101, 101)
    assert heat[50, 50] < 1e-6 < heat[50, 50 + 33], "empty at the centre, a mode at (2, 0)"
    assert read_png(tmp_path / "d.png")[..., :3].std() > 0.05
