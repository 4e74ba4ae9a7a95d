"""Discrete toy data with known probabilities: 1-D distributions on {0, ..., d-1} and 2-D ones on a grid.

Because the true probabilities are known, a model's NLL can be compared with the entropy, the best any model reaches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Categorical1D:
    """A distribution on {0, ..., d-1} given by its probabilities (d,)."""

    probs: torch.Tensor

    def __post_init__(self):
        probs = torch.as_tensor(self.probs, dtype=torch.float64)
        if probs.ndim != 1 or (probs < 0).any() or not torch.isclose(probs.sum(), torch.tensor(1.0, dtype=probs.dtype)):
            raise ValueError("probs must be a 1-D vector of non-negative numbers that sums to 1")
        self.probs = probs

    @property
    def num_values(self) -> int:
        return len(self.probs)

    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """(n,) int64 samples."""
        rng = np.random.default_rng(seed)
        return torch.as_tensor(rng.choice(self.num_values, size=n, p=self.probs.numpy()), dtype=torch.int64)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """(n,) int -> (n,) log P(x) in nats."""
        return self.probs.log()[torch.as_tensor(x, dtype=torch.int64)]

    def entropy(self) -> float:
        """H(p) in nats: the smallest expected NLL any model can reach."""
        p = self.probs[self.probs > 0]
        return float(-(p * p.log()).sum())


def discretized_gaussian_mixture(
    num_values: int = 20, locs: tuple[float, ...] = (0.25, 0.7), scales: tuple[float, ...] = (0.08, 0.12),
    weights: tuple[float, ...] = (0.4, 0.6),
) -> Categorical1D:
    """A multi-modal distribution on {0, ..., d-1}: a Gaussian mixture (locs and scales as fractions of d)
    evaluated at the integers and normalised."""
    k = np.arange(num_values)[:, None] / num_values
    density = np.exp(-0.5 * ((k - np.array(locs)) / np.array(scales)) ** 2) / np.array(scales)
    probs = (density * np.array(weights)).sum(axis=1)
    return Categorical1D(torch.as_tensor(probs / probs.sum()))


@dataclass
class Categorical2D:
    """A joint distribution of two discrete variables (x0, x1) on a (d0, d1) grid, given by its probabilities."""

    probs: torch.Tensor

    def __post_init__(self):
        probs = torch.as_tensor(self.probs, dtype=torch.float64)
        if probs.ndim != 2 or (probs < 0).any():
            raise ValueError("probs must be a 2-D array of non-negative numbers")
        self.probs = probs / probs.sum()
        self._flat = Categorical1D(self.probs.flatten())

    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """(n, 2) int64 samples (row, column)."""
        flat = self._flat.sample(n, seed)
        return torch.stack([flat // self.probs.shape[1], flat % self.probs.shape[1]], dim=1)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """(n, 2) int -> (n,) log P(x0, x1)."""
        x = torch.as_tensor(x, dtype=torch.int64)
        return self.probs.log()[x[:, 0], x[:, 1]]

    def entropy(self) -> float:
        return self._flat.entropy()


def image_distribution(image: np.ndarray | torch.Tensor, floor: float = 1e-3) -> Categorical2D:
    """A 2-D discrete distribution whose probability mass follows the brightness of a grey image (H, W).

    A small `floor` keeps every cell possible so that NLLs stay finite.
    """
    image = torch.as_tensor(np.asarray(image), dtype=torch.float64)
    image = (image - image.min()) / (image.max() - image.min())
    return Categorical2D(image + floor)
