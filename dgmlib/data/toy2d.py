"""Seeded 2-D toy distributions, with exact log-densities where they exist.

Every distribution has `sample(n, seed) -> (n, 2) float32` and `log_prob(x: (n, 2)) -> (n,)`; the ones without a
closed-form density (two moons, swiss roll) raise NotImplementedError from log_prob and have has_exact_density False.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import distributions as D


class Toy2D:
    """A 2-D distribution to sample from (and to evaluate, when has_exact_density)."""

    name: str = "toy"
    has_exact_density: bool = False

    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """(n, 2) float32 samples; the same seed always gives the same samples."""
        return torch.as_tensor(self._sample(n, np.random.default_rng(seed)), dtype=torch.float32)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """(n, 2) -> (n,) exact log-density (natural log)."""
        raise NotImplementedError(f"{self.name} has no closed-form density; compare samples instead")

    def _sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError


@dataclass
class TwoMoons(Toy2D):
    """scikit-learn's two interleaving half circles with Gaussian noise, centred."""

    noise: float = 0.1
    name: str = "two_moons"

    def _sample(self, n, rng):
        from sklearn.datasets import make_moons  # on first use (a slow import)

        x, _ = make_moons(n_samples=n, noise=self.noise, random_state=int(rng.integers(2**31)))
        return x - np.array([0.5, 0.25])


@dataclass
class SwissRoll(Toy2D):
    """scikit-learn's swiss roll seen from above (its x and z coordinates), scaled to about [-2.5, 2.5]^2."""

    noise: float = 0.5
    name: str = "swiss_roll"

    def _sample(self, n, rng):
        from sklearn.datasets import make_swiss_roll  # on first use (a slow import)

        x, _ = make_swiss_roll(n_samples=n, noise=self.noise, random_state=int(rng.integers(2**31)))
        return x[:, [0, 2]] / 5.0


@dataclass
class GaussianMixture2D(Toy2D):
    """Equal-weight mixture of isotropic Gaussians N(mu_k, std^2 I); exact density.

    means: (K, 2) component means.
    """

    means: torch.Tensor
    std: float = 0.1
    name: str = "gaussian_mixture"
    has_exact_density: bool = True

    @property
    def distribution(self) -> D.MixtureSameFamily:
        means = torch.as_tensor(self.means, dtype=torch.float32)
        components = D.Independent(D.Normal(means, torch.full_like(means, self.std)), 1)
        return D.MixtureSameFamily(D.Categorical(logits=torch.zeros(len(means))), components)

    def log_prob(self, x):
        return self.distribution.log_prob(torch.as_tensor(x, dtype=torch.float32))

    def _sample(self, n, rng):
        means = np.asarray(self.means, dtype=np.float64)
        component = rng.integers(len(means), size=n)
        return means[component] + self.std * rng.standard_normal((n, 2))

    def nearest_mode(self, x: torch.Tensor) -> torch.Tensor:
        """(n, 2) -> (n,) index of the closest mean; counts which modes a sampler covers."""
        return torch.cdist(torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(self.means).float()).argmin(1)


def eight_gaussians(radius: float = 2.0, std: float = 0.2) -> GaussianMixture2D:
    """Eight Gaussians evenly spaced on a circle of the given radius."""
    angles = torch.arange(8) * (2 * math.pi / 8)
    means = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return GaussianMixture2D(means=means, std=std, name="eight_gaussians")


def grid_gaussians(side: int = 5, spacing: float = 1.0, std: float = 0.05) -> GaussianMixture2D:
    """side x side Gaussians on a centred square grid (the usual mode-collapse benchmark for GANs)."""
    ticks = (torch.arange(side) - (side - 1) / 2) * spacing
    means = torch.cartesian_prod(ticks, ticks)
    return GaussianMixture2D(means=means, std=std, name=f"grid{side}x{side}_gaussians")


@dataclass
class Checkerboard(Toy2D):
    """Uniform on the dark squares of a `squares` x `squares` board covering [-half_width, half_width]^2.

    The dark squares are those with (row + column) even; exact density 2 / (2 half_width)^2 on them (for an even
    number of squares), 0 elsewhere.
    """

    squares: int = 4
    half_width: float = 2.0
    name: str = "checkerboard"
    has_exact_density: bool = True

    @property
    def _cell(self) -> float:
        return 2 * self.half_width / self.squares

    @property
    def _dark_cells(self) -> np.ndarray:
        rows, cols = np.meshgrid(np.arange(self.squares), np.arange(self.squares), indexing="ij")
        mask = (rows + cols) % 2 == 0
        return np.stack([rows[mask], cols[mask]], axis=1)

    def _sample(self, n, rng):
        cells = self._dark_cells[rng.integers(len(self._dark_cells), size=n)]
        return (cells + rng.random((n, 2))) * self._cell - self.half_width

    def log_prob(self, x):
        x = torch.as_tensor(x, dtype=torch.float32)
        index = torch.floor((x + self.half_width) / self._cell)
        inside = ((index >= 0) & (index < self.squares)).all(dim=1)
        dark = inside & (index.sum(dim=1) % 2 == 0)
        log_density = -math.log(len(self._dark_cells) * self._cell**2)
        return torch.where(dark, torch.tensor(log_density), torch.tensor(-math.inf))


@dataclass
class ConcentricRings(Toy2D):
    """Rings of radii `radii` (equal weight): angle ~ U[0, 2 pi), radius ~ N(R_k, std^2) truncated to r > 0.

    Exact density by the polar change of variables: p(x) = p_r(|x|) / (2 pi |x|), with
    p_r(r) = mean_k N(r; R_k, std) / Phi(R_k / std).
    """

    radii: tuple[float, ...] = (0.5, 1.25, 2.0)
    std: float = 0.08
    name: str = "rings"
    has_exact_density: bool = True

    def _sample(self, n, rng):
        radii = np.asarray(self.radii)[rng.integers(len(self.radii), size=n)]
        r = radii + self.std * rng.standard_normal(n)
        while (bad := r <= 0).any():  # truncation at 0: redraw the (very rare) negative radii
            r[bad] = radii[bad] + self.std * rng.standard_normal(bad.sum())
        theta = rng.random(n) * 2 * math.pi
        return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)

    def log_prob(self, x):
        x = torch.as_tensor(x, dtype=torch.float32)
        r = x.norm(dim=1)
        radii = torch.tensor(self.radii, dtype=torch.float32)
        radial = D.Normal(radii, self.std)
        log_truncation = torch.special.log_ndtr(radii / self.std)
        log_p_r = torch.logsumexp(radial.log_prob(r[:, None]) - log_truncation, dim=1) - math.log(len(self.radii))
        return log_p_r - torch.log(2 * math.pi * r)


TOY_DISTRIBUTIONS = {
    "two_moons": TwoMoons,
    "swiss_roll": SwissRoll,
    "eight_gaussians": eight_gaussians,
    "grid_gaussians": grid_gaussians,
    "checkerboard": Checkerboard,
    "rings": ConcentricRings,
}


TOY_NAMES = tuple(TOY_DISTRIBUTIONS)


def toy_distribution(name: str, **kwargs) -> Toy2D:
    """A toy distribution by name: one of TOY_DISTRIBUTIONS."""
    try:
        return TOY_DISTRIBUTIONS[name](**kwargs)
    except KeyError:
        raise ValueError(f"unknown toy distribution {name!r}; choose from {sorted(TOY_DISTRIBUTIONS)}") from None
