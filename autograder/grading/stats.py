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


def means_agree_pvalue(got: np.ndarray, want: np.ndarray, rtol: float = 1e-5) -> float:
    """Test (Welch's z, n >= 100 draws) that each column of `got` (n, m) has the mean of the same column of `want`
    (n', m), both estimated from their own draws; the smallest p-value, Bonferroni over the m columns. Means agree
    within `rtol` even when both are deterministic (a closed form computed two ways differs in the last digits)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.ndim == 1:
        got, want = got[:, None], want[:, None]
    if not np.isfinite(got).all():
        return 0.0  # (NaN would compare as "no evidence" below)
    floor = (rtol * np.abs(want.mean(0))) ** 2 + 1e-24
    z = (got.mean(0) - want.mean(0)) / np.sqrt(got.var(0, ddof=1) / len(got) + want.var(0, ddof=1) / len(want) + floor)
    return float(min(1.0, 2 * stats.norm.sf(np.abs(z).max()) * got.shape[1]))


def same_binary_distribution_pvalue(got: np.ndarray, want: np.ndarray) -> float:
    """Two-sample test that 0/1 arrays got (n, D) and want (n', D) come from one distribution, on what sampling
    bugs change: each coordinate's frequency (two-proportion tests) and the number of ones per row, which depends
    on the coordinates jointly (chi-square test of homogeneity); the smallest p-value, Bonferroni over D + 1 tests."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if not np.isfinite(got).all():
        return 0.0
    tables = [np.array([[g.sum(), len(g) - g.sum()], [w.sum(), len(w) - w.sum()]]) for g, w in zip(got.T, want.T,
                                                                                                   strict=True)]
    counts = np.array([np.bincount(got.sum(1).astype(int), minlength=got.shape[1] + 1),
                       np.bincount(want.sum(1).astype(int), minlength=got.shape[1] + 1)])
    counts = counts[:, counts.sum(0) >= 20]  # sparse tails out, as the chi-square approximation requires
    p_values = np.array([_homogeneity_pvalue(t) for t in [*tables, counts]])
    return float(min(1.0, np.nan_to_num(p_values, nan=0.0).min() * len(p_values)))


def _homogeneity_pvalue(table: np.ndarray) -> float:
    table = table[:, table.sum(0) > 0]
    if table.shape[1] < 2:
        return 1.0
    return float(stats.chi2_contingency(table, correction=False).pvalue)
