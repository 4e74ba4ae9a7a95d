"""Deterministic train/validation/test splits and DataLoader helpers."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, TensorDataset


def split_indices(n: int, fractions: tuple[float, ...] = (0.8, 0.1, 0.1), seed: int = 0) -> list[torch.Tensor]:
    """Disjoint index tensors covering range(n), one per fraction, from a seeded permutation.

    The same (n, fractions, seed) always gives the same split, whatever else was drawn from the global RNG.
    The last part takes the rounding remainder.
    """
    if any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(f"fractions must be non-negative and sum to 1, got {fractions}")
    permutation = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    sizes = [int(round(f * n)) for f in fractions[:-1]]
    sizes.append(n - sum(sizes))
    return list(torch.split(permutation, sizes))


def train_val_test_split(*tensors: torch.Tensor, fractions=(0.8, 0.1, 0.1), seed: int = 0):
    """Split aligned tensors (e.g. images and labels) the same way: returns one tuple of tensors per part."""
    n = len(tensors[0])
    if any(len(t) != n for t in tensors):
        raise ValueError("all tensors must have the same length")
    return [tuple(t[idx] for t in tensors) for idx in split_indices(n, fractions, seed)]


def make_loader(*tensors: torch.Tensor, batch_size: int = 128, shuffle: bool = True, seed: int = 0,
                drop_last: bool = False) -> DataLoader:
    """A DataLoader over aligned tensors; shuffling is seeded, so every epoch order is reproducible."""
    return DataLoader(
        TensorDataset(*tensors), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
        generator=torch.Generator().manual_seed(seed) if shuffle else None,
    )
