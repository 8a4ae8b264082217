"""The level of a small arrival stream: the windows that have predicted it best, and its error.

A ward admitting one patient a day sees about 28 in four weeks: their mean is uncertain by
a fifth, so a 28-day level made a 10-bed ward's prediction swing from one run to the next
(a recommended 11 beds one month, 24 the next, on a rate that never changed) and its measured
drift was mostly that noise. A year's mean is steady but misses a season. How much each
window is worth is a property of the stream, read from its own history: each candidate
window's mean is scored as a forecast of the next `horizon` days' mean at every week of the
history (the same cuts for every window), and the windows are combined with weights inverse to
their mean square errors (Bates & Granger 1969). Picking the single best window instead made
the level jump whenever the winner changed (91 days one week, 182 the next) and, on a score
from a few dozen overlapping cuts, the winner was the luckiest: its high or low level was
followed by a regression to the mean the prediction did not expect (probabilities of a full
ward too sharp: predicted 0.69, observed 0.55 over 532 closed-loop cases). The combination's
own error on the same cuts, scaled to its expected error out of sample (`out_of_sample`: a
year of weekly cuts holds a dozen independent periods), is the level's uncertainty (one
factor per Monte Carlo run), after taking off the next period's own sampling noise, which
the Monte Carlo draws day by day. That noise is the day-to-day scatter around each period's
own mean: the scatter of the whole history counts the seasons too, and taking it off left a
seasonal ward's level as sure as its sampling error alone.

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
    """The level of the inverse-MSE combination of windows (module docstring); None when the
    history is too short to score two windows or holds no arrival. `window` is the
    combination's weighted mean window, in days."""
    rates = np.asarray(rates, float)
    n, scale = len(rates), float(rates.mean()) if len(rates) else 0.0
    usable = [w for w in windows if n - horizon - w >= STEP * (MIN_CUTS - 1)]
    if len(usable) < 2 or scale <= 0:
        return None
    sums = np.concatenate([[0.0], np.cumsum(rates)])
    cuts = np.arange(max(usable), n - horizon + 1, STEP)
    after = (sums[cuts + horizon] - sums[cuts]) / horizon
    before = np.array([(sums[cuts] - sums[cuts - w]) / w for w in usable])
    mse = np.maximum(np.mean(((after - before) / scale) ** 2, axis=1), 1e-12)
    weight = (1 / mse) / np.sum(1 / mse)
    ms = float(np.mean(((after - weight @ before) / scale) ** 2))
    rms = np.sqrt(ms * out_of_sample(cuts, horizon))
    rate = float(sum(wt * rates[-w:].mean() for wt, w in zip(weight, usable, strict=True)))
    if rate <= 0:
        return None
    window = float(weight @ np.array(usable, float))
    scatter = local_sd(rates, horizon)
    next_noise = scatter / np.sqrt(horizon) / scale  # the next period's own sampling noise
    own_noise = scatter / np.sqrt(window) / rate  # the level's, at the least
    cv = np.sqrt(max(rms**2 - next_noise**2, own_noise**2))
    return Level(rate, float(cv), int(round(window)))


def out_of_sample(cuts: np.ndarray, horizon: int) -> float:
    """Factor from the combination's mean square error on the cuts to the expected one on the
    next period: m / (m - 2), the mean of the error variance given its estimate from m
    independent `horizon`-day periods (the periods the cuts span: cuts a week apart overlap,
    four of them are one period's evidence), as a scaled inverse chi-square with m degrees
    of freedom has it; a short track record is no evidence of a small error.

    Without it the level's error was the error of a few periods taken as known: on 44 weekly
    closed-loop origins High Care's, ICU's and Neurology's 28-day level missed by 1.2-2.3
    times the error carried into the Monte Carlo, and P(full) was too sharp (0.85 predicted,
    0.50 observed)."""
    m = (cuts[-1] - cuts[0]) / horizon + 1 if len(cuts) else 1.0
    return float(m / max(m - 2, 1.0))


def local_sd(rates: np.ndarray, period: int) -> float:
    """Day-to-day standard deviation of the rates around the mean of their own `period`-day
    block (consecutive blocks back from the latest day): sampling scatter without the
    seasons."""
    usable = len(rates) // period * period
    blocks = np.asarray(rates, float)[len(rates) - usable :].reshape(-1, period)
    return float(np.sqrt(np.mean(blocks.var(axis=1, ddof=1))))
