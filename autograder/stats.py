"""Statistical verdicts for checks on random outputs, with a stated false-alarm rate."""

from __future__ import annotations

import numpy as np
from scipy import stats

FALSE_ALARM_RATE = 1e-5  # a correct sampler fails one statistical check in 100,000 gradings (calibration: README)


def binary_codes(samples: np.ndarray) -> np.ndarray:
    """(n, ...) arrays of 0/1 -> (n,) integers whose bit k is flattened element k."""
    flat = np.asarray(samples).reshape(len(samples), -1).round().astype(np.int64)
    return flat @ (2 ** np.arange(flat.shape[1], dtype=np.int64))


def goodness_of_fit_pvalue(codes: np.ndarray, probs: np.ndarray, min_expected: float = 20.0) -> float:
    """Pearson's chi-square test that integer outcomes `codes` were drawn from `probs` (K,).

    Outcomes whose expected count is below min_expected are pooled into one cell, as the test's chi-square
    approximation requires.
    """
    probs = np.asarray(probs, dtype=np.float64)
    probs = probs / probs.sum()
    observed = np.bincount(np.asarray(codes), minlength=len(probs)).astype(np.float64)
    if len(observed) > len(probs):
        return 0.0  # outcomes that cannot happen
    expected = probs * observed.sum()
    small = expected < min_expected
    if small.any():
        observed = np.append(observed[~small], observed[small].sum())
        expected = np.append(expected[~small], expected[small].sum())
    keep = expected > 0
    if (observed[~keep] > 0).any():
        return 0.0
    return float(stats.chisquare(observed[keep], expected[keep]).pvalue)
