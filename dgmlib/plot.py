"""Plots the course looks at: training curves, image grids, 2-D samples, 2-D densities and latent scatters.

Every function returns a matplotlib Figure and, given `path`, also saves it as a PNG. matplotlib is imported on the
first plot, not with the module: a notebook's setup cell (and each grading of it) does not pay for it up front.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _subplots(**kwargs):
    import matplotlib.pyplot as plt

    return plt.subplots(**kwargs)


def save(fig: Figure, path: str | os.PathLike | None) -> Figure:
    """Save `fig` as a PNG at `path` (creating folders) when a path is given; return the figure."""
    if path is not None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig


def _numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def plot_training_curves(train: dict[str, list[float]] | list[float], val: dict[str, list[float]] | list[float] = (),
                         title: str = "Training curves", path=None, logy: bool = False) -> Figure:
    """Per-step training losses and per-epoch validation losses on one axis (epochs mapped onto steps).

    train / val: a list of values, or a dict term -> list (e.g. History.train, History.val). Validation point k is
    drawn after k epochs, with the first point (before training) at step 0.
    """
    train = train if isinstance(train, dict) else {"total": list(train)}
    val = val if isinstance(val, dict) else ({"total": list(val)} if len(val) else {})
    fig, ax = _subplots(figsize=(6, 4))
    steps = max((len(v) for v in train.values()), default=0)
    for name, values in train.items():
        ax.plot(np.arange(len(values)), values, label=f"train {name}", alpha=0.8)
    for name, values in val.items():
        epochs = len(values) - 1
        ax.plot(np.linspace(0, steps, len(values)) if epochs else [0], values, "o-", label=f"val {name}")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    if logy:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.legend()
    return save(fig, path)


PAD_VALUE = 0.5  # mid grey between grid cells: visible next to black backgrounds and white strokes alike


def make_grid(images, nrow: int = 8, padding: int = 1, pad_value: float = PAD_VALUE) -> np.ndarray:
    """Arrange images (N, C, H, W) in [0, 1] into one (rows*(H+p)+p, nrow*(W+p)+p, C) array, the cells separated
    by `padding` pixels of `pad_value` (and empty cells of the last row filled with it)."""
    images = _numpy(images).astype(np.float32)
    if images.ndim != 4:
        raise ValueError(f"images must be (N, C, H, W), got shape {images.shape}")
    n, c, h, w = images.shape
    rows = int(np.ceil(n / nrow))
    grid = np.full((rows * (h + padding) + padding, nrow * (w + padding) + padding, c), pad_value, np.float32)
    for k in range(n):
        r, col = divmod(k, nrow)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top:top + h, left:left + w] = images[k].transpose(1, 2, 0)
    return grid


def plot_image_grid(images, nrow: int = 8, title: str = "", path=None, vmax: float | None = None) -> Figure:
    """Images (N, C, H, W), C in {1, 3}, as a grid; values are scaled to [0, 1] by vmax (default: 1 for floats in
    [0, 1], else the maximum, e.g. 255 or 2**bits - 1)."""
    images = _numpy(images).astype(np.float32)
    vmax = vmax or (1.0 if images.max() <= 1 else float(images.max()))
    grid = np.clip(make_grid(images / vmax, nrow=nrow), 0, 1)
    fig, ax = _subplots(figsize=(min(12, 1 + nrow), min(12, 1 + grid.shape[0] / grid.shape[1] * nrow)))
    ax.imshow(grid[..., 0] if grid.shape[2] == 1 else grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    ax.set_title(title)
    return save(fig, path)


def plot_samples_2d(samples, title: str = "Samples", path=None, labels=None, lim: float | None = None) -> Figure:
    """Scatter plot of 2-D points (N, 2), coloured by `labels` (N,) when given."""
    points = _numpy(samples)
    fig, ax = _subplots(figsize=(5, 5))
    scatter = ax.scatter(points[:, 0], points[:, 1], s=3, alpha=0.5, c=None if labels is None else _numpy(labels),
                         cmap="tab10" if labels is not None else None)
    if labels is not None:
        fig.colorbar(scatter, ax=ax)
    if lim is not None:
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_title(title)
    return save(fig, path)


def density_grid(log_prob: Callable[[torch.Tensor], torch.Tensor], lim: float = 3.0, resolution: int = 200):
    """Evaluate exp(log_prob) on a resolution x resolution grid over [-lim, lim]^2.

    Returns xs (R,), ys (R,) and density (R, R) with density[i, j] at (xs[j], ys[i]); the Riemann sum
    density.sum() * (xs[1] - xs[0])**2 approximates the mass inside the square.
    """
    xs = torch.linspace(-lim, lim, resolution)
    grid_y, grid_x = torch.meshgrid(xs, xs, indexing="ij")
    points = torch.stack([grid_x.flatten(), grid_y.flatten()], dim=1)
    with torch.no_grad():
        density = log_prob(points).exp().reshape(resolution, resolution)
    return xs.numpy(), xs.numpy(), _numpy(density)


def plot_density_2d(log_prob: Callable[[torch.Tensor], torch.Tensor], lim: float = 3.0, resolution: int = 200,
                    title: str = "Density", path=None) -> Figure:
    """Heat map of a 2-D density given its log_prob: (N, 2) -> (N,)."""
    xs, ys, density = density_grid(log_prob, lim, resolution)
    fig, ax = _subplots(figsize=(5, 5))
    ax.imshow(density, origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]), cmap="viridis")
    ax.set_title(title)
    return save(fig, path)


def plot_latent_scatter(latents, labels=None, title: str = "Latent space", path=None) -> Figure:
    """Latent codes (N, d) projected on their first two principal components (d > 2) and coloured by label."""
    z = _numpy(latents).astype(np.float64)
    if z.shape[1] > 2:
        z = z - z.mean(axis=0)
        _, _, vt = np.linalg.svd(z, full_matrices=False)
        z = z @ vt[:2].T
    fig = plot_samples_2d(z, title=title, labels=labels)
    fig.axes[0].set_aspect("auto")
    return save(fig, path)
