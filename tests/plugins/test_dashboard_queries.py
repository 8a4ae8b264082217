"""The capacity dashboard plugin without a browser: its SQL files, summary shaping, SVG charts,
HTML escaping and the authentication gate (no Airflow server needed, except the `integration`
test that runs the dashboard queries against a scratch warehouse)."""

from __future__ import annotations

import json
import math
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from hospital_twin.io import warehouse

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "plugins") not in sys.path:
    sys.path.insert(0, str(REPO / "plugins"))

from hospital_dashboard import charts, queries, webapp  # noqa: E402

QUERY_NAMES = ("daily_kpis", "ward_occupancy", "capacity_latest", "risk_curve")

# ---------------------------------------------------------------------------------------------
# Seed rows for the dashboard (also used by tests/browser/test_dashboard.py against the running
# test instance's warehouse). Days are far in the future so they are the "latest" ones even in
# a warehouse holding simulated data; everything is tagged so it can be deleted afterwards.
# ---------------------------------------------------------------------------------------------
SEED_DAYS = [date(2099, 12, 25) + timedelta(days=i) for i in range(7)]
SEED_RUN_CREATED = datetime(2099, 12, 31, 12, 0, tzinfo=UTC)


def seed_wards(tag: str) -> dict[str, tuple[int, int]]:
    """ward -> (beds, occupied at the end of the last seeded day). One name needs escaping."""
    return {
        f"HTT {tag} Surgery <A&B>": (20, 18),
        f"HTT {tag} ICU": (6, 6),
        f"HTT {tag} Medicine": (30, 21),
    }


def _p_over(beds: int, mid: float, scale: float) -> float:
    return round(1.0 / (1.0 + math.exp((beds - mid) / scale)), 4)


SEED_CURVES = {  # (ward suffix, scenario) -> (mid, scale) of a logistic risk curve
    ("Surgery", "baseline"): (19.0, 0.9),
    ("Surgery", "winter_peak"): (21.0, 1.0),
    ("ICU", "baseline"): (6.5, 0.6),
    ("ICU", "winter_peak"): (7.5, 0.6),
    ("Medicine", "baseline"): (24.0, 1.2),
    ("Medicine", "winter_peak"): (26.0, 1.2),
}
TARGET = 0.05


def seed_expectations(tag: str) -> dict:
    """What the dashboard must show for the seeded rows."""
    wards = seed_wards(tag)
    recs = []
    curves = {}
    for ward, (beds, _) in wards.items():
        suffix = next(s for s in ("Surgery", "ICU", "Medicine") if s in ward)
        for scenario in ("baseline", "winter_peak"):
            mid, scale = SEED_CURVES[(suffix, scenario)]
            pts = [(b, _p_over(b, mid, scale)) for b in range(max(beds - 4, 0), beds + 7)]
            curves[(scenario, ward)] = pts
            recommended = next((b for b, p in pts if p <= TARGET), None)
            recs.append(
                {
                    "scenario": scenario,
                    "ward": ward,
                    "configured_beds": beds,
                    "recommended_beds": recommended,
                    "risk_at_configured": _p_over(beds, mid, scale),
                }
            )
    occupied = sum(o for _, o in wards.values())
    beds = sum(b for b, _ in wards.values())
    return {
        "wards": wards,
        "recommendations": recs,
        "curves": curves,
        "run_id": f"htt-{tag}",
        "latest_day": SEED_DAYS[-1].isoformat(),
        "occupancy_pct": round(occupied / beds * 100, 2),
        "ed_arrivals": 5,
        "ambulance_arrivals": 2,
        "mean_los_days": 3.0,
        "top_risk_ward": max(recs, key=lambda r: (r["risk_at_configured"], r["ward"]))["ward"],
    }


_FILL = {"integer": 0, "bigint": 0, "smallint": 0, "double precision": 0.0, "numeric": 0,
         "boolean": False, "text": ""}  # fmt: skip


def _insert(conn, table: str, rows: list[dict]) -> None:
    """INSERT dict rows. NOT NULL columns the rows do not name (the schema grows while the
    dashboard reads only a few) get a neutral value: 0, false or ''."""
    schema, name = table.split(".")
    required = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = %s AND table_name = %s AND is_nullable = 'NO'"
        " AND column_default IS NULL",
        (schema, name),
    ).fetchall()
    extra = {c: _FILL[t] for c, t in required if c not in rows[0] and t in _FILL}
    columns = [*rows[0], *extra]
    warehouse.insert_rows(conn, table, [[*r.values(), *extra.values()] for r in rows], columns)


def seed_dashboard_rows(conn, tag: str) -> dict:
    """Insert a week of ward days, ED visits, discharges and a capacity run; returns what the
    dashboard must show."""
    exp = seed_expectations(tag)
    last = SEED_DAYS[-1]
    ward_days = []
    for i, day in enumerate(SEED_DAYS):
        for ward, (beds, occ_last) in exp["wards"].items():
            occ = max(0, occ_last - (len(SEED_DAYS) - 1 - i) % 3)
            ward_days.append(
                {"sim_date": day, "ward": ward, "beds": beds, "occupancy_start": occ,
                 "occupancy_end": occ, "peak_occupancy": min(beds, occ + 1), "admissions": 3,
                 "discharges": 3, "refusals": i % 2, "waits": 1, "mean_wait_hours": 1.5}
            )  # fmt: skip
    _insert(conn, "dw.fact_ward_day", ward_days)
    t0 = datetime(last.year, last.month, last.day, 8, 0)
    visits = [
        {"visit_id": f"htt-{tag}-v{n}", "sim_date": last, "person_id": 900_000_000 + n,
         "age": 40, "sex": "F", "arrival_time": t0 + timedelta(minutes=10 * n),
         "service": "Emergency Room", "condition": "Test condition", "category": "Test",
         "severity": 3, "department": "Medicine", "triage_level": "Yellow",
         "triage_minutes": 12.0, "arrival_mode": "ambulance" if n < 2 else "walk-in",
         "is_emergency": n < 2}
        for n in range(5)
    ]  # fmt: skip
    _insert(conn, "dw.fact_visit", visits)
    ward0 = next(iter(exp["wards"]))
    _insert(
        conn,
        "dw.fact_discharge",
        [
            {"sim_date": last, "admission_id": f"htt-{tag}-a{n}", "person_id": 900_000_100 + n,
             "ward": ward0, "admitted_at": t0 - timedelta(days=los), "discharged_at": t0}
            for n, los in enumerate((2, 4))
        ],
    )  # fmt: skip
    _insert(
        conn,
        "capacity.run",
        [{"run_id": exp["run_id"], "origin_date": last,
          "params": json.dumps({"target_p_over": TARGET}), "created_at": SEED_RUN_CREATED}],
    )  # fmt: skip
    _insert(
        conn,
        "capacity.recommendation",
        [
            {"run_id": exp["run_id"], "scenario": r["scenario"], "ward": r["ward"],
             "configured_beds": r["configured_beds"], "recommended_beds": r["recommended_beds"],
             "risk_at_configured": r["risk_at_configured"],
             "simpy_p_over": round(r["risk_at_configured"] * 0.9, 4), "los_model": "lognormal"}
            for r in exp["recommendations"]
        ],
    )  # fmt: skip
    _insert(
        conn,
        "capacity.risk_curve",
        [
            {"run_id": exp["run_id"], "scenario": scenario, "ward": ward, "beds": b,
             "p_over": p, "p_over_95": min(1.0, p * 1.2), "p95_max_occupancy": b * 0.95,
             "mean_overflow_days": p * 2, "meets_target": p <= TARGET}
            for (scenario, ward), pts in exp["curves"].items()
            for b, p in pts
        ],
    )  # fmt: skip
    conn.commit()
    return exp


def delete_dashboard_rows(conn, tag: str) -> None:
    """Remove everything seed_dashboard_rows inserted (the run cascades to its curves)."""
    like = f"HTT {tag} %"
    with conn.transaction():
        conn.execute("DELETE FROM capacity.run WHERE run_id = %s", (f"htt-{tag}",))
        conn.execute("DELETE FROM dw.fact_ward_day WHERE ward LIKE %s", (like,))
        conn.execute("DELETE FROM dw.fact_visit WHERE visit_id LIKE %s", (f"htt-{tag}-v%",))
        conn.execute("DELETE FROM dw.fact_discharge WHERE admission_id LIKE %s", (f"htt-{tag}-a%",))
    conn.commit()


# ---------------------------------------------------------------------------------------------
# SQL files
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# Charts and escaping
# ---------------------------------------------------------------------------------------------
def test_charts_escape_text_and_draw_shapes() -> None:
    bar = charts.occupancy_bar(18, 20, 20)
    assert "<svg" in bar and "level-warn" in bar and "bar-peak" in bar
    assert 'width="162"' in bar  # 18/20 of 180 px
    series = charts.occupancy_series_chart(
        [{"sim_date": f"2099-01-0{i}", "bed_occupancy_pct": 70 + i} for i in range(1, 6)]
    )
    assert series.count("<polyline") == 1 and "85% target" in series
    evil = "<script>alert(1)</script>"
    curve = charts.risk_curve_chart(
        [
            {"scenario": evil, "beds": b, "p_over": p, "meets_target": p <= 0.05}
            for b, p in ((5, 0.5), (6, 0.1), (7, 0.01))
        ],
        {evil: 6},
        {evil: 7},
    )
    assert "<script>" not in curve and "&lt;script&gt;" in curve
    assert curve.count("<polyline") == 1 and "configured 6" in curve
    assert "No risk curve" in charts.risk_curve_chart([], {}, {})
    assert "No occupancy history" in charts.occupancy_series_chart([])


def test_levels_and_formats() -> None:
    assert [charts.level(v) for v in (None, 50, 85, 94.9, 95)] == [
        "none", "ok", "warn", "warn", "crit",
    ]  # fmt: skip
    assert charts.fmt_pct(0.1234, 1, fraction=True) == "12.3%"
    assert charts.fmt_num(None) == "–"
    assert charts.fmt_num(1234.4) == "1,234"


# ---------------------------------------------------------------------------------------------
# The FastAPI app with a stubbed warehouse and auth manager
# ---------------------------------------------------------------------------------------------
class _User:
    def get_name(self) -> str:
        return "tester"


@pytest.fixture
def client(monkeypatch):
    from fastapi.testclient import TestClient

    evil = "Ward <img src=x onerror=alert(1)> & Co"
    summary = queries.build_summary(
        [{"sim_date": "2099-01-02", "bed_occupancy_pct": 91.5, "ed_arrivals": 7,
          "ambulance_arrivals": 2, "admissions": 4, "discharges": 3, "refused_admissions": 1,
          "ed_waits": 2, "mean_los_days": 3.25}],
        [{"sim_date": "2099-01-02", "ward": evil, "beds": 10, "occupancy_end": 9,
          "peak_occupancy": 10, "occupancy_pct": 90.0, "admissions": 4, "discharges": 3,
          "refusals": 1, "waits": 2}],
        [{"run_id": "run-1", "origin_date": "2099-01-02", "created_at": "2099-01-02T12:00:00",
          "scenario": "baseline", "ward": evil, "configured_beds": 10, "recommended_beds": 12,
          "risk_at_configured": 0.3, "simpy_p_over": 0.28, "los_model": "lognormal"}],
        [{"scenario": "baseline", "beds": b, "p_over": p, "meets_target": p <= 0.05}
         for b, p in ((10, 0.3), (11, 0.1), (12, 0.04))],
        evil,
        None,
    )  # fmt: skip
    summary["days"] = 90

    async def fake_auth(request):
        if request.headers.get("authorization") != "Bearer good":
            raise webapp.NotAuthenticated("Not authenticated")
        return _User()

    monkeypatch.setattr(webapp, "authenticate", fake_auth)
    monkeypatch.setattr(webapp, "_read_summary", lambda ward, days: (summary, None))
    monkeypatch.setattr(webapp, "_login_url", lambda request: "/auth/login?next=x")
    return TestClient(webapp.app), evil


def test_unauthenticated_requests_are_refused(client) -> None:
    c, _ = client
    r = c.get("/dashboard", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"].startswith("/auth/login")
    r = c.get("/api/summary")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    # Authentication comes before parameter validation: no 422 for anonymous callers.
    assert c.get("/api/summary?days=abc").status_code == 401
    assert c.get("/icon.svg").status_code == 200


def test_page_escapes_warehouse_text(client) -> None:
    c, evil = client
    r = c.get("/dashboard", headers={"Authorization": "Bearer good"})
    assert r.status_code == 200
    assert "Capacity dashboard" in r.text and "signed in as tester" in r.text
    assert evil not in r.text
    assert "Ward &lt;img src=x onerror=alert(1)&gt; &amp; Co" in r.text
    assert "<img" not in r.text
    nonce = re.search(r"<script nonce=\"([^\"]+)\"", r.text).group(1)
    assert f"'nonce-{nonce}'" in r.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
    assert r.text.count("<script") == 1
    assert "91.5%" in r.text and "3.25" in r.text and "run-1" in r.text


def test_summary_json(client) -> None:
    c, evil = client
    r = c.get("/api/summary", headers={"Authorization": "Bearer good"})
    assert r.status_code == 200
    body = r.json()
    assert body["wards"][0]["ward"] == evil
    assert body["risk_curve"]["ward"] == evil and len(body["risk_curve"]["points"]) == 3
    assert body["no_data_message"] is None
    assert r.headers["cache-control"] == "no-store"


def test_empty_warehouse_says_what_to_run(monkeypatch) -> None:
    from fastapi.testclient import TestClient

    async def fake_auth(request):
        return _User()

    empty = queries.build_summary([], [], [], [], None, None)
    empty["days"] = 90
    monkeypatch.setattr(webapp, "authenticate", fake_auth)
    monkeypatch.setattr(webapp, "_read_summary", lambda ward, days: (empty, None))
    c = TestClient(webapp.app)
    r = c.get("/dashboard")
    assert r.status_code == 200
    assert f'id="no-data">{webapp.NO_DATA_MESSAGE}</div>' in r.text
    assert c.get("/api/summary").json()["no_data_message"] == webapp.NO_DATA_MESSAGE


def test_warehouse_errors_are_503_not_tracebacks(monkeypatch) -> None:
    from fastapi.testclient import TestClient

    async def fake_auth(request):
        return _User()

    monkeypatch.setattr(webapp, "authenticate", fake_auth)
    monkeypatch.setattr(webapp, "_read_summary", lambda ward, days: (None, "down for a bit"))
    c = TestClient(webapp.app)
    r = c.get("/dashboard")
    assert r.status_code == 503 and "down for a bit" in r.text
    assert c.get("/api/summary").json() == {"detail": "down for a bit"}


# ---------------------------------------------------------------------------------------------
# The real SQL against a scratch warehouse (migrated from sql/migrations + sql/marts)
# ---------------------------------------------------------------------------------------------
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
