"""The daily retrain as the twin runs it: which series are forecast, and the rows a forecast
leaves in the warehouse.

Streams are ED arrivals and the admissions of each ward whose history averages at least
MIN_DAILY_ADMISSIONS a day (fewer is mostly zeros: a model learns nothing a naive forecast
does not). The backtest follows the forecasting protocol (horizon 28 days, an origin every
BACKTEST_STEP days) on the latest BACKTEST_ORIGINS origins only, and once every BACKTEST_STEP
simulated days, so the daily task stays fast; bench_capacity scores them all. Its origins need
the history the model itself needs (`forecast.min_history_days`, 56 days): the score is that of
the forecaster as the twin uses it, and a 120-day run already has one (a year's history, as
before, left `make run` without any).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd

from hospital_twin.config import HospitalConfig
from hospital_twin.contracts import ED_STREAM
from hospital_twin.forecast import model
from hospital_twin.forecast.backtest import BacktestResult, backtest

MIN_DAILY_ADMISSIONS = 5.0
BACKTEST_STEP = 7
BACKTEST_ORIGINS = 8


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


def recent_backtest(s: pd.Series, config: HospitalConfig) -> BacktestResult | None:
    """The protocol's backtest on the latest origins, or None while history is too short."""
    horizon, min_history = config.forecast.horizon_days, config.forecast.min_history_days
    if len(s) < min_history + horizon:
        return None
    span = min_history + horizon + BACKTEST_STEP * (BACKTEST_ORIGINS - 1)
    recent = s.iloc[-span:] if len(s) > span else s
    params = dataclasses.replace(model.as_params(config), horizon_days=horizon)
    return backtest(
        recent,
        horizon=horizon,
        min_history=min_history,
        step=BACKTEST_STEP,
        config_or_params=params,
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
