"""The capacity dashboard's data: SQL files under `sql/queries/dashboard_*.sql`, run with psycopg.

Every statement lives in `sql/` (the project rule); this module only reads the files at request
time, binds parameters and shapes the rows into one JSON-ready summary shared by the HTML page
and `/hospital/api/summary`. Nothing here imports Airflow at module level, so it is cheap to load
in every Airflow process that scans the plugins folder, and unit-testable without a server.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

DW_CONN_ID = "hospital_dw"
DEFAULT_DAYS = 90
MAX_DAYS = 3660

# Libpq parameters that may come from the Airflow connection's extra JSON.
_LIBPQ_EXTRAS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "connect_timeout",
    "application_name",
    "options",
    "target_session_attrs",
)


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


class _ConnLike(Protocol):
    host: str | None
    port: int | None
    schema: str | None
    login: str | None
    password: str | None

    @property
    def extra_dejson(self) -> dict: ...


def conninfo_from_connection(conn: _ConnLike) -> str:
    """A libpq conninfo string from an Airflow Connection (its `schema` is the database)."""
    from psycopg.conninfo import make_conninfo

    params: dict[str, Any] = {
        "host": conn.host or None,
        "port": conn.port or None,
        "dbname": conn.schema or None,
        "user": conn.login or None,
        "password": conn.password or None,
    }
    extra = conn.extra_dejson or {}
    params.update({k: extra[k] for k in _LIBPQ_EXTRAS if extra.get(k) not in (None, "")})
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


def warehouse_conninfo(conn_id: str = DW_CONN_ID) -> str:
    """The warehouse DSN from the Airflow connection `hospital_dw` (env var or metastore)."""
    from airflow.models.connection import Connection

    return conninfo_from_connection(Connection.get_connection_from_secrets(conn_id))


def connect(conninfo: str):
    """A read-only, time-limited psycopg connection: the dashboard never writes."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(conninfo)
    options = f"{params.get('options') or ''} -c statement_timeout=15000".strip()
    params.setdefault("connect_timeout", 5)
    params.setdefault("application_name", "hospital-dashboard")
    conn = psycopg.connect(**{**params, "options": options})
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
