"""Fitting the forecaster: the (origin, horizon) rows, the boosters, and the out-of-sample
evidence its choices are made on.

The mean is the recent level (arrivals per unit of planned volume over the last
`level_window` days, times the target day's planned volume) corrected by LightGBM:
mean = level x exp(weight x trees). Three choices are made on forecasts of days the fit never
saw, not on the fit's own residuals:

- the level window (`choose_window`): a short window follows a change of case mix sooner, a
  long one is less noisy; each candidate's level is scored as a forecast of the next
  `horizon_days` over the history (the level uses only days before its origin, so every past
  origin is an honest test);
- the trees' weight (`choose_weight`): the out-of-fold forecasts of boosters refitted before
  each fold, at each candidate weight, against the level alone (weight 0). On a few months of
  the twin's ED (some 650 arrivals a day, no weekday pattern, a case mix that steps from one
  month to the next) the trees fitted noise and a month's step as a trend, and the full model
  lost to seasonal naive (MAE 38 vs 27); without folds to judge them (under about 100 days of
  history) the weight is 0;
- the negative-binomial sizes of the intervals, from the same held-out forecasts (the level
  alone's at every past origin when the weight is 0).

The trees learn the ratio of the count to the level (label y / level, one unit of hessian per
row), so `min_data_in_leaf` and `lambda_l2` regularise a stream of 650 a day as much as one of
5; as Poisson counts, the ED's rows weighed 100 times more and its trees chased noise.
"""

from __future__ import annotations

from typing import NamedTuple

import lightgbm as lgb
import numpy as np
import pandas as pd

from hospital_twin.forecast.features import FEATURES, level_at, origin_features
from hospital_twin.forecast.params import ForecastParams


class Held(NamedTuple):
    """Forecasts of days their fit never saw: actual y, level, trees' raw score, horizon."""

    y: np.ndarray
    level: np.ndarray
    raw: np.ndarray
    h: np.ndarray

    def mean(self, weight: float) -> np.ndarray:
        return self.level * np.exp(weight * self.raw)


def features(s: pd.Series, o: np.ndarray, h: np.ndarray, p: ForecastParams, yearly: bool):
    """(X, level) of the pairs (origin, horizon) of series `s` (`features.origin_features`)."""
    last = int(np.max(o + h)) if len(o) else len(s)
    return origin_features(
        s.to_numpy(),
        s.index[0],
        o,
        h,
        p.level_window,
        p.holiday_country,
        yearly,
        p.exposure(s.index[0], max(last, len(s))),
    )


def predict_raw(
    booster: lgb.Booster, s: pd.Series, o: np.ndarray, h: np.ndarray, p: ForecastParams, yearly
) -> tuple[np.ndarray, np.ndarray]:
    """(trees' raw score, level) of the pairs (origin, horizon)."""
    X, level = features(s, o, h, p, yearly)
    return booster.predict(X, raw_score=True, num_threads=p.n_jobs), level


def pairs(first: int, last: int, step: int, horizon: int, limit: int) -> tuple[np.ndarray, ...]:
    """(origin, horizon) pairs for origins in [first, last) whose target index is < limit."""
    o, h = np.meshgrid(np.arange(first, last, step), np.arange(1, horizon + 1), indexing="ij")
    keep = (o + h - 1) < limit
    return o[keep], h[keep]


def train(s: pd.Series, limit: int, p: ForecastParams) -> lgb.Booster:
    """Fit the trees on every pair whose target day lies before index `limit`."""
    y = s.to_numpy()
    o, h = pairs(p.level_window, limit, p.origin_step, p.horizon_days, limit)
    target = y[o + h - 1]
    known = ~np.isnan(target)
    if known.sum() < 2 * p.min_data_in_leaf:
        raise ValueError(
            f"too little history to fit: {len(s)} days (need about "
            f"{p.level_window + p.horizon_days} with few gaps)"
        )
    if np.nansum(target) <= 0:
        raise ValueError("every count in the history is zero: nothing for a Poisson model")
    X, level = features(s.iloc[:limit], o[known], h[known], p, p.yearly(limit))
    data = lgb.Dataset(
        X, label=target[known] / level, feature_name=list(FEATURES), free_raw_data=True
    )
    return lgb.train(p.lgb_params(), data, num_boost_round=p.num_boost_round)


def out_of_fold(s: pd.Series, p: ForecastParams) -> Held | None:
    """Forecasts from boosters refitted before each of `calibration_folds` cuts, of the days
    after the cut; None when the history is too short for folds of half a horizon."""
    n = len(s)
    span = min(p.calibration_days, n - (p.level_window + 2 * p.horizon_days))
    fold = span // p.calibration_folds
    if fold < p.horizon_days // 2:
        return None
    parts = []
    y = s.to_numpy()
    for f in range(p.calibration_folds):
        cut = n - span + f * fold
        end = n if f == p.calibration_folds - 1 else cut + fold
        try:
            booster = train(s, cut, p)
        except ValueError:  # the early part alone cannot be fitted (gaps, all zero)
            return None
        o, h = pairs(cut, end, 1, p.horizon_days, n)
        raw, level = predict_raw(booster, s, o, h, p, p.yearly(cut))
        parts.append(Held(y[o + h - 1], level, raw, h))
    held = Held(*(np.concatenate(x) for x in zip(*parts, strict=True)))
    known = ~np.isnan(held.y)
    if known.sum() < p.min_calibration_pairs:
        return None
    return Held(*(x[known] for x in held))


def level_only(s: pd.Series, p: ForecastParams, window: int, first: int) -> Held:
    """The level alone as a forecast from every origin from `first` on (raw score 0)."""
    y = s.to_numpy()
    o, h = pairs(max(first, window), len(s), 1, p.horizon_days, len(s))
    exposure = p.exposure(s.index[0], len(s))
    level = level_at(y, o, window, exposure)
    if exposure is not None:
        level = level * exposure[o + h - 1]
    target = y[o + h - 1]
    known = ~np.isnan(target)
    return Held(target[known], level[known], np.zeros(known.sum()), h[known])


def choose_window(s: pd.Series, p: ForecastParams) -> int:
    """The candidate level window (`level_windows`) whose level forecast the history best:
    mean absolute error over the same origins for every window; `level_window` when fewer
    than two candidates can be scored."""
    first = max(p.level_windows, default=p.level_window)
    mae = {}
    for w in p.level_windows:
        held = level_only(s, p, w, first)
        if len(held.y):
            mae[w] = float(np.abs(held.y - held.level).mean())
    return min(mae, key=mae.get) if len(mae) > 1 else p.level_window


def choose_weight(held: Held, weights: tuple[float, ...]) -> float:
    """The trees' weight whose held-out forecasts have the smallest mean absolute error (the
    smaller weight on a tie: the level alone needs no evidence)."""
    mae = [np.abs(held.y - held.mean(w)).mean() for w in weights]
    return float(weights[int(np.argmin(mae))])
