"""The dashboard's real SQL and connection against PostgreSQL (`integration`): the hook's
connection is read-only and time-limited, and load_summary reads the seeded rows of a scratch
warehouse migrated from sql/migrations + sql/marts."""

from __future__ import annotations

import json

import pytest

from tests.plugins.dashboard_package import queries
from tests.plugins.dashboard_rows import delete_dashboard_rows, seed_dashboard_rows


@pytest.mark.integration
def test_connect_through_the_hook_is_read_only_and_time_limited(monkeypatch) -> None:
    """The provider's hook builds the connection from the Airflow connection, extras included."""
    import os

    import psycopg

    uri = os.environ["AIRFLOW_CONN_HOSPITAL_DW"]
    monkeypatch.setenv("AIRFLOW_CONN_HOSPITAL_DW", f"{uri}?options=-c%20search_path%3Ddw")
    with queries.connect() as conn:
        assert isinstance(conn, psycopg.Connection)
        assert conn.execute("SHOW statement_timeout").fetchone() == ("15s",)
        assert conn.execute("SHOW search_path").fetchone() == ("dw",)
        assert conn.execute("SHOW application_name").fetchone() == ("hospital-dashboard",)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TEMP TABLE t (x int)")


@pytest.mark.integration
def test_load_summary_against_a_scratch_warehouse(dw) -> None:
    assert queries.load_summary(dw)["has_data"] == {"daily": False, "capacity": False}
    exp = seed_dashboard_rows(dw, "unit0001")
    try:
        s = queries.load_summary(dw, days=3)
        assert s["latest_day"]["sim_date"] == exp["latest_day"]
        assert s["latest_day"]["bed_occupancy_pct"] == pytest.approx(exp["occupancy_pct"])
        assert s["latest_day"]["ed_arrivals"] == exp["ed_arrivals"]
        assert s["latest_day"]["ambulance_arrivals"] == exp["ambulance_arrivals"]
        assert s["latest_day"]["mean_los_days"] == pytest.approx(exp["mean_los_days"])
        assert len(s["occupancy_series"]) == 3
        assert [w["ward"] for w in s["wards"]] == sorted(exp["wards"])
        assert s["capacity"]["run"]["run_id"] == exp["run_id"]
        assert s["capacity"]["scenarios"] == ["baseline", "winter_peak"]
        assert len(s["capacity"]["recommendations"]) == len(exp["recommendations"])
        assert s["risk_curve"]["ward"] == exp["top_risk_ward"]
        ward = next(w for w in exp["wards"] if "<A&B>" in w)
        s = queries.load_summary(dw, ward=ward)
        assert s["risk_curve"]["ward"] == ward
        assert len(s["risk_curve"]["points"]) == sum(
            len(pts) for (_, w), pts in exp["curves"].items() if w == ward
        )
        json.dumps(s)
    finally:
        delete_dashboard_rows(dw, "unit0001")
    assert queries.load_summary(dw)["has_data"] == {"daily": False, "capacity": False}
