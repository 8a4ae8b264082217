"""The capacity dashboard in the running test instance, over HTTP and in headless Chromium.

The browser (Playwright with Debian's Chromium, see tests/support/browser.py) signs in through
Airflow's login page, opens `/hospital/dashboard` and the Airflow UI page that embeds it, reads
the DOM and saves screenshots under $HT_HOME/screenshots. Rows are seeded into the test
warehouse first and deleted afterwards.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from urllib.parse import urlparse

import httpx
import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.plugins.dashboard_rows import delete_dashboard_rows, seed_dashboard_rows
from tests.support import browser as chromium
from tests.support.airflow_client import AirflowClient
from tests.support.environment import require_env

pytestmark = [pytest.mark.browser, pytest.mark.airflow]
DASHBOARD = "/hospital/dashboard"
SUMMARY = "/hospital/api/summary"
NAV_PAGE = "/plugin/capacity-dashboard"
NAV_HREF_END = "plugin/capacity-dashboard"  # the UI may write the link relative


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with chromium.new_page(browser) as p:
        yield p


@pytest.fixture
def seeded() -> Iterator[dict]:
    """A week of ward days and a capacity run in the test warehouse, removed afterwards."""
    tag = os.urandom(4).hex()
    with psycopg.connect(require_env("HT_DW_DSN")) as conn:
        delete_dashboard_rows(conn, tag)
        try:
            yield seed_dashboard_rows(conn, tag)
        finally:
            conn.rollback()
            delete_dashboard_rows(conn, tag)


def _get(api: AirflowClient, path: str, **headers: str) -> httpx.Response:
    """GET without the client's token and without following redirects."""
    return httpx.get(api.base_url + path, headers=headers, follow_redirects=False, trust_env=False)


def _log_in(page: Page, api: AirflowClient, path: str) -> None:
    chromium.log_in(page, api.base_url, api.user, require_env("HT_ADMIN_PASSWORD"), path)


# ---------------------------------------------------------------------------------------------
# The plugin over HTTP
# ---------------------------------------------------------------------------------------------
def test_plugin_is_registered_with_a_nav_entry(api: AirflowClient) -> None:
    plugins = {p["name"]: p for p in api.get("/api/v2/plugins")["plugins"]}
    assert "hospital_dashboard" in plugins, sorted(plugins)
    plugin = plugins["hospital_dashboard"]
    assert [a["url_prefix"] for a in plugin["fastapi_apps"]] == ["/hospital"]
    views = {v["name"]: v for v in plugin["external_views"]}
    assert views["Capacity dashboard"]["href"] == DASHBOARD
    assert views["Capacity dashboard"]["destination"] == "nav"
    errors = api.get("/api/v2/plugins/importErrors")["import_errors"]
    assert not [e for e in errors if "hospital_dashboard" in json.dumps(e)], errors


def test_dashboard_requires_an_airflow_token(api: AirflowClient) -> None:
    anonymous = _get(api, DASHBOARD)
    assert anonymous.status_code in (302, 303, 307), anonymous.status_code
    location = anonymous.headers["location"]
    assert urlparse(location).path.startswith("/auth/login")
    assert "next=" in location

    refused = _get(api, SUMMARY)
    assert refused.status_code == 401 and refused.json()["detail"]
    for bad in ("not-a-jwt", api.token[:-4] + "AAAA"):
        assert _get(api, SUMMARY, Authorization=f"Bearer {bad}").status_code == 401
        assert _get(api, SUMMARY, Cookie=f"_token={bad}").status_code == 401

    allowed = _get(api, SUMMARY, Authorization=f"Bearer {api.token}")
    assert allowed.status_code == 200 and "has_data" in allowed.json()
    page = _get(api, DASHBOARD, Cookie=f"_token={api.token}")
    assert page.status_code == 200 and "Capacity dashboard" in page.text


def test_summary_json_serves_the_seeded_rows(api: AirflowClient, seeded: dict) -> None:
    ward = next(w for w in seeded["wards"] if "<A&B>" in w)
    s = api.get(SUMMARY, ward=ward, days=7)
    assert s["latest_day"]["sim_date"] == seeded["latest_day"]
    assert s["latest_day"]["ed_arrivals"] == seeded["ed_arrivals"]
    assert [w["ward"] for w in s["wards"]] == sorted(seeded["wards"])
    assert s["capacity"]["run"]["run_id"] == seeded["run_id"]
    assert s["risk_curve"]["ward"] == ward and s["risk_curve"]["points"]
    assert len(s["occupancy_series"]) == 7


# ---------------------------------------------------------------------------------------------
# The page in Chromium
# ---------------------------------------------------------------------------------------------
def test_anonymous_visitor_is_sent_to_the_login_page(api: AirflowClient, page: Page) -> None:
    page.goto(api.base_url + DASHBOARD)
    assert urlparse(page.url).path.startswith("/auth/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_dashboard_in_headless_chromium(api: AirflowClient, seeded: dict, page: Page) -> None:
    _log_in(page, api, DASHBOARD)  # Airflow's login page sends us back to the dashboard
    assert urlparse(page.url).path == DASHBOARD
    assert "Capacity dashboard" in page.title()
    assert page.locator("h1").inner_text() == "Capacity dashboard"

    kpis = page.locator("#kpis").inner_text()
    assert seeded["latest_day"] in kpis
    assert f"{seeded['occupancy_pct']:.1f}%" in kpis
    assert "ED ARRIVALS" in kpis.upper() and str(seeded["ed_arrivals"]) in kpis
    assert f"{seeded['mean_los_days']:.2f}" in kpis
    assert "REFUSED ADMISSIONS" in kpis.upper()
    assert page.locator("#no-data").count() == 0

    rows = page.locator("#ward-table tbody tr")
    wards = [rows.nth(i).get_attribute("data-ward") for i in range(rows.count())]
    assert wards == sorted(seeded["wards"])
    for i, ward in enumerate(wards):
        beds, occupied = seeded["wards"][ward]
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert cells[0] == ward  # shown as text, `<A&B>` included
        assert cells[1] == f"{occupied} / {beds}"
        assert rows.nth(i).locator("svg.bar").count() == 1
    # The ward name with markup characters is escaped, not interpreted.
    assert page.locator("script").count() == 1
    assert "&lt;A&amp;B&gt;" in page.locator("#wards").inner_html()

    assert page.locator("#occupancy-trend svg polyline").count() > 0
    assert page.locator("#capacity-table tbody tr.rec").count() == len(seeded["recommendations"])
    assert page.locator("#run-id").inner_text() == seeded["run_id"]
    assert page.locator("#risk-ward").inner_text() == seeded["top_risk_ward"]
    assert page.locator("#risk-curve svg polyline").count() == 2
    chromium.screenshot(page, "dashboard")

    # Pick another ward with the selector (the inline script submits the form on change).
    ward = next(w for w in seeded["wards"] if "<A&B>" in w)
    with page.expect_navigation():
        page.select_option("#ward-select", ward)
    assert page.locator("#risk-ward").inner_text() == ward
    assert "ward=" in urlparse(page.url).query


def test_nav_entry_in_the_airflow_ui(api: AirflowClient, seeded: dict, page: Page) -> None:
    _log_in(page, api, "/")
    nav = page.get_by_role("link", name="Capacity dashboard")
    # The UI renders its navigation once it has loaded the plugins: wait for it.
    expect(nav).to_have_attribute("href", re.compile(re.escape(NAV_HREF_END) + "$"), timeout=30_000)
    page.goto(api.base_url + NAV_PAGE)
    frame = page.frame_locator("iframe")
    expect(frame.locator("#ward-table")).to_be_attached(timeout=30_000)  # the page reads the DW
    assert frame.locator("h1").inner_text() == "Capacity dashboard"
    assert page.locator("iframe").get_attribute("title") == "Capacity dashboard"
    chromium.screenshot(page, "airflow-ui-capacity-dashboard", full_page=False)


def test_no_data_banner_follows_the_warehouse(api: AirflowClient, page: Page) -> None:
    """The page shows the summary's no-data message exactly when the warehouse has no data."""
    summary = api.get(SUMMARY)
    empty = not (summary["has_data"]["daily"] or summary["has_data"]["capacity"])
    assert (summary["no_data_message"] is not None) == empty
    _log_in(page, api, DASHBOARD)
    banner = page.locator("#no-data")
    shown = banner.inner_text() if banner.count() else None
    assert shown == summary["no_data_message"]
    if empty:
        assert "hospital_daily" in shown and "hospital_capacity_scenarios" in shown
        chromium.screenshot(page, "dashboard-empty")
