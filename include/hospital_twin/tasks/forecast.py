"""The daily forecaster retrain: arrival series from the warehouse, forecasts back into it.

History is read up to D only, so a backfill never sees its own future; which streams are
forecast and what rows a forecast leaves are decided in `forecast.retrain`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time

import pandas as pd
import psycopg

from hospital_twin.config import HospitalConfig
from hospital_twin.forecast import model, retrain
from hospital_twin.io import warehouse
from hospital_twin.io.lake import Lake
from hospital_twin.tasks import log_summary

log = logging.getLogger(__name__)


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
            entry["fallback"] = result.reason
        due = result.forecaster is not None and retrain.backtest_due(day, config)
        scored = retrain.recent_backtest(s, config) if due else None
        if scored is not None:
            metrics += retrain.metric_rows(day, name, scored, version)
            entry["backtest"] = scored.as_dict()
        entry["seconds"] = round(time.perf_counter() - t0, 2)
        summary[name] = entry
    _store(conn, day, models, forecasts, metrics)
    log.info("%s", retrain_report(day, summary))
    return summary


def retrain_report(day: dt.date, summary: dict[str, dict]) -> str:
    """The task's closing lines: one aligned row per stream (method, history, backtest scores)
    and each fallback said once for all the streams it applies to, not once per stream."""
    rows = []
    for name, e in summary.items():
        scores = (e.get("backtest") or {}).get("model", {})
        rows.append(
            [name, e["method"], e["days"], *(scores.get(k, "–") for k in SCORE_KEYS), e["seconds"]]
        )
    header = ["stream", "method", "days", *SCORE_KEYS, "seconds"]
    title = f"forecasts from {day} (origin), one row per stream"
    lines = [log_summary.table(title, header, rows, left=2)]
    fallbacks: dict[str, list[str]] = {}
    for name, e in summary.items():
        if "fallback" in e:
            fallbacks.setdefault(_reason_kind(e["fallback"]), []).append(name)
    for reason, names in fallbacks.items():
        lines.append(
            f"fallback: seasonal naive for {len(names)} of {len(summary)} streams ({reason}): "
            + ", ".join(names)
        )
    return "\n".join(lines)


SCORE_KEYS = ("mae", "mase", "coverage_80", "coverage_95")


def _reason_kind(reason: str) -> str:
    """A fallback's reason without the stream's own numbers, so streams that fall back for the
    same reason are named together."""
    return re.sub(r": \d+ observed days < ", ": fewer days than ", reason)


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
