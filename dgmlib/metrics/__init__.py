"""Metrics of generative models: likelihoods in nats and bits per dimension, mode coverage of samples, and the
feature extractors that sample-based metrics (FID, IS, precision and recall) compare samples in."""

from .coverage import ModeCoverage, mode_coverage
from .features import FeatureExtractor, digits_extractor, inception_extractor, load_extractor, mnist_extractor
from .likelihood import LN2, bits_per_dim, nats_per_dim, nll_from_bits_per_dim

__all__ = ["LN2", "FeatureExtractor", "ModeCoverage", "bits_per_dim", "digits_extractor", "inception_extractor",
           "load_extractor", "mnist_extractor", "mode_coverage", "nats_per_dim", "nll_from_bits_per_dim"]
