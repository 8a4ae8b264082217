"""The dashboard's real SQL and connection against PostgreSQL (`integration`): the hook's
connection is read-only and time-limited, and load_summary reads the seeded rows of a scratch
warehouse migrated from sql/migrations + sql/marts."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import scratch_database
from tests.plugins.dashboard_package import queries
from tests.plugins.dashboard_rows import (
    delete_dashboard_rows,
    delete_pipeline_rows,
    seed_dashboard_rows,
    seed_pipeline_rows,
)


@pytest.fixture(scope="module")
def scratch_dsn(pg_admin_dsn: str):
    """A warehouse of this module's own: its checks of an empty dashboard fail on the session's
    shared one once other tests (tests/tasks) have simulated days into it."""
    with scratch_database(pg_admin_dsn) as dsn:
        yield dsn


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


# --- every endpoint of the app, on the real SQL, against the scratch warehouse ---------------
@pytest.fixture
def app_on_scratch(monkeypatch, scratch_dsn):
    """The FastAPI app reading the scratch warehouse (authentication stubbed: it has its own
    tests in test_dashboard_webapp.py and in the browser test)."""
    import psycopg
    from fastapi.testclient import TestClient

    from tests.plugins.dashboard_package import webapp

    class _User:
        def get_name(self) -> str:
            return "planner"

    async def signed_in(request):
        return _User()

    def connect():
        conn = psycopg.connect(scratch_dsn)
        conn.read_only = True
        return conn

    monkeypatch.setattr(webapp, "authenticate", signed_in)
    monkeypatch.setattr(queries, "connect", connect)
    return TestClient(webapp.app)


def _points(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-points="(\d+)"', html)]


@pytest.mark.integration
def test_every_endpoint_against_seeded_rows(app_on_scratch, dw) -> None:
    c = app_on_scratch
    empty = c.get("/api/summary").json()
    assert empty["no_data_message"] and "hospital_daily" in empty["no_data_message"]
    assert 'id="no-data"' in c.get("/dashboard").text
    exp = seed_dashboard_rows(dw, "api00001")
    more = seed_pipeline_rows(dw, "api00001")
    try:
        s = c.get("/api/summary", params={"days": 7}).json()
        assert s["no_data_message"] is None
        # The run picker: the newest run by default, the older one still listed with its params.
        runs = {r["run_id"]: r for r in s["capacity"]["runs"]}
        assert set(runs) == {exp["run_id"], more["older_run_id"]}
        assert runs[more["older_run_id"]]["params"]["risk_target"] == more["older_risk_target"]
        assert s["capacity"]["run"]["run_id"] == exp["run_id"]
        assert s["capacity"]["risk_target"] == 0.05
        assert s["capacity"]["recommendations"][0]["criterion"]
        assert s["capacity"]["refusal_target"] == 0.01
        assert s["capacity"]["recommendations"][0]["refusal_at_recommended"] == 0.008
        assert "days_full_per_month" in s["risk_curve"]["points"][0]
        # Today: beds short (+) or spare (-) per ward for the target, baseline scenario.
        baseline = {r["ward"]: r for r in exp["recommendations"] if r["scenario"] == "baseline"}
        for row in s["today"]:
            rec = baseline[row["ward"]]
            assert row["short_spare"] == rec["recommended_beds"] - rec["configured_beds"]
        # ED arrivals against the forecast, with the backtest scores.
        assert [a["arrivals"] for a in s["ed"]["actual"]] == more["ed_actual"]
        assert len(s["ed"]["forecast"]) == 6 + 7  # one day ahead for 6 days, then 7 ahead
        assert {r["method"] for r in s["ed"]["scores"]} == {"model", "seasonal_naive"}
        # Per-ward occupancy over time: one row per ward and day.
        assert {w: len(rows) for w, rows in s["ward_series"].items()} == {
            w: 7 for w in exp["wards"]
        }
        assert s["span"] == {"first": "2099-12-25", "last": exp["latest_day"], "n": 7}
        # Pipeline health.
        h = s["health"]
        assert h["last_day"]["sim_date"] == exp["latest_day"]
        assert [e["published"] for e in h["events"]] == more["published"]
        assert [e["landed"] for e in h["events"]] == more["landed"]
        # Only this test's rejects: other tests of the session quarantine files in the same
        # scratch warehouse.
        reasons = {r["source"]: r for r in h["rejects"] if r["reason"].startswith("htt-api00001")}
        assert reasons["stream"]["rejected"] == more["stream_rejects"]
        assert reasons["batch file"]["rejected"] == more["batch_rejects"]
        assert "unknown patient" in reasons["stream"]["reason"]
        # Links to the Airflow run and task logs behind the capacity figures.
        links = s["links"]["capacity"]
        assert links["run"] == f"/dags/hospital_capacity_scenarios/runs/{exp['run_id']}"
        assert links["tasks"]["collect_results"].endswith("/tasks/collect_results")
        assert s["metrics"]["mase"]["definition"]

        older = c.get("/api/summary", params={"run": more["older_run_id"]}).json()
        assert older["capacity"]["run"]["run_id"] == more["older_run_id"]
        assert older["capacity"]["risk_target"] == more["older_risk_target"]
        assert len(older["capacity"]["recommendations"]) == more["older_recommendations"]
        assert older["capacity"]["scenarios"] == ["baseline"]

        page = c.get("/dashboard", params={"days": 7, "run": more["older_run_id"]})
        assert page.status_code == 200
        html = page.text
        assert "risk target 20.0%" in html  # the line drawn from the run's own parameter
        assert f'<option value="{exp["run_id"]}"' in html  # the other run stays pickable
        # Each time chart plots one point per day in the warehouse's window (7 seeded days).
        assert _points(html) == [7] + [7] * len(exp["wards"]) + [7]
        assert "2099-12-25 to 2099-12-31 (7 days)" in html
        for element in ("forecast-scores", "planner-table", "events-table", "rejects-table",
                        "run-params", "capacity-links", "definitions"):  # fmt: skip
            assert f'id="{element}"' in html, element
        assert c.get("/icon.svg").status_code == 200
        assert c.get("/", follow_redirects=False).headers["location"] == "dashboard"
    finally:
        delete_pipeline_rows(dw, "api00001")
        delete_dashboard_rows(dw, "api00001")
