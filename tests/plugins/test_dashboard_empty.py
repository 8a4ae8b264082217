"""The dashboard's one empty state: every view with nothing to show (banner, sections, charts)
says it with one message, in one markup, naming only the DAG runs still missing, in order."""

from __future__ import annotations

import re

import pytest

from tests.plugins.dashboard_package import empty, webapp
from tests.plugins.dashboard_package import summary as shape

SETUP = "hospital_setup (once)"
DAILY = "hospital_daily (trigger it, or backfill a range of days)"
NOTHING = {"daily": False, "capacity": False}
DAYS_ONLY = {"daily": True, "capacity": False}
# The page's cards that show data, each with its own empty state (the definitions card has none).
VIEWS = ["kpis", "wards", "ed-forecast", "ward-trends", "occupancy-trend", "capacity",
         "risk-curve", "health"]  # fmt: skip


class _User:
    def get_name(self) -> str:
        return "tester"


def _page(monkeypatch, summary) -> str:
    from fastapi.testclient import TestClient

    async def signed_in(request):
        return _User()

    summary["days"] = 90
    monkeypatch.setattr(webapp, "authenticate", signed_in)
    monkeypatch.setattr(webapp, "_read_summary", lambda ward, days, run=None: (summary, None))
    r = TestClient(webapp.app).get("/dashboard")
    assert r.status_code == 200
    return r.text


def _cards(html: str) -> dict[str, str]:
    return dict(re.findall(r'<section class="card" id="([^"]+)">(.*?)</section>', html, re.S))


def _empty_states(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<p class="empty-state" data-needs="(\w+)">([^<]*)</p>', html)


def test_the_message_names_the_missing_runs_in_order() -> None:
    assert empty.message("daily") == f"Nothing to show yet: run {SETUP}, then {DAILY}."
    assert empty.message("capacity") == (
        f"Nothing to show yet: run {SETUP}, then {DAILY}, then hospital_capacity_scenarios."
    )
    assert empty.message("capacity", DAYS_ONLY) == (
        "Nothing to show yet: run hospital_capacity_scenarios."
    )
    assert empty.message("history", NOTHING) == empty.message("daily")
    assert "hospital_daily over a longer range of days" in empty.message("history", DAYS_ONLY)
    # Upstream done, view still empty (a ward the run did not study): its own stage again.
    both = {"daily": True, "capacity": True}
    assert empty.message("capacity", both) == empty.message("capacity", DAYS_ONLY)
    with pytest.raises(ValueError, match="unknown need 'dialy'"):
        empty.message("dialy")


def test_an_empty_warehouse_says_it_once_per_view_the_one_way(monkeypatch) -> None:
    html = _page(monkeypatch, shape.build_summary([], [], [], [], None, None))
    assert f'id="no-data">{empty.message("capacity")}</div>' in html  # the banner
    cards = _cards(html)
    assert [v for v in VIEWS if v in cards] == VIEWS
    for view in VIEWS:
        said = _empty_states(cards[view])
        assert len(said) == 1, (view, said)
        needs, text = said[0]
        assert text == empty.message(needs, NOTHING), view
    assert not re.search(r"\bNo [a-z ]+ yet\b", html)  # no wording of its own left anywhere


def test_with_days_but_no_capacity_run_only_the_study_is_asked_for(monkeypatch) -> None:
    kpis = [{"sim_date": f"2099-01-0{d}", "bed_occupancy_pct": 80.0, "ed_arrivals": 7,
             "ambulance_arrivals": 2, "admissions": 4, "discharges": 3, "refused_admissions": 0,
             "ed_waits": 1, "mean_los_days": 3.0} for d in (1, 2)]  # fmt: skip
    wards = [{"sim_date": "2099-01-02", "ward": "Medicine", "beds": 10, "occupancy_end": 8,
              "peak_occupancy": 9, "occupancy_pct": 80.0, "admissions": 4, "discharges": 3,
              "refusals": 0, "waits": 1}]  # fmt: skip
    series = [{**w, "sim_date": d} for w in wards for d in ("2099-01-01", "2099-01-02")]
    summary = shape.build_summary(kpis, wards, [], [], None, None, ward_series=series)
    cards = _cards(_page(monkeypatch, summary))
    study = "Nothing to show yet: run hospital_capacity_scenarios."
    assert _empty_states(cards["capacity"]) == [("capacity", study)]
    assert _empty_states(cards["risk-curve"]) == [("capacity", study)]
    assert _empty_states(cards["ed-forecast"]) == [
        ("history", empty.message("history", DAYS_ONLY))
    ]  # arrivals drawn; the backtest waits for a longer history
    for view in ("kpis", "wards", "ward-trends", "occupancy-trend"):
        assert _empty_states(cards[view]) == [], view
