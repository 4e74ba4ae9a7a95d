"""Metrics of generative models: likelihoods in nats and bits per dimension, and mode coverage of samples."""

from .coverage import ModeCoverage, mode_coverage
from .likelihood import LN2, bits_per_dim, nats_per_dim, nll_from_bits_per_dim

__all__ = ["LN2", "ModeCoverage", "bits_per_dim", "mode_coverage", "nats_per_dim", "nll_from_bits_per_dim"]
