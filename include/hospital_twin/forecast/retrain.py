"""The daily retrain as the twin runs it: which series are forecast, when the model is refitted,
and the rows a forecast leaves in the warehouse.

Streams are ED arrivals and the admissions of each ward whose history averages at least
MIN_DAILY_ADMISSIONS a day (fewer is mostly zeros: a model learns nothing a naive forecast
does not). Models are refitted every REFIT_EVERY simulated days only: the first on the day the
history reaches `forecast.min_history_days`, then every REFIT_EVERY days; the days between
forecast from the last refit day's model with their own, longer history (its level and lags
move with the data; only the trees and the interval sizes wait for the next refit). A fit
cost ~0.7 CPU s a stream, so a daily refit of 8 streams doubled a simulated day's cost; a
model is one of its refit day's data, named by them (`model.model_version`), so a re-run, a
backfill and the backtest find it in the store instead of fitting it again.

The backtest follows the forecasting protocol (horizon 28 days, an origin every
BACKTEST_STEP days) on the latest BACKTEST_ORIGINS origins only, and once every BACKTEST_STEP
simulated days, so the daily task stays fast; bench_capacity scores them all. Its origins are
refit days (the backtest scores the forecaster as the twin uses it, with the models the twin
fitted) and need the history the model itself needs (`forecast.min_history_days`, 56 days):
a 120-day run already has one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from hospital_twin.config import HospitalConfig
from hospital_twin.contracts import ED_STREAM
from hospital_twin.forecast import model
from hospital_twin.forecast.backtest import BacktestResult, backtest
from hospital_twin.forecast.features import daily_series, seasonal_naive

MIN_DAILY_ADMISSIONS = 5.0
REFIT_EVERY = 7
BACKTEST_STEP = 7  # = REFIT_EVERY: every backtest origin is a refit day, its model stored
BACKTEST_ORIGINS = 8


class ModelStore(Protocol):
    """Where fitted models are kept between days, by stream and `model.model_version`."""

    def get(self, stream: str, version: str) -> model.ArrivalForecaster | None: ...

    def put(self, stream: str, forecaster: model.ArrivalForecaster) -> None: ...


class MemoryStore:
    """A ModelStore in memory (benchmarks, tests; the task keeps its models in the lake)."""

    def __init__(self) -> None:
        self.models: dict[tuple[str, str], model.ArrivalForecaster] = {}

    def get(self, stream: str, version: str) -> model.ArrivalForecaster | None:
        return self.models.get((stream, version))

    def put(self, stream: str, forecaster: model.ArrivalForecaster) -> None:
        self.models[(stream, forecaster.version)] = forecaster


@dataclass(frozen=True)
class StreamOutcome:
    """One stream's daily retrain: the forecast, whether its model was fitted today (else it
    came from the store), the backtest when due, and the seconds it took."""

    result: model.ForecastResult
    refitted: bool
    backtest: BacktestResult | None
    seconds: float


def stream_series(arrivals: pd.DataFrame) -> dict[str, pd.Series]:
    """Daily counts per stream from (stream, sim_date, arrivals) rows, zero-filled between
    known days; wards admitting fewer than MIN_DAILY_ADMISSIONS a day are left out."""
    series = {}
    for name, group in arrivals.groupby("stream"):
        s = group.set_index(pd.to_datetime(group["sim_date"]))["arrivals"].astype(float)
        s = s.asfreq("D", fill_value=0.0)
        if name == ED_STREAM or s.mean() >= MIN_DAILY_ADMISSIONS:
            series[str(name)] = s.rename(str(name))
    return series


def backtest_due(day: dt.date, config: HospitalConfig) -> bool:
    """Whether the daily retrain of `day` also backtests: every BACKTEST_STEP simulated days."""
    return (day - config.simulation.start_date).days % BACKTEST_STEP == 0


def fit_length(days: int, min_history: int) -> int:
    """Days of history of the model a day with `days` days of history forecasts from: those
    of the latest refit day (min_history, then every REFIT_EVERY days)."""
    return days - (days - min_history) % REFIT_EVERY


def stored_fit(
    s: pd.Series, params: model.ForecastParams, store: ModelStore | None, stream: str
) -> tuple[model.ArrivalForecaster, bool]:
    """The model of exactly this history: from the store if it holds it, else fitted and put
    there. Returns (forecaster, fitted now)."""
    version = model.model_version(s, params)
    found = store.get(stream, version) if store is not None else None
    if found is not None:
        return found, False
    forecaster = model.fit(s, params)
    if store is not None:
        store.put(stream, forecaster)
    return forecaster, True


def stream_forecast(
    s: pd.Series, config: HospitalConfig, store: ModelStore | None = None, stream: str = ""
) -> tuple[model.ForecastResult, bool]:
    """The day's forecast of one stream: seasonal naive while the history is short, else the
    latest refit day's model (from `store`, or fitted) on the whole history. Returns
    (result, fitted now)."""
    horizon, min_history = config.forecast.horizon_days, config.forecast.min_history_days
    s = daily_series(s)
    if int(s.notna().sum()) < min_history:
        return model.forecast_or_fallback(s, horizon, min_history, config), False
    params = dataclasses.replace(model.as_params(config), horizon_days=horizon)
    try:
        forecaster, fitted = stored_fit(s.iloc[: fit_length(len(s), min_history)], params,
                                        store, stream)  # fmt: skip
    except ValueError as e:  # unfittable (all zero, too many gaps): the fallback, with why
        naive = seasonal_naive(s, horizon)
        return model.ForecastResult(naive, "seasonal_naive", str(e), None), False
    frame = forecaster.predict(horizon, history=s)
    return model.ForecastResult(frame, model.MODEL_NAME, None, forecaster), fitted


def retrain_day(
    series: dict[str, pd.Series], day: dt.date, config: HospitalConfig, store: ModelStore | None
) -> dict[str, StreamOutcome]:
    """What `retrain_and_record` computes for `day` (series up to and including it), I/O aside:
    per stream the forecast and, once every BACKTEST_STEP days, the backtest."""
    out = {}
    for name, s in series.items():
        t0 = time.perf_counter()
        result, fitted = stream_forecast(s, config, store, name)
        due = result.forecaster is not None and backtest_due(day, config)
        scored = recent_backtest(s, config, store, name) if due else None
        out[name] = StreamOutcome(result, fitted, scored, round(time.perf_counter() - t0, 2))
    return out


def recent_backtest(
    s: pd.Series, config: HospitalConfig, store: ModelStore | None = None, stream: str = ""
) -> BacktestResult | None:
    """The protocol's backtest on the latest origins, or None while history is too short.

    Every origin is a refit day, and its forecast the one the twin made that day: the model
    fitted on the history before it (from `store` when it holds it)."""
    horizon, min_history = config.forecast.horizon_days, config.forecast.min_history_days
    origins = list(range(min_history, len(s) - horizon + 1, BACKTEST_STEP))[-BACKTEST_ORIGINS:]
    if not origins:
        return None
    params = dataclasses.replace(model.as_params(config), horizon_days=horizon)
    return backtest(
        s,
        horizon=horizon,
        min_history=min_history,
        step=BACKTEST_STEP,
        refit_every=BACKTEST_STEP,
        config_or_params=params,
        origins=origins,
        fitter=lambda prefix: stored_fit(prefix, params, store, stream)[0],
    )


def forecast_rows(
    day: dt.date, stream: str, result: model.ForecastResult, version: str
) -> pd.DataFrame:
    """ml.forecast rows of one stream's forecast made on `day`."""
    f = result.forecast
    return pd.DataFrame(
        {
            "origin_date": day,
            "stream": stream,
            "target_date": pd.to_datetime(f["date"]).dt.date,
            "horizon": f["horizon"],
            "mean": f["mean"],
            "lo80": f["lo80"],
            "hi80": f["hi80"],
            "lo95": f["lo95"],
            "hi95": f["hi95"],
            "method": result.method,
            "model_version": version,
        }
    )


def metric_rows(
    day: dt.date, stream: str, scored: BacktestResult, version: str
) -> list[dict[str, Any]]:
    """ml.forecast_metrics rows: the backtest's scores per method (model, seasonal naive)."""
    return [
        {
            "origin_date": day,
            "stream": stream,
            "method": method,
            "mae": row["mae"],
            "mase": row["mase"],
            "coverage_80": row["coverage_80"],
            "coverage_95": row["coverage_95"],
            "n_origins": int(row["n_origins"]),
            "model_version": version,
        }
        for method, row in scored.summary.iterrows()
    ]
