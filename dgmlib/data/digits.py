"""scikit-learn's bundled 8x8 handwritten digits (1,797 images, values 0..16): works offline, no download."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits as _sklearn_digits

DIGITS_LEVELS = 17  # pixel values are the integers 0..16

Kind = Literal["grey", "binary", "quantized"]


def load_digits(kind: Kind = "grey", bits: int = 2, size: int = 8, threshold: float = 0.5):
    """The 8x8 digits as images and labels.

    kind: "grey" -> float32 in [0, 1]; "binary" -> float32 in {0, 1} (grey > threshold);
        "quantized" -> int64 in {0, ..., 2**bits - 1}.
    size: side of the returned images; other than 8, the grey images are resized bilinearly first (e.g. 14 to
        mimic a downscaled MNIST-like resolution).
    Returns images (N, 1, size, size) and labels (N,) int64.
    """
    digits = _sklearn_digits()
    grey = torch.as_tensor(digits.images, dtype=torch.float32)[:, None] / (DIGITS_LEVELS - 1)
    if size != 8:
        grey = F.interpolate(grey, size=(size, size), mode="bilinear", align_corners=True).clamp(0, 1)
    labels = torch.as_tensor(digits.target, dtype=torch.int64)
    if kind == "grey":
        return grey, labels
    if kind == "binary":
        return (grey > threshold).float(), labels
    if kind == "quantized":
        if not 1 <= bits <= 8:
            raise ValueError(f"bits must be in 1..8, got {bits}")
        levels = 2**bits
        return torch.clamp(torch.floor(grey * levels), max=levels - 1).long(), labels
    raise ValueError(f"kind must be 'grey', 'binary' or 'quantized', got {kind!r}")
