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
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hospital_twin.contracts import DW_CONN_ID

DEFAULT_DAYS = 90
MAX_DAYS = 3660
STATEMENT_TIMEOUT_MS = 15_000
# Used unless the Airflow connection's extras say otherwise.
SESSION_DEFAULTS = {"connect_timeout": 5, "application_name": "hospital-dashboard"}


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
    if isinstance(value, datetime):
        return value.isoformat()
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


def pick_ward(recommendations: Sequence[Mapping[str, Any]], requested: str | None) -> str | None:
    """The ward whose risk curve is shown: the requested one if the run has it, else the ward
    with the highest risk at its configured beds (ties by name), else None."""
    wards = {r["ward"] for r in recommendations}
    if requested is not None and requested in wards:
        return requested
    if not recommendations:
        return None
    top = sorted(recommendations, key=lambda r: (-(r["risk_at_configured"] or 0.0), r["ward"]))
    return top[0]["ward"]


def build_summary(
    kpis: list[dict[str, Any]],
    wards: list[dict[str, Any]],
    recommendations: list[dict[str, Any]],
    curve: list[dict[str, Any]],
    selected_ward: str | None,
    requested_ward: str | None,
) -> dict[str, Any]:
    """Shape query results into the dashboard summary (pure: no I/O)."""
    run = None
    if recommendations:
        first = recommendations[0]
        run = {k: first[k] for k in ("run_id", "origin_date", "created_at")}
    scenarios: list[str] = []
    for r in recommendations:
        if r["scenario"] not in scenarios:
            scenarios.append(r["scenario"])
    configured = {
        r["scenario"]: r["configured_beds"] for r in recommendations if r["ward"] == selected_ward
    }
    recommended = {
        r["scenario"]: r["recommended_beds"] for r in recommendations if r["ward"] == selected_ward
    }
    return {
        "has_data": {"daily": bool(kpis or wards), "capacity": bool(recommendations)},
        "latest_day": kpis[-1] if kpis else None,
        "previous_day": kpis[-2] if len(kpis) >= 2 else None,
        "occupancy_series": [
            {"sim_date": k["sim_date"], "bed_occupancy_pct": k["bed_occupancy_pct"]} for k in kpis
        ],
        "wards": wards,
        "capacity": {
            "run": run,
            "scenarios": scenarios,
            "wards": sorted({r["ward"] for r in recommendations}),
            "recommendations": recommendations,
        },
        "risk_curve": {
            "ward": selected_ward,
            "requested_ward": requested_ward,
            "configured_beds": configured,
            "recommended_beds": recommended,
            "points": curve,
        },
    }


def load_summary(conn, *, ward: str | None = None, days: int | None = None) -> dict[str, Any]:
    """Everything the dashboard shows, read in one read-only transaction (a consistent view)."""
    days = clamp_days(days)
    with conn.transaction():
        kpis = fetch(conn, "daily_kpis", {"days": days})
        wards = fetch(conn, "ward_occupancy")
        recommendations = fetch(conn, "capacity_latest")
        selected = pick_ward(recommendations, ward)
        curve = []
        if selected is not None:
            curve = fetch(
                conn,
                "risk_curve",
                {"run_id": recommendations[0]["run_id"], "ward": selected},
            )
    summary = build_summary(kpis, wards, recommendations, curve, selected, ward)
    summary["days"] = days
    return summary
