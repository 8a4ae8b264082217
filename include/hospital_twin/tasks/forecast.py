"""The daily forecaster retrain: arrival series from the warehouse, forecasts back into it.

History is read up to D only, so a backfill never sees its own future; which streams are
forecast and what rows a forecast leaves are decided in `forecast.retrain`.
"""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import psycopg

from hospital_twin.config import HospitalConfig
from hospital_twin.forecast import model, retrain
from hospital_twin.io import warehouse
from hospital_twin.io.lake import Lake


def arrival_series(conn: psycopg.Connection, day: dt.date) -> dict[str, pd.Series]:
    """Daily counts per stream up to and including `day`."""
    frame = warehouse.query_frame(conn, "queries/arrivals_per_stream.sql", (day, day))
    return retrain.stream_series(frame)


def retrain_forecaster(
    conn: psycopg.Connection, config: HospitalConfig, lake: Lake, day: dt.date
) -> dict:
    """Fit (or fall back to seasonal naive), store forecasts, metrics and the model artefact."""
    horizon, min_history = config.forecast.horizon_days, config.forecast.min_history_days
    summary: dict[str, dict] = {}
    forecasts, metrics, models = [], [], []
    for name, s in arrival_series(conn, day).items():
        t0 = time.perf_counter()
        result = model.forecast_or_fallback(s, horizon, min_history, config)
        if result.forecaster is not None:
            version = result.forecaster.version
            path = model.save(result.forecaster, lake.path("models", name.replace(":", "_")))
            train_start = result.forecaster.train_start.date()
        else:
            version, path, train_start = f"seasonal-naive-{day:%Y%m%d}", None, s.index[0].date()
        models.append((version, name, result.method, train_start, day, str(path) if path else None))
        forecasts.append(retrain.forecast_rows(day, name, result, version))
        entry = {"method": result.method, "days": len(s), "seconds": 0.0}
        if result.reason:
            entry["fallback_reason"] = result.reason
        scored = retrain.recent_backtest(s, config) if result.forecaster is not None else None
        if scored is not None:
            metrics += retrain.metric_rows(day, name, scored, version)
            entry["backtest"] = scored.as_dict()
        entry["seconds"] = round(time.perf_counter() - t0, 2)
        summary[name] = entry
    _store(conn, day, models, forecasts, metrics)
    return summary


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
