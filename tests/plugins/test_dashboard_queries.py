"""The dashboard's queries without a warehouse: they live in read-only SQL files with bound
parameters, the session keeps the connection's settings and adds a statement timeout, and the
summary is shaped (ward picked, days clamped, latest and previous day) from plain rows."""

from __future__ import annotations

import json
import re

import pytest

from tests.plugins.dashboard_package import REPO, queries

QUERY_NAMES = ("daily_kpis", "ward_occupancy", "capacity_latest", "risk_curve")


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_queries_live_in_sql_files_and_bind_parameters(name: str) -> None:
    text = queries.read_query(name)
    assert (REPO / "sql" / "queries" / f"dashboard_{name}.sql").read_text() == text
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    assert body.strip().upper().startswith("SELECT"), "the dashboard only reads"
    # Only named placeholders (bound by psycopg); no str.format fields, no stray %.
    assert "{" not in body
    assert set(re.findall(r"%(?:\((\w+)\)s|.)", body)) <= {"days", "run_id", "ward"}


def test_read_query_rejects_path_tricks() -> None:
    with pytest.raises(ValueError):
        queries.read_query("../migrations/001_schemas")


def test_session_extras_keep_the_connections_settings_and_add_a_statement_timeout() -> None:
    extras = queries.session_extras({"sslmode": "require", "options": "-c search_path=dw"})
    assert extras["options"] == "-c search_path=dw -c statement_timeout=15000"
    assert extras["sslmode"] == "require"
    assert extras["connect_timeout"] == 5
    assert queries.session_extras({"connect_timeout": 30})["connect_timeout"] == 30
    assert queries.session_extras({})["options"] == "-c statement_timeout=15000"


def test_the_dashboard_reads_the_shared_warehouse_connection_id() -> None:
    from hospital_twin.contracts import DW_CONN_ID

    assert queries.DW_CONN_ID is DW_CONN_ID
    assert queries.connect.__defaults__ == (DW_CONN_ID,)


def test_pick_ward() -> None:
    recs = [
        {"ward": "A", "risk_at_configured": 0.1},
        {"ward": "B", "risk_at_configured": 0.4},
        {"ward": "C", "risk_at_configured": 0.4},
    ]
    assert queries.pick_ward(recs, "A") == "A"
    assert queries.pick_ward(recs, "nope") == "B"
    assert queries.pick_ward(recs, None) == "B"
    assert queries.pick_ward([], "A") is None


def test_clamp_days() -> None:
    assert queries.clamp_days(None) == queries.DEFAULT_DAYS
    assert queries.clamp_days(0) == 1
    assert queries.clamp_days(10**9) == queries.MAX_DAYS


def test_build_summary_empty_and_full() -> None:
    empty = queries.build_summary([], [], [], [], None, None)
    assert empty["has_data"] == {"daily": False, "capacity": False}
    assert empty["latest_day"] is None and empty["capacity"]["run"] is None

    kpis = [
        {"sim_date": "2099-01-01", "bed_occupancy_pct": 80.0},
        {"sim_date": "2099-01-02", "bed_occupancy_pct": 90.0},
    ]
    recs = [
        {"run_id": "r", "origin_date": "2099-01-02", "created_at": "t", "scenario": s, "ward": w,
         "configured_beds": 10, "recommended_beds": 12, "risk_at_configured": 0.2}
        for s in ("baseline", "surge") for w in ("X", "Y")
    ]  # fmt: skip
    s = queries.build_summary(kpis, [], recs, [], "Y", None)
    assert s["latest_day"]["sim_date"] == "2099-01-02"
    assert s["previous_day"]["sim_date"] == "2099-01-01"
    assert s["capacity"]["run"] == {"run_id": "r", "origin_date": "2099-01-02", "created_at": "t"}
    assert s["capacity"]["scenarios"] == ["baseline", "surge"]
    assert s["capacity"]["wards"] == ["X", "Y"]
    assert s["risk_curve"]["configured_beds"] == {"baseline": 10, "surge": 10}
    json.dumps(s)  # JSON-ready
