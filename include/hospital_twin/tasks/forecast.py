"""The daily forecaster retrain: arrival series from the warehouse, forecasts back into it.

History is read up to D only, so a backfill never sees its own future; which streams are
forecast, when a model is refitted (every `retrain.REFIT_EVERY` simulated days) and what rows
a forecast leaves are decided in `forecast.retrain`. Fitted models live in the lake
(`models/<stream>/<version>/`), where the days between refits and the weekly backtest find them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import pandas as pd
import psycopg

from hospital_twin.config import HospitalConfig
from hospital_twin.forecast import model, retrain
from hospital_twin.io import warehouse
from hospital_twin.io.lake import Lake
from hospital_twin.tasks import log_summary

log = logging.getLogger(__name__)


class LakeModels:
    """`retrain.ModelStore` in the lake: one folder per stream, one per model version."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake

    def folder(self, stream: str) -> Path:
        return self.lake.path("models", stream.replace(":", "_"))

    def get(self, stream: str, version: str) -> model.ArrivalForecaster | None:
        found = self.folder(stream) / version
        return model.load(found) if (found / "meta.json").exists() else None

    def put(self, stream: str, forecaster: model.ArrivalForecaster) -> None:
        model.save(forecaster, self.folder(stream))


def arrival_series(conn: psycopg.Connection, day: dt.date) -> dict[str, pd.Series]:
    """Daily counts per stream up to and including `day`."""
    frame = warehouse.query_frame(conn, "queries/arrivals_per_stream.sql", (day, day))
    return retrain.stream_series(frame)


def retrain_forecaster(
    conn: psycopg.Connection, config: HospitalConfig, lake: Lake, day: dt.date
) -> dict:
    """Forecast every stream (model of the last refit day, or seasonal naive while history is
    short), store forecasts, metrics and the models' registry rows."""
    store = LakeModels(lake)
    summary: dict[str, dict] = {}
    forecasts, metrics, models = [], [], []
    series = arrival_series(conn, day)
    for name, outcome in retrain.retrain_day(series, day, config, store).items():
        result, f = outcome.result, outcome.result.forecaster
        if f is not None:
            version, train_start = f.version, f.train_start.date()
            train_end, path = f.train_end.date(), str(store.folder(name) / f.version)
        else:
            version, train_start = f"seasonal-naive-{day:%Y%m%d}", series[name].index[0].date()
            train_end, path = day, None
        models.append((version, name, result.method, train_start, train_end, path))
        forecasts.append(retrain.forecast_rows(day, name, result, version))
        entry = {"method": result.method, "days": len(series[name]), "seconds": outcome.seconds}
        if f is not None:
            entry["model"] = "fitted today" if outcome.refitted else f"of {train_end}"
            entry["trees_weight"] = f.trees_weight
        if result.reason:
            entry["fallback"] = result.reason
        if outcome.backtest is not None:
            metrics += retrain.metric_rows(day, name, outcome.backtest, version)
            entry["backtest"] = outcome.backtest.as_dict()
        summary[name] = entry
    _store(conn, day, models, forecasts, metrics)
    log.info("%s", retrain_report(day, summary))
    return summary


def retrain_report(day: dt.date, summary: dict[str, dict]) -> str:
    """The task's closing lines: one aligned row per stream (method, history, the model's fit
    day and trees weight, backtest scores), when models are refitted, and each fallback said
    once for all the streams it applies to, not once per stream."""
    rows = []
    for name, e in summary.items():
        scores = (e.get("backtest") or {}).get("model", {})
        weight = e.get("trees_weight")
        rows.append(
            [name, e["method"], e["days"], e.get("model", "–"),
             "–" if weight is None else weight,
             *(scores.get(k, "–") for k in SCORE_KEYS), e["seconds"]]
        )  # fmt: skip
    header = ["stream", "method", "days", "model", "trees", *SCORE_KEYS, "seconds"]
    title = f"forecasts from {day} (origin), one row per stream"
    lines = [log_summary.table(title, header, rows, left=2)]
    if any("model" in e for e in summary.values()):
        lines.append(
            f"models are refitted every {retrain.REFIT_EVERY} simulated days; between refits "
            "the last model forecasts from today's history (its level and lags are today's). "
            "trees: the weight of LightGBM's corrections on the recent level, chosen out of "
            "fold (0: the level per planned volume forecast better; 1: the full model)"
        )
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
