"""The dashboard's FastAPI app with a stubbed warehouse and auth manager: authentication comes
first, warehouse text is escaped on the page (CSP nonce on the one script), the JSON summary is not
cached, an empty warehouse says what to run and warehouse errors are 503s, not tracebacks."""

from __future__ import annotations

import re

import pytest

from tests.plugins.dashboard_package import summary as shape
from tests.plugins.dashboard_package import webapp


class _User:
    def get_name(self) -> str:
        return "tester"


RUN = {
    "run_id": "run-1",
    "origin_date": "2099-01-02",
    "created_at": "2099-01-02T12:00:00",
    "params": {"horizon_days": 90, "risk_target": 0.05, "refusal_target": 0.01},
}


@pytest.fixture
def client(monkeypatch):
    from fastapi.testclient import TestClient

    evil = "Ward <img src=x onerror=alert(1)> & Co"
    summary = shape.build_summary(
        [{"sim_date": "2099-01-02", "bed_occupancy_pct": 91.5, "ed_arrivals": 7,
          "ambulance_arrivals": 2, "admissions": 4, "discharges": 3, "refused_admissions": 1,
          "ed_waits": 2, "mean_los_days": 3.25}],
        [{"sim_date": "2099-01-02", "ward": evil, "beds": 10, "occupancy_end": 9,
          "peak_occupancy": 10, "occupancy_pct": 90.0, "admissions": 4, "discharges": 3,
          "refusals": 1, "waits": 2}],
        [{"run_id": "run-1", "origin_date": "2099-01-02", "created_at": "2099-01-02T12:00:00",
          "scenario": "baseline", "ward": evil, "configured_beds": 10, "recommended_beds": 12,
          "risk_at_configured": 0.3, "risk_at_recommended": 0.04, "simpy_p_over": 0.0625,
          "refusal_at_configured": 0.0312, "refusal_at_recommended": 0.0087,
          "simpy_ci_low": 0.011, "simpy_ci_high": 0.283, "simpy_runs": 16,
          "horizon_days": 90, "criterion": "P(max > beds) <= 5%", "los_model": "lognormal"}],
        [{"scenario": "baseline", "beds": b, "p_over": p, "meets_target": p <= 0.05,
          "days_full_per_month": 3.0, "refused_per_month": 1.5, "wait_over_4h": 0.02,
          "wait_over_12h": 0.01, "p95_max_occupancy": b - 1}
         for b, p in ((10, 0.3), (11, 0.1), (12, 0.04))],
        evil,
        None,
        run=RUN,
        runs=[RUN | {"scenarios": ["baseline"]}],
    )  # fmt: skip
    summary["days"] = 90
    summary["capacity"]["requested_run"] = None  # the latest run, as queries.py answers it

    async def fake_auth(request):
        if request.headers.get("authorization") != "Bearer good":
            raise webapp.NotAuthenticated("Not authenticated")
        return _User()

    monkeypatch.setattr(webapp, "authenticate", fake_auth)
    monkeypatch.setattr(webapp, "_read_summary", lambda ward, days, run=None: (summary, None))
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
    assert 'id="definitions"' in r.text and "Erlang loss" in r.text  # each metric defined
    assert "91.5%" in r.text and "3.25" in r.text and "run-1" in r.text
    # SimPy's figure comes with its 95 % interval and replications: 6.2 % beside the Monte
    # Carlo's 4.0 % is no contradiction when the interval says 1-28 % from 16 runs.
    assert re.search(r"6\.2%<br><span[^>]*>1%–28%, 16 runs</span>", r.text)


def test_the_recommendation_table_says_what_each_column_measures(client) -> None:
    """The recommendation's metric and target, each column's bed level and horizon, and that
    the risks (not the recommendation) start from today's census."""
    c, _ = client
    page = c.get("/dashboard", headers={"Authorization": "Bearer good"}).text
    table = page.split('id="capacity-table"')[1].split("</table>")[0]
    head, body = table.split("</thead>")
    assert 'Recommended beds<br><span class="muted">≤ 1.0% find it full</span>' in head
    assert "Find it full at configured" in head and "Find it full at recommended" in head
    assert head.count("90 days, from today's census") == 2
    assert "steady state of the ward&#39;s demand" in head and "not depend on today" in head
    assert "3.12%" in body and "0.87%" in body
    assert "at most 1.0% of admissions finding the ward full" in page  # the wards table
    assert "not this short-term risk: it can sit above the line" in page  # the risk curve
    # The run picker names each run by the target its recommendation meets.
    picker = page.split('id="run-select"')[1].split("</select>")[0]
    assert "≤ 1.0% find it full" in picker and "risk target" not in picker


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

    empty = shape.build_summary([], [], [], [], None, None)
    empty["days"] = 90
    monkeypatch.setattr(webapp, "authenticate", fake_auth)
    monkeypatch.setattr(webapp, "_read_summary", lambda ward, days, run=None: (empty, None))
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
    monkeypatch.setattr(
        webapp, "_read_summary", lambda ward, days, run=None: (None, "down for a bit")
    )
    c = TestClient(webapp.app)
    r = c.get("/dashboard")
    assert r.status_code == 503 and "down for a bit" in r.text
    assert c.get("/api/summary").json() == {"detail": "down for a bit"}
