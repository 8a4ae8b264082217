"""Features for the daily arrival forecaster, built only from data before the forecast origin.

The forecaster is *direct*: one LightGBM model maps (origin, horizon h) to the count on the
target day t = origin + h - 1. Every feature of a row is either a property of the calendar at
t (day of week, month, day of year as sin/cos, South African public holiday) or a statistic
of the series strictly before the origin: the recent level (rolling mean over
`level_window` days), last week's level relative to it, the last observed same weekday
(lags 7, 14, ... counted from t but never at or after the origin) and the same season last
year. Lag and rolling features are divided by the level, and the level is the model's
offset (the trees learn the count over the level), so one model serves series of any size
and follows shifts in level without extrapolating trees.

Also here: the seasonal naive forecast (same weekday in the last observed week) with wide
empirical intervals, used as the backtest baseline and as the short-history fallback.
"""

from __future__ import annotations

import datetime as dt
import functools

import holidays
import numpy as np
import pandas as pd
from scipy import stats

from hospital_twin.contracts import INTERVALS

WEEK = 7
YEAR = 364  # 52 weeks: keeps the weekday when looking a year back
FEATURES = (
    "horizon",
    "dow",
    "month",
    "doy_sin",
    "doy_cos",
    "holiday",
    "level_7",
    "lag_week_1",
    "lag_week_2",
    "lag_weeks_mean_4",
    "last_year",
)


def daily_series(series: pd.Series) -> pd.Series:
    """A clean daily float series: sorted DatetimeIndex, one row per day, gaps as NaN."""
    if not isinstance(series, pd.Series):
        raise TypeError(f"expected a pandas Series of daily counts, got {type(series).__name__}")
    if _is_daily(series):  # already clean (the retrain's own series): no copy, no reindex
        if (series.to_numpy() < 0).any():
            raise ValueError("arrival counts must not be negative")
        return series
    s = series.copy()
    s.index = pd.DatetimeIndex(pd.to_datetime(s.index)).normalize()
    if s.index.tz is not None:
        s.index = s.index.tz_localize(None)
    s = pd.to_numeric(s, errors="coerce").astype(float).sort_index()
    if s.index.has_duplicates:
        raise ValueError("the arrivals series has duplicate dates")
    if (s.dropna() < 0).any():
        raise ValueError("arrival counts must not be negative")
    if s.empty:
        return s
    full = pd.date_range(s.index[0], s.index[-1], freq="D")
    return s.reindex(full).rename(series.name)


def _is_daily(s: pd.Series) -> bool:
    """A float series on a tz-naive midnight index with daily frequency (gap-free, sorted)."""
    index = s.index
    return (
        isinstance(index, pd.DatetimeIndex)
        and index.freqstr == "D"
        and index.tz is None
        and s.dtype == np.float64
        and len(index) > 0
        and index[0] == index[0].normalize()
    )


@functools.lru_cache(maxsize=32)
def _holidays(country: str, first_year: int, last_year: int) -> np.ndarray:
    days = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    return np.array(sorted(days), dtype="datetime64[D]")


def holiday_flags(dates: pd.DatetimeIndex, country: str) -> np.ndarray:
    """1.0 on public holidays of `country` (e.g. 'ZA'), else 0.0."""
    if len(dates) == 0:
        return np.zeros(0)
    days = _holidays(country, dates.min().year, dates.max().year)
    return np.isin(dates.to_numpy().astype("datetime64[D]"), days).astype(float)


def calendar_features(
    dates: pd.DatetimeIndex, country: str, yearly: bool = True
) -> dict[str, np.ndarray]:
    """Day of week, holiday and, if `yearly`, month and day of year (else constant 0: a model
    trained on less than a year or so would read the day of year as a proxy for time)."""
    doy = dates.dayofyear.to_numpy() - 1
    angle = 2 * np.pi * doy / 365.25
    on = 1.0 if yearly else 0.0
    return {
        "dow": dates.dayofweek.to_numpy().astype(float),
        "month": dates.month.to_numpy().astype(float) * on,
        "doy_sin": np.sin(angle) * on,
        "doy_cos": np.cos(angle) * on,
        "holiday": holiday_flags(dates, country),
    }


class _Windows:
    """Vectorised NaN-aware window means over y[a:b] (empty or unknown windows give NaN)."""

    def __init__(self, y: np.ndarray) -> None:
        known = ~np.isnan(y)
        self.n = len(y)
        self.y = y
        self.sum = np.concatenate([[0.0], np.cumsum(np.where(known, y, 0.0))])
        self.count_ = np.concatenate([[0], np.cumsum(known)])

    def mean(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a = np.clip(a, 0, self.n)
        b = np.clip(b, 0, self.n)
        cnt = self.count_[b] - self.count_[a]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(cnt > 0, (self.sum[b] - self.sum[a]) / np.maximum(cnt, 1), np.nan)

    def count(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.count_[np.clip(b, 0, self.n)] - self.count_[np.clip(a, 0, self.n)]

    def at(self, i: np.ndarray) -> np.ndarray:
        ok = (i >= 0) & (i < self.n)
        return np.where(ok, self.y[np.clip(i, 0, self.n - 1)], np.nan)


def level_floor(level_window: int) -> float:
    """Smallest level used as offset: half an arrival per window, so log() stays finite."""
    return 0.5 / level_window


def _level(win: _Windows, o: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last `window` days before o; if fewer than half are known (a gap in the
    data), the mean of the last 4 windows, else of all history before o."""
    level = np.full(len(o), np.nan)
    for span in (window, 4 * window, None):
        a = np.zeros_like(o) if span is None else o - span
        need = 1 if span is None else window // 2
        use = np.isnan(level) & (win.count(a, o) >= need)
        level[use] = win.mean(a[use], o[use])
    return np.maximum(np.nan_to_num(level, nan=0.0), level_floor(window))


def level_at(
    y: np.ndarray, origins: np.ndarray, window: int, exposure: np.ndarray | None = None
) -> np.ndarray:
    """The recent level before each origin index (per unit of `exposure` when given): the
    offset `origin_features` gives, before the target day's exposure."""
    if exposure is not None:
        y = y / exposure[: len(y)]
    return _level(_Windows(y), np.asarray(origins, dtype=np.int64), window)


def origin_features(
    y: np.ndarray,
    start: pd.Timestamp,
    origins: np.ndarray,
    horizons: np.ndarray,
    level_window: int,
    country: str,
    yearly: bool = True,
    exposure: np.ndarray | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Feature rows for pairs (origin index o, horizon h) and their level offsets.

    Row k describes target index t = o + h - 1 using only y[:o]. Returns (X, offset).
    With `exposure` (the planned volume of every index up to the last target,
    `forecast.calendar`), the features read arrivals per unit of exposure and the offset is
    that level times the target day's exposure: a known change of plan is not a drift.
    """
    o = np.asarray(origins, dtype=np.int64)
    h = np.asarray(horizons, dtype=np.int64)
    t = o + h - 1
    if exposure is not None:
        y = y / exposure[: len(y)]
    win = _Windows(y)
    level = _level(win, o, level_window)
    back = WEEK * ((h + WEEK - 1) // WEEK)  # days back to the last observed same weekday
    lags = np.stack([win.at(t - back - WEEK * m) for m in range(4)])
    seen = (~np.isnan(lags)).sum(0)
    lags_mean = np.where(seen > 0, np.nansum(lags, 0) / np.maximum(seen, 1), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):  # no level a year ago: NaN
        last_year = win.mean(t - YEAR - 3, t - YEAR + 4) / win.mean(
            o - YEAR - level_window, o - YEAR
        )
    dates = start + pd.to_timedelta(t, unit="D")
    cols = {
        "horizon": h.astype(float),
        **calendar_features(pd.DatetimeIndex(dates), country, yearly),
    }
    cols |= {
        "level_7": win.mean(o - WEEK, o) / level,
        "lag_week_1": lags[0] / level,
        "lag_week_2": lags[1] / level,
        "lag_weeks_mean_4": lags_mean / level,
        "last_year": np.where(np.isfinite(last_year), last_year, np.nan),
    }
    offset = level if exposure is None else level * exposure[t]
    return pd.DataFrame(cols, columns=list(FEATURES)), offset


def future_dates(last: pd.Timestamp, horizon: int) -> pd.DatetimeIndex:
    return pd.date_range(last + dt.timedelta(days=1), periods=horizon, freq="D")


def seasonal_naive(y: pd.Series, horizon: int) -> pd.DataFrame:
    """Same weekday in the last observed week, with wide empirical intervals.

    Intervals come from the empirical quantiles of past week-on-week changes y[t] - y[t-7],
    widened by sqrt(weeks ahead) as for a random walk on the weekly lag. With fewer than
    two weeks of changes, a normal interval on sqrt(2 * max(variance, mean)) is used.
    """
    s = daily_series(y)
    if s.dropna().empty:
        raise ValueError("cannot forecast from a series with no observations")
    filled = s.groupby(s.index.dayofweek).ffill().fillna(s.mean())
    vals = filled.to_numpy()
    h = np.arange(1, horizon + 1)
    back = WEEK * ((h + WEEK - 1) // WEEK)
    idx = len(vals) - 1 + h - back
    mean = np.where(idx >= 0, vals[np.clip(idx, 0, None)], s.mean())
    weeks = np.sqrt(back / WEEK)
    bands = _naive_bands(s, weeks)
    out = pd.DataFrame({"date": future_dates(s.index[-1], horizon), "horizon": h, "mean": mean})
    for name, offset in bands.items():
        out[name] = np.maximum(mean + offset, 0.0)
    return out


def _naive_bands(s: pd.Series, weeks: np.ndarray) -> dict[str, np.ndarray]:
    diffs = (s - s.shift(WEEK)).dropna().to_numpy()[-365:]
    if len(diffs) >= 2 * WEEK:
        return {k: np.quantile(diffs, q) * weeks for k, q in INTERVALS.items()}
    obs = s.dropna()
    sd = np.sqrt(2 * max(float(obs.var(ddof=0)) if len(obs) > 1 else 0.0, float(obs.mean())))
    return {k: stats.norm.ppf(q) * sd * weeks for k, q in INTERVALS.items()}


def seasonal_naive_scale(y: np.ndarray) -> float:
    """In-sample MAE of the one-week seasonal naive forecast (the MASE denominator)."""
    d = np.abs(y[WEEK:] - y[:-WEEK])
    d = d[~np.isnan(d)]
    return float(d.mean()) if len(d) else float("nan")
