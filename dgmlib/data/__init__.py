"""Data that works offline (generated toys, scikit-learn's 8x8 digits) and loaders for the full datasets."""

from .digits import load_digits
from .discrete import Categorical1D, Categorical2D, discretized_gaussian_mixture, image_distribution
from .download import ChecksumError, DatasetUnavailableError, cache_dir
from .loaders import make_loader, split_indices, train_val_test_split
from .remote import idx_images_and_labels, load_cifar10, load_fashion_mnist, load_mnist, read_idx
from .toy2d import (
    TOY_NAMES,
    Checkerboard,
    ConcentricRings,
    GaussianMixture2D,
    SwissRoll,
    Toy2D,
    TwoMoons,
    eight_gaussians,
    grid_gaussians,
    toy_distribution,
)

__all__ = [
    "Categorical1D", "Categorical2D", "Checkerboard", "ChecksumError", "ConcentricRings", "DatasetUnavailableError",
    "GaussianMixture2D", "SwissRoll", "TOY_NAMES", "Toy2D", "TwoMoons", "cache_dir", "discretized_gaussian_mixture",
    "eight_gaussians", "grid_gaussians", "idx_images_and_labels", "image_distribution", "load_cifar10",
    "load_digits", "load_fashion_mnist", "load_mnist", "make_loader", "read_idx", "split_indices", "toy_distribution",
    "train_val_test_split",
]
