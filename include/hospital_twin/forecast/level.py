"""The level of a small arrival stream: the window that has predicted it best, and its error.

A ward admitting one patient a day sees about 28 in four weeks: their mean is uncertain by
a fifth, so a 28-day level made a 10-bed ward's prediction swing from one run to the next
(a recommended 11 beds one month, 24 the next, on a rate that never changed) and its measured
drift was mostly that noise. A year's mean is steady but misses a season. Which window is
best is a property of the stream, read from its own history: each candidate window's mean
is scored as a forecast of the next `horizon` days' mean at every week of the history (the
same cuts for every window), and the window with the smallest root mean square error wins.
Its error is the level's uncertainty (one factor per Monte Carlo run), after taking off the
next period's own sampling noise, which the Monte Carlo draws day by day.

Rates are arrivals per unit of planned volume (`forecast.calendar`): a known change of plan
is no error of the level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOWS = (28, 56, 91, 182, 364)  # four weeks to a year
STEP = 7  # days between the cuts the windows are scored at
MIN_CUTS = 8  # a window is a candidate only with this many cuts to score it on


@dataclass(frozen=True)
class Level:
    """Arrivals a day per unit of planned volume, its relative error as an estimate of the
    next `horizon` days' mean (their own sampling noise excluded), and the days averaged."""

    rate: float
    cv: float
    window: int


def best_level(
    rates: np.ndarray, horizon: int = 28, windows: tuple[int, ...] = WINDOWS
) -> Level | None:
    """The level of the best-scoring window (module docstring); None when the history is too
    short to score two windows or holds no arrival."""
    rates = np.asarray(rates, float)
    n, scale = len(rates), float(rates.mean()) if len(rates) else 0.0
    usable = [w for w in windows if n - horizon - w >= STEP * (MIN_CUTS - 1)]
    if len(usable) < 2 or scale <= 0:
        return None
    sums = np.concatenate([[0.0], np.cumsum(rates)])
    cuts = np.arange(max(usable), n - horizon + 1, STEP)
    after = (sums[cuts + horizon] - sums[cuts]) / horizon
    rms = {
        w: float(np.sqrt(np.mean(((after - (sums[cuts] - sums[cuts - w]) / w) / scale) ** 2)))
        for w in usable
    }
    window = min(rms, key=rms.get)
    rate = float(rates[-window:].mean())
    if rate <= 0:
        return None
    next_noise = float(rates.std(ddof=1) / np.sqrt(horizon) / scale)  # day-to-day, averaged
    own_noise = float(rates[-window:].std(ddof=1) / np.sqrt(window) / rate)
    cv = np.sqrt(max(rms[window] ** 2 - next_noise**2, own_noise**2))
    return Level(rate, float(cv), window)
