"""Daily arrival forecaster: LightGBM Poisson on calendar and lag features, calibrated intervals.

What is modelled: the count of arrivals (visits, admissions) per day, for any daily series.
The mean comes from one direct multi-horizon LightGBM model (`objective="poisson"`, seed 002's
choice) whose features are built strictly before the origin (`forecast_features`). Counts are
over-dispersed and the mean is itself uncertain, so plain Poisson intervals under-cover (40 %
at nominal 80 % on the benchmark's synthetic series). The forecaster therefore fits a
negative-binomial size per horizon bucket (`forecast_dispersion`) by maximum likelihood on
*out-of-fold* forecasts (models refitted on the history before each of `calibration_folds`
cut points); the size absorbs both the day-to-day over-dispersion and the model's error at
that horizon, so NB intervals around the mean cover at their nominal rates, as `backtest`
(in `forecast_backtest`) checks. With a hospital config, arrivals are modelled per unit of
the calendar's planned volume (`forecast.calendar`: month lengths, a reduced service), so a
known change of plan moves the forecast on its date instead of dragging the level.
Recalibrating the levels on the out-of-fold PIT as well was tried and dropped: the held-out
months carry their own seasonal bias, and the correction moved coverage away from nominal
elsewhere.

Usage::

    forecaster = fit(series, config)            # series: pd.Series of counts, daily index
    frame = forecaster.predict(horizon=28)      # date, horizon, mean, lo80..hi95, nb_size
    path = save(forecaster, models_dir); same = load(path)
    result = forecast_or_fallback(series, 28, 56)   # seasonal naive when history is short
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import lightgbm as lgb
import numpy as np
import pandas as pd

from hospital_twin.config import Forecast, HospitalConfig
from hospital_twin.contracts import INTERVALS
from hospital_twin.forecast import calendar as volume
from hospital_twin.forecast.calendar import Period
from hospital_twin.forecast.dispersion import nb_bound, nb_sizes_by_horizon
from hospital_twin.forecast.features import (
    FEATURES,
    YEAR,
    daily_series,
    future_dates,
    origin_features,
    seasonal_naive,
)

MODEL_NAME = "arrivals-lgbm-poisson"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ForecastParams:
    """Forecaster settings; `horizon_days`/`min_history_days` come from `config.forecast`."""

    horizon_days: int = 28
    min_history_days: int = 56
    holiday_country: str = "ZA"
    level_window: int = 28
    origin_step: int = 3
    num_boost_round: int = 100
    learning_rate: float = 0.075
    num_leaves: int = 15
    min_data_in_leaf: int = 40
    feature_fraction: float = 0.9
    lambda_l2: float = 1.0
    n_jobs: int = 1
    seed: int = 0
    calibration_folds: int = 2
    calibration_days: int = 182
    horizon_buckets: tuple[int, ...] = (7, 14)
    min_calibration_pairs: int = 200
    yearly_min_days: int = 400
    # The hospital's volume calendar (`forecast.calendar`): arrivals modelled per unit of
    # planned volume. Off for a bare series; `as_params(config)` switches it on.
    monthly_volume: bool = False
    reduced_periods: tuple[Period, ...] = ()

    def exposure(self, start: pd.Timestamp, days: int) -> np.ndarray | None:
        """Planned volume of the `days` days from `start`, or None without a calendar."""
        if not self.monthly_volume and not self.reduced_periods:
            return None
        dates = pd.date_range(start, periods=days, freq="D")
        return volume.exposure(dates, self.reduced_periods, self.monthly_volume)

    def yearly(self, days: int) -> bool:
        """Use month/day-of-year features only with enough history (a year and a level window)."""
        return days >= self.yearly_min_days

    def lgb_params(self) -> dict[str, Any]:
        return {
            "objective": "poisson",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction,
            "lambda_l2": self.lambda_l2,
            "num_threads": self.n_jobs,
            "seed": self.seed,
            "deterministic": True,
            "force_col_wise": True,
            "verbose": -1,
        }


ParamsLike = ForecastParams | HospitalConfig | Forecast | Mapping[str, Any] | None


def as_params(config_or_params: ParamsLike) -> ForecastParams:
    """ForecastParams from a hospital config, its `forecast` section, a dict or None."""
    if config_or_params is None:
        return ForecastParams()
    if isinstance(config_or_params, ForecastParams):
        return config_or_params
    if isinstance(config_or_params, HospitalConfig):
        return ForecastParams(
            horizon_days=config_or_params.forecast.horizon_days,
            min_history_days=config_or_params.forecast.min_history_days,
            monthly_volume=True,
            reduced_periods=volume.reduced_periods(config_or_params),
        )
    if isinstance(config_or_params, Forecast):
        return ForecastParams(
            horizon_days=config_or_params.horizon_days,
            min_history_days=config_or_params.min_history_days,
        )
    values = dict(config_or_params)
    if "horizon_buckets" in values:
        values["horizon_buckets"] = tuple(values["horizon_buckets"])
    if "reduced_periods" in values:
        values["reduced_periods"] = tuple(
            (str(a), str(b), float(r)) for a, b, r in values["reduced_periods"]
        )
    return ForecastParams(**values)


@dataclass
class ArrivalForecaster:
    """A fitted forecaster: the booster, its calibration and the history tail it needs."""

    booster: lgb.Booster
    params: ForecastParams
    history: pd.Series
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    nb_size: dict[int, float]  # horizon bucket (index into buckets) -> NB size
    calibration: str = "out-of-fold"
    yearly: bool = True
    version: str = ""

    def predict(self, horizon: int | None = None, history: pd.Series | None = None) -> pd.DataFrame:
        """Forecast `horizon` days after the end of `history` (default: the training data).

        Returns one row per day: date, horizon, mean, lo80, hi80, lo95, hi95, nb_size.
        Passing newer `history` forecasts from a later origin without refitting.
        """
        h_max = horizon or self.params.horizon_days
        s = self.history if history is None else daily_series(history)
        if s.dropna().empty:
            raise ValueError("cannot forecast from a series with no observations")
        h = np.arange(1, h_max + 1)
        o = np.full(h_max, len(s))
        mean = _predict_mean(self.booster, s, o, h, self.params, self.yearly)
        size = self.size_for(h)
        out = pd.DataFrame({"date": future_dates(s.index[-1], h_max), "horizon": h, "mean": mean})
        for name, level in INTERVALS.items():
            out[name] = nb_bound(level, mean, size)
        out["lo80"] = np.minimum(out["lo80"], out["hi80"])  # nested even at tiny means
        out["lo95"] = np.minimum(out["lo95"], out["lo80"])
        out["hi95"] = np.maximum(out["hi95"], out["hi80"])
        out["nb_size"] = size
        return out

    def size_for(self, horizons: np.ndarray) -> np.ndarray:
        buckets = np.searchsorted(self.params.horizon_buckets, horizons, side="left")
        return np.array([self.nb_size[int(b)] for b in buckets], dtype=float)


def _predict_mean(
    booster: lgb.Booster,
    s: pd.Series,
    origins: np.ndarray,
    horizons: np.ndarray,
    p: ForecastParams,
    yearly: bool,
) -> np.ndarray:
    last = int(np.max(origins + horizons)) if len(origins) else len(s)
    X, level = origin_features(
        s.to_numpy(),
        s.index[0],
        origins,
        horizons,
        p.level_window,
        p.holiday_country,
        yearly,
        p.exposure(s.index[0], max(last, len(s))),
    )
    return level * np.exp(booster.predict(X, raw_score=True))


def _pairs(first: int, last: int, step: int, horizon: int, limit: int) -> tuple[np.ndarray, ...]:
    """(origin, horizon) pairs for origins in [first, last) whose target index is < limit."""
    o, h = np.meshgrid(np.arange(first, last, step), np.arange(1, horizon + 1), indexing="ij")
    keep = (o + h - 1) < limit
    return o[keep], h[keep]


def _train(s: pd.Series, limit: int, p: ForecastParams) -> lgb.Booster:
    """Fit on every pair whose target day lies before index `limit`."""
    y = s.to_numpy()
    o, h = _pairs(p.level_window, limit, p.origin_step, p.horizon_days, limit)
    target = y[o + h - 1]
    known = ~np.isnan(target)
    if known.sum() < 2 * p.min_data_in_leaf:
        raise ValueError(
            f"too little history to fit: {len(s)} days (need about "
            f"{p.level_window + p.horizon_days} with few gaps)"
        )
    if np.nansum(target) <= 0:
        raise ValueError("every count in the history is zero: nothing for a Poisson model")
    X, level = origin_features(
        y,
        s.index[0],
        o[known],
        h[known],
        p.level_window,
        p.holiday_country,
        p.yearly(limit),
        p.exposure(s.index[0], len(y)),
    )
    data = lgb.Dataset(
        X,
        label=target[known],
        init_score=np.log(level),
        feature_name=list(FEATURES),
        free_raw_data=True,
    )
    return lgb.train(p.lgb_params(), data, num_boost_round=p.num_boost_round)


def _out_of_fold(s: pd.Series, p: ForecastParams) -> tuple[np.ndarray, ...] | None:
    """(y, mean, horizon) of forecasts from models that never saw the days they forecast."""
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
            booster = _train(s, cut, p)
        except ValueError:  # the early part alone cannot be fitted (gaps, all zero)
            return None
        o, h = _pairs(cut, end, 1, p.horizon_days, n)
        mean = _predict_mean(booster, s, o, h, p, p.yearly(cut))
        parts.append((y[o + h - 1], mean, h))
    ys, means, hs = (np.concatenate(x) for x in zip(*parts, strict=True))
    known = ~np.isnan(ys)
    if known.sum() < p.min_calibration_pairs:
        return None
    return ys[known], means[known], hs[known]


def fit(series: pd.Series, config_or_params: ParamsLike = None) -> ArrivalForecaster:
    """Fit the forecaster on a daily count series (DatetimeIndex; gaps allowed, as NaN)."""
    p = as_params(config_or_params)
    s = daily_series(series)
    oof = _out_of_fold(s, p)
    booster = _train(s, len(s), p)
    source = "out-of-fold"
    if oof is None:  # too short for held-out folds: in-sample residuals (optimistic)
        source = "in-sample"
        o, h = _pairs(p.level_window, len(s), 1, p.horizon_days, len(s))
        y = s.to_numpy()[o + h - 1]
        known = ~np.isnan(y)
        mean = _predict_mean(booster, s, o[known], h[known], p, p.yearly(len(s)))
        oof = (y[known], mean, h[known])
    sizes = nb_sizes_by_horizon(*oof, p.horizon_buckets, p.min_calibration_pairs)
    keep = p.level_window + YEAR + 2 * p.horizon_days + 7
    forecaster = ArrivalForecaster(
        booster=booster,
        params=p,
        history=s.iloc[-keep:],
        train_start=s.index[0],
        train_end=s.index[-1],
        nb_size=sizes,
        calibration=source,
        yearly=p.yearly(len(s)),
    )
    forecaster.version = _version(forecaster, s)
    return forecaster


def _version(f: ArrivalForecaster, s: pd.Series) -> str:
    digest = hashlib.sha256(json.dumps(_params_json(f.params), sort_keys=True).encode())
    digest.update(np.nan_to_num(s.to_numpy(), nan=-1.0).tobytes())
    digest.update(str(s.index[0]).encode())
    return f"{MODEL_NAME}-v{FORMAT_VERSION}-{f.train_end:%Y%m%d}-{digest.hexdigest()[:10]}"


def _params_json(p: ForecastParams) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(p).items()}


def save(forecaster: ArrivalForecaster, directory: str | Path) -> Path:
    """Write `<directory>/<version>/` with model.txt (LightGBM) and meta.json; return it."""
    target = Path(directory) / forecaster.version
    target.mkdir(parents=True, exist_ok=True)
    forecaster.booster.save_model(str(target / "model.txt"))
    hist = forecaster.history
    meta = {
        "model": MODEL_NAME,
        "format_version": FORMAT_VERSION,
        "version": forecaster.version,
        "train_start": forecaster.train_start.date().isoformat(),
        "train_end": forecaster.train_end.date().isoformat(),
        "params": _params_json(forecaster.params),
        "nb_size": {str(k): v for k, v in forecaster.nb_size.items()},
        "interval_levels": INTERVALS,
        "calibration": forecaster.calibration,
        "yearly_features": forecaster.yearly,
        "history_start": hist.index[0].date().isoformat(),
        "history": [None if np.isnan(v) else float(v) for v in hist.to_numpy()],
        "series_name": None if hist.name is None else str(hist.name),
    }
    (target / "meta.json").write_text(json.dumps(meta, indent=1))
    return target


def load(path: str | Path) -> ArrivalForecaster:
    """Read a forecaster written by `save` (its directory or its meta.json)."""
    path = Path(path)
    folder = path.parent if path.name == "meta.json" else path
    meta = json.loads((folder / "meta.json").read_text())
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{folder}: unsupported format_version {meta.get('format_version')}")
    values = np.array([np.nan if v is None else v for v in meta["history"]], dtype=float)
    index = pd.date_range(meta["history_start"], periods=len(values), freq="D")
    return ArrivalForecaster(
        booster=lgb.Booster(model_file=str(folder / "model.txt")),
        params=as_params(meta["params"]),
        history=pd.Series(values, index=index, name=meta.get("series_name")),
        train_start=pd.Timestamp(meta["train_start"]),
        train_end=pd.Timestamp(meta["train_end"]),
        nb_size={int(k): float(v) for k, v in meta["nb_size"].items()},
        calibration=meta["calibration"],
        yearly=meta["yearly_features"],
        version=meta["version"],
    )


class ForecastResult(NamedTuple):
    forecast: pd.DataFrame  # date, horizon, mean, lo80, hi80, lo95, hi95 (+ nb_size)
    method: str  # MODEL_NAME or "seasonal_naive"
    reason: str | None  # why the fallback was used; None for the model
    forecaster: ArrivalForecaster | None


def forecast_or_fallback(
    series: pd.Series,
    horizon: int = 28,
    min_history_days: int = 56,
    config_or_params: ParamsLike = None,
) -> ForecastResult:
    """The model's forecast, or the seasonal naive one (with a reason) when history is short."""
    s = daily_series(series)
    observed = int(s.notna().sum())
    if observed < min_history_days:
        reason = (
            f"history too short: {observed} observed days < min_history_days {min_history_days}"
        )
        return ForecastResult(seasonal_naive(s, horizon), "seasonal_naive", reason, None)
    p = dataclasses.replace(as_params(config_or_params), horizon_days=horizon)
    try:
        forecaster = fit(s, p)
    except ValueError as e:
        return ForecastResult(seasonal_naive(s, horizon), "seasonal_naive", str(e), None)
    return ForecastResult(forecaster.predict(horizon), MODEL_NAME, None, forecaster)
