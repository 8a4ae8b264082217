"""The daily forecaster retrain: arrival series from the warehouse, forecasts back into it.

Streams are ED arrivals and the admissions of each ward whose history averages at least
MIN_DAILY_ADMISSIONS a day (fewer is mostly zeros: a model learns nothing a naive forecast
does not). History is read up to D only, so a backfill never sees its own future.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pandas as pd
import psycopg

from hospital_twin.config import HospitalConfig
from hospital_twin.forecast import model as forecast
from hospital_twin.forecast.backtest import backtest
from hospital_twin.io import warehouse
from hospital_twin.io.lake import Lake

MIN_DAILY_ADMISSIONS = 5.0
BACKTEST_MIN_HISTORY = 180
BACKTEST_STEP = 7
BACKTEST_ORIGINS = 8  # the daily task scores the latest origins only; bench_capacity scores all


def arrival_series(conn: psycopg.Connection, day: dt.date) -> dict[str, pd.Series]:
    """Daily counts per stream up to and including `day`, zero-filled between known days."""
    frame = warehouse.query_frame(conn, "queries/arrivals_per_stream.sql", (day, day))
    series = {}
    for name, group in frame.groupby("stream"):
        s = group.set_index(pd.to_datetime(group["sim_date"]))["arrivals"].astype(float)
        s = s.asfreq("D", fill_value=0.0)
        if name == "ED" or s.mean() >= MIN_DAILY_ADMISSIONS:
            series[str(name)] = s.rename(str(name))
    return series


def retrain(conn: psycopg.Connection, config: HospitalConfig, lake: Lake, day: dt.date) -> dict:
    """Fit (or fall back to seasonal naive), store forecasts, metrics and the model artefact."""
    horizon, min_history = config.forecast.horizon_days, config.forecast.min_history_days
    summary: dict[str, dict] = {}
    forecasts, metrics, models = [], [], []
    for name, s in arrival_series(conn, day).items():
        t0 = time.perf_counter()
        result = forecast.forecast_or_fallback(s, horizon, min_history, config)
        if result.forecaster is not None:
            version = result.forecaster.version
            path = forecast.save(result.forecaster, lake.path("models", name.replace(":", "_")))
            train_start = result.forecaster.train_start.date()
        else:
            version, path, train_start = f"seasonal-naive-{day:%Y%m%d}", None, s.index[0].date()
        models.append((version, name, result.method, train_start, day, str(path) if path else None))
        f = result.forecast
        forecasts.append(
            pd.DataFrame(
                {
                    "origin_date": day,
                    "stream": name,
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
        )
        entry = {"method": result.method, "days": len(s), "seconds": 0.0}
        if result.reason:
            entry["fallback_reason"] = result.reason
        if result.forecaster is not None and len(s) >= BACKTEST_MIN_HISTORY + horizon:
            scored = _recent_backtest(s, horizon, config)
            for method, row in scored.summary.iterrows():
                metrics.append(
                    {
                        "origin_date": day,
                        "stream": name,
                        "method": method,
                        "mae": row["mae"],
                        "mase": row["mase"],
                        "coverage_80": row["coverage_80"],
                        "coverage_95": row["coverage_95"],
                        "n_origins": int(row["n_origins"]),
                        "model_version": version,
                    }
                )
            entry["backtest"] = scored.as_dict()
        entry["seconds"] = round(time.perf_counter() - t0, 2)
        summary[name] = entry
    _store(conn, day, models, forecasts, metrics)
    return summary


def _recent_backtest(s: pd.Series, horizon: int, config: HospitalConfig):
    """The protocol's backtest (horizon 28, >=180 days history, every 7 days), latest origins."""
    span = BACKTEST_MIN_HISTORY + horizon + BACKTEST_STEP * (BACKTEST_ORIGINS - 1)
    recent = s.iloc[-span:] if len(s) > span else s
    params = dataclasses.replace(forecast.as_params(config), horizon_days=horizon)
    return backtest(
        recent,
        horizon=horizon,
        min_history=BACKTEST_MIN_HISTORY,
        step=BACKTEST_STEP,
        config_or_params=params,
    )


def _store(conn, day, models, forecasts, metrics) -> None:
    with conn.transaction():
        for row in models:
            conn.execute(warehouse.read_sql("queries/register_model.sql"), row)
        warehouse.replace_rows(
            conn, "ml.forecast", pd.concat(forecasts, ignore_index=True), where={"origin_date": day}
        )
        warehouse.replace_rows(
            conn,
            "ml.forecast_metrics",
            pd.DataFrame(metrics, columns=warehouse.table_columns(conn, "ml.forecast_metrics")),
            where={"origin_date": day},
        )
