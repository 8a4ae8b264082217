"""The capacity dashboard's data: SQL files under `sql/queries/dashboard_*.sql`, run with psycopg.

Every statement lives in `sql/` (the project rule); this module only reads the files at request
time, binds parameters and shapes the rows into one JSON-ready summary shared by the HTML page
and `/hospital/api/summary`. Nothing here imports Airflow or psycopg at module level, so it is
cheap to load in every Airflow process that scans the plugins folder, and unit-testable without
a server.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hospital_twin.contracts import DW_CONN_ID, ED_STREAM, TOPICS

from . import summary

DEFAULT_DAYS = 90
MAX_DAYS = 3660
STATEMENT_TIMEOUT_MS = 15_000
# Used unless the Airflow connection's extras say otherwise.
SESSION_DEFAULTS = {"connect_timeout": 5, "application_name": "hospital-dashboard"}
# The stream tables per topic (hospital_twin.contracts.TOPICS is their one source).
TOPIC_PARAMS = {
    f"{kind}_topic": TOPICS[kind] for kind in ("emergency_transport", "patient_transfer")
}


def sql_dir() -> Path:
    """`$HT_SQL_DIR` (as in hospital_twin.io.warehouse) or the `sql/` beside `plugins/`."""
    env = os.environ.get("HT_SQL_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "sql"


def read_query(name: str) -> str:
    """The text of `sql/queries/dashboard_<name>.sql`, read at call time (no restart to edit)."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"bad query name: {name!r}")
    return (sql_dir() / "queries" / f"dashboard_{name}.sql").read_text()


def session_extras(extra: Mapping[str, Any]) -> dict[str, Any]:
    """The connection's extras as the dashboard connects with them: the connection's own
    `options` plus a statement timeout (a slow query must not hold an api-server worker), and a
    short connect timeout and an application name unless the connection sets its own."""
    options = f"{extra.get('options') or ''} -c statement_timeout={STATEMENT_TIMEOUT_MS}"
    return {**SESSION_DEFAULTS, **extra, "options": options.strip()}


def connect(conn_id: str = DW_CONN_ID):
    """A read-only, time-limited psycopg 3 connection from the Airflow connection `conn_id`.

    The postgres provider's hook builds it, as it does for the tasks (`dags/common/glue.py`),
    so host, credentials and every extra come from one definition (env var or metastore); the
    dashboard only adds its session settings to the extras and never writes.
    """
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    hook = PostgresHook(postgres_conn_id=conn_id)
    hook.connection.extra = json.dumps(session_extras(hook.connection.extra_dejson))
    conn = hook.get_conn()
    conn.read_only = True
    return conn


def _plain(value: Any) -> Any:
    """Numbers as int/float, dates as ISO strings: the same values in HTML and JSON."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):  # timestamps in UTC, whatever the session's time zone
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(cur) -> list[dict[str, Any]]:
    names = [c.name for c in cur.description]
    return [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def fetch(conn, name: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run `dashboard_<name>.sql` with bound parameters; rows as dicts of plain values."""
    with conn.cursor() as cur:
        cur.execute(read_query(name), params or {})
        return _rows(cur)


def clamp_days(days: int | None) -> int:
    if days is None:
        return DEFAULT_DAYS
    return max(1, min(MAX_DAYS, int(days)))


def load_summary(
    conn, *, ward: str | None = None, days: int | None = None, run: str | None = None
) -> dict[str, Any]:
    """Everything the dashboard shows, read in one read-only transaction (a consistent view).

    `run` picks the capacity run (default: the newest), `ward` its risk curve, `days` the window
    of the time series (anchored on the latest simulated day, not on today)."""
    days = clamp_days(days)
    window = {"days": days}
    with conn.transaction():
        kpis = fetch(conn, "daily_kpis", window)
        wards = fetch(conn, "ward_occupancy")
        ward_series = fetch(conn, "ward_series", window)
        forecast = fetch(conn, "ed_forecast", {**window, "stream": ED_STREAM})
        scores = fetch(conn, "forecast_scores", {"stream": ED_STREAM})
        runs = fetch(conn, "capacity_runs")
        picked = summary.pick_run(runs, run)
        recommendations, curve, selected = [], [], None
        if picked is not None:
            recommendations = fetch(conn, "recommendations", {"run_id": picked["run_id"]})
            selected = summary.pick_ward(recommendations, ward)
        if selected is not None:
            curve = fetch(conn, "risk_curve", {"run_id": picked["run_id"], "ward": selected})
        health = {
            "last_day": next(iter(fetch(conn, "last_day")), None),
            "events": fetch(conn, "stream_days", {**window, **TOPIC_PARAMS}),
            "rejects": fetch(conn, "rejects"),
        }
    out = summary.build_summary(
        kpis, wards, recommendations, curve, selected, ward,
        runs=runs, run=picked, ward_series=ward_series, forecast=forecast, scores=scores,
        health=health,
    )  # fmt: skip
    out["capacity"]["requested_run"] = run
    out["days"] = days
    return out
