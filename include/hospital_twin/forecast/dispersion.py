"""Negative-binomial dispersion of forecast errors, and count interval bounds.

Arrival counts vary more than Poisson (variance = mean): days differ in ways the calendar
does not explain, and the forecast mean itself is uncertain. The negative binomial with
mean mu and size k (variance mu + mu²/k, a gamma-mixed Poisson) describes both; k is fitted
by maximum likelihood on out-of-fold (forecast, actual) pairs for each horizon bucket, and
interval bounds are its quantiles, rounded to the count whose tail mass is nearest nominal.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats

MAX_NB_SIZE = 1e6  # beyond this the negative binomial is Poisson for any practical count


def nb_bound(level: float, mean: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Interval bound at `level` of a negative binomial (variance mu + mu²/size).

    A count bound cannot cut the distribution exactly at `level`; of the two integers
    around the quantile, take the one whose tail mass outside the interval is nearer the
    nominal one (plain quantiles over-cover badly at small counts)."""
    mean = np.maximum(np.asarray(mean, dtype=float), 1e-9)
    n, p = size, size / (size + mean)  # not a frozen stats.nbinom: freezing costs 5 times more
    k = stats.nbinom.ppf(level, n, p)
    if level < 0.5:  # lower bound: P(Y < bound) should be near `level`
        below, above = stats.nbinom.cdf(k - 1, n, p), stats.nbinom.cdf(k, n, p)
        return np.where(abs(below - level) <= abs(above - level), k, k + 1).astype(float)
    inside, less = stats.nbinom.cdf(k, n, p), stats.nbinom.cdf(k - 1, n, p)  # upper: P(Y <= b)
    return np.where(abs(inside - level) <= abs(less - level), k, k - 1).astype(float)


def nb_logpmf(y: np.ndarray, mean: np.ndarray, size: float) -> np.ndarray:
    """Negative-binomial log-probability, written with gammaln so non-integer y is accepted."""
    mean = np.maximum(mean, 1e-9)
    return (
        special.gammaln(y + size)
        - special.gammaln(size)
        - special.gammaln(y + 1)
        + size * np.log(size / (size + mean))
        + y * np.log(mean / (size + mean))
    )


def fit_nb_size(y: np.ndarray, mean: np.ndarray) -> float:
    """Maximum-likelihood NB size for counts y around forecast means (MAX_NB_SIZE ~ Poisson)."""
    res = optimize.minimize_scalar(
        lambda log_size: -nb_logpmf(y, mean, float(np.exp(log_size))).sum(),
        bounds=(np.log(0.05), np.log(MAX_NB_SIZE)),
        method="bounded",
    )
    return float(np.exp(res.x))


def nb_sizes_by_horizon(
    y: np.ndarray,
    mean: np.ndarray,
    h: np.ndarray,
    edges: tuple[int, ...],
    min_pairs: int,
) -> dict[int, float]:
    """Maximum-likelihood NB size per horizon bucket (the overall size for thin buckets).

    Bucket b holds horizons in (edges[b-1], edges[b]]; the last one everything past edges[-1].
    """
    overall = fit_nb_size(y, mean)
    bucket = np.searchsorted(edges, h, side="left")
    sizes = {}
    for b in range(len(edges) + 1):
        sel = bucket == b
        enough = sel.sum() >= min_pairs
        sizes[b] = fit_nb_size(y[sel], mean[sel]) if enough else overall
    return sizes
