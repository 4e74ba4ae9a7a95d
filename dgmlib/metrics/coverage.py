"""Mode coverage and sample quality on a mixture of isotropic Gaussians (2-D toys such as eight Gaussians or the 5x5
grid), the statistic GAN papers report for mode collapse.

A sample is *high quality* when it lies within `radius` standard deviations of its nearest mode (Srivastava et al.
2017, VEEGAN, sec. 5.1: three standard deviations). A mode is *covered* when it receives at least `min_fraction` of
its fair share N / K of the high-quality samples (Lin et al. 2018, PacGAN, sec. 5: a mode of the 5x5 grid is lost
with fewer than 20 of 2,500 samples, a fifth of its share of 100).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class ModeCoverage:
    """counts: (K,) high-quality samples per mode; high_quality: their share of all samples; modes_covered: the
    number of modes with at least min_fraction * N / K of them."""

    counts: np.ndarray
    high_quality: float
    modes_covered: int

    @property
    def num_modes(self) -> int:
        return len(self.counts)

    def __str__(self) -> str:
        return f"{self.modes_covered}/{self.num_modes} modes covered, {self.high_quality:.1%} high-quality samples"


def mode_coverage(samples, means, std: float, radius: float = 3.0, min_fraction: float = 0.2) -> ModeCoverage:
    """Mode coverage of `samples` (N, 2) on the mixture with component means `means` (K, 2) and standard deviation
    `std`: each sample goes to its nearest mean, and counts as high quality within radius * std of it.

    Non-finite samples are never high quality. Accepts tensors or arrays.
    """
    x = torch.as_tensor(np.asarray(samples, dtype=np.float64))
    mu = torch.as_tensor(np.asarray(means, dtype=np.float64))
    if x.ndim != 2 or mu.ndim != 2 or x.shape[1] != mu.shape[1] or len(x) == 0:
        raise ValueError(f"samples (N, D) and means (K, D) with the same D and N > 0, got {tuple(x.shape)} and "
                         f"{tuple(mu.shape)}")
    finite = torch.isfinite(x).all(1)
    distance, nearest = torch.cdist(torch.where(finite[:, None], x, 0.0), mu).min(1)
    good = finite & (distance <= radius * std)
    counts = torch.bincount(nearest[good], minlength=len(mu)).numpy()
    covered = int((counts >= min_fraction * len(x) / len(mu)).sum())
    return ModeCoverage(counts=counts, high_quality=float(good.double().mean()), modes_covered=covered)
