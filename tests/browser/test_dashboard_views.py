"""The capacity dashboard's views in headless Chromium, against the running test instance.

A planner's path: sign in through Airflow's login page, open the dashboard from the UI's
navigation, read each chart (one plotted point per day the warehouse holds in the window), pick
another ward and another capacity run, and look at screenshots saved under
$HT_HOME/screenshots. The test seeds its own rows (tagged, in days of 2099 that no simulation
reaches) and deletes them afterwards, so it does not depend on what else is in the warehouse.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Browser, Frame, Page, expect

from tests.plugins.dashboard_rows import (
    SEED_DAYS,
    delete_dashboard_rows,
    delete_pipeline_rows,
    seed_dashboard_rows,
    seed_pipeline_rows,
)
from tests.support import browser as chromium
from tests.support.airflow_client import AirflowClient
from tests.support.environment import require_env

pytestmark = [pytest.mark.browser, pytest.mark.airflow]
DASHBOARD = "/hospital/dashboard"
NAV_NAME = "Capacity dashboard"
CAPACITY_DAG = "hospital_capacity_scenarios"
WINDOW_DAYS = 90  # the dashboard's default window


@pytest.fixture
def seeded() -> Iterator[dict]:
    """Ward days, ED visits and forecasts, two capacity runs and pipeline rows, removed after."""
    tag = "views" + os.urandom(3).hex()
    with psycopg.connect(require_env("HT_DW_DSN")) as conn:
        delete_pipeline_rows(conn, tag)
        try:
            exp = seed_dashboard_rows(conn, tag)
            exp.update(seed_pipeline_rows(conn, tag))
            exp["warehouse_days"] = _warehouse_days(conn)
            yield exp
        finally:
            conn.rollback()
            delete_pipeline_rows(conn, tag)
            delete_dashboard_rows(conn, tag)


def _warehouse_days(conn: psycopg.Connection) -> dict:
    """Days in the dashboard's window as the warehouse holds them: overall and per ward."""
    window = "sim_date > (SELECT max(sim_date) FROM dw.fact_ward_day) - %s"
    overall = conn.execute(
        f"SELECT count(DISTINCT sim_date) FROM dw.fact_ward_day WHERE {window}", (WINDOW_DAYS,)
    ).fetchone()[0]
    per_ward = dict(
        conn.execute(
            f"SELECT ward, count(*) FROM dw.fact_ward_day WHERE {window} GROUP BY ward",
            (WINDOW_DAYS,),
        ).fetchall()
    )
    return {"overall": overall, "per_ward": per_ward}


def _plotted(frame: Frame | Page, selector: str) -> int:
    """How many points the chart's main line plots (its polyline's vertices)."""
    points = frame.locator(selector).first.get_attribute("points") or ""
    return len(points.split())


def test_planner_path_through_the_dashboard(api: AirflowClient, browser: Browser, seeded: dict):
    with chromium.new_page(browser) as page:
        chromium.log_in(page, api.base_url, api.user, require_env("HT_ADMIN_PASSWORD"), "/")
        chromium.follow_nav_link(page, NAV_NAME, "plugin/capacity-dashboard")
        frame_el = page.locator(f'iframe[title="{NAV_NAME}"]')
        expect(frame_el).to_be_attached(timeout=30_000)
        frame = frame_el.content_frame
        expect(frame.locator("#kpis")).to_contain_text(seeded["latest_day"], timeout=30_000)
        chromium.screenshot(page, "views-airflow-ui", full_page=False)

        days = seeded["warehouse_days"]
        assert days["overall"] == len(SEED_DAYS)
        # Each chart plots as many points as the warehouse has days in the window.
        occupancy = frame.locator("#occupancy-trend svg")
        assert occupancy.get_attribute("data-points") == str(days["overall"])
        assert _plotted(frame, "#occupancy-trend polyline.line") == days["overall"]
        ed = frame.locator("#ed-forecast svg")
        assert ed.get_attribute("data-points") == str(days["overall"])
        assert _plotted(frame, "#ed-forecast polyline.actual") == days["overall"]
        figures = frame.locator("#ward-trends figure")
        assert figures.count() == len(days["per_ward"])
        for i in range(figures.count()):
            ward = figures.nth(i).get_attribute("data-ward")
            assert _plotted(figures.nth(i), "polyline.line") == days["per_ward"][ward], ward
            assert _plotted(figures.nth(i), "polyline.beds") == days["per_ward"][ward], ward
        # The figures asked first, at the top: today's occupancy and beds short/spare per ward.
        top = frame.locator("section.card").first.get_attribute("id")
        assert top == "kpis" and frame.locator("section.card").nth(1).get_attribute("id") == "wards"
        assert frame.locator("#ward-table td.short-spare").count() == len(seeded["wards"])
        assert frame.locator("#forecast-scores tbody tr").count() == 2
        assert frame.locator("#rejects-table").inner_text().count(seeded["run_id"][4:]) >= 2

        # The newest run by default, its risk target drawn from its own parameter.
        assert frame.locator("#run-id").inner_text() == seeded["run_id"]
        assert "risk target 5.0%" in frame.locator("#risk-curve svg").inner_html()
        capacity_links = frame.locator("#capacity-links a")
        assert (
            capacity_links.first.get_attribute("href").endswith(f"/runs/{seeded['run_id']}")
            and capacity_links.first.get_attribute("target") == "_top"
        )

        # Another ward: the risk curve follows.
        other = next(w for w in seeded["wards"] if w != frame.locator("#risk-ward").inner_text())
        frame.locator("#ward-select").select_option(other)
        expect(frame.locator("#risk-ward")).to_have_text(other, timeout=30_000)
        # Another run: the older one-scenario study, still there, with its own target.
        frame.locator("#run-select").select_option(seeded["older_run_id"])
        expect(frame.locator("#run-id")).to_have_text(seeded["older_run_id"], timeout=30_000)
        rows = frame.locator("#capacity-table tbody tr.rec")
        assert rows.count() == seeded["older_recommendations"]
        assert "risk target 20.0%" in frame.locator("#risk-curve svg").inner_html()
        assert frame.locator("#run-params").inner_text().count("0.2") >= 1


def test_full_page_screenshots_wide_and_narrow(api: AirflowClient, browser: Browser, seeded):
    """The whole page, wide and on a narrow screen; nothing may spill out of its card."""
    with chromium.new_page(browser) as page:
        chromium.log_in(page, api.base_url, api.user, require_env("HT_ADMIN_PASSWORD"), DASHBOARD)
        chromium.screenshot(page, "views-dashboard-wide")
        # On a desktop screen the recommendation table fits its card: each criterion (a few
        # sentences) has a line of its own under its row instead of widening the table.
        assert page.evaluate(
            "(() => { const box = document.querySelector('#capacity-table').parentElement;"
            " return box.scrollWidth <= box.clientWidth + 1; })()"
        )
        assert (
            page.locator("#capacity-table tr.criterion").count()
            == page.locator("#capacity-table tr.rec").count()
        )
        page.goto(f"{api.base_url}{DASHBOARD}?run={seeded['older_run_id']}")
        chromium.screenshot(page, "views-dashboard-older-run")
        page.set_viewport_size({"width": 760, "height": 900})
        page.goto(api.base_url + DASHBOARD)
        chromium.screenshot(page, "views-dashboard-narrow")
        # The page never scrolls sideways: wide tables scroll inside their own box.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        # No SVG text runs past its chart's edge (labels such as "configured 330" stay whole).
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('svg text')].filter(t => {
                 const svg = t.ownerSVGElement.getBoundingClientRect();
                 const r = t.getBoundingClientRect();
                 return r.width > 0 && (r.left < svg.left - 1 || r.right > svg.right + 1);
               }).map(t => t.textContent)"""
        )
        assert clipped == []


def test_trigger_form_refuses_an_out_of_range_value_instead_of_clamping_it(
    api: AirflowClient, browser: Browser
) -> None:
    """The capacity study's trigger form keeps what was typed (it used to turn a risk target of
    2 into 0.5 without a word), states the limits beside the field, and the trigger is refused
    before any run exists."""
    runs = f"/api/v2/dags/{CAPACITY_DAG}/dagRuns"
    before = api.get(runs, limit=1)["total_entries"]
    with chromium.new_page(browser) as page:
        chromium.log_in(
            page, api.base_url, api.user, require_env("HT_ADMIN_PASSWORD"), f"/dags/{CAPACITY_DAG}"
        )
        page.get_by_role("button", name=re.compile("Trigger")).first.click()
        dialog = page.locator("[role=dialog][data-state=open]")
        expect(dialog.get_by_text("Allowed: 0.001 to 0.5.")).to_be_visible(timeout=30_000)
        field = dialog.locator("input[name='element_risk_target']")
        field.fill("2")
        field.blur()
        expect(field).to_have_value("2")  # not clamped to 0.5
        dialog.get_by_role("button", name="Trigger").last.click()
        expect(page.get_by_text("Failed to Trigger Dag")).to_be_visible(timeout=30_000)
        chromium.screenshot(page, "views-trigger-form-refused", full_page=False)
        # The toast only says "Bad Request"; the form's alert, above its fields, names the field
        # and the limit (README, Troubleshooting).
        alert = dialog.locator("[data-testid=error-alert]")
        expect(alert).to_contain_text("param risk_target: 2 is greater than the maximum of 0.5")
        alert.scroll_into_view_if_needed()
        chromium.screenshot(page, "views-trigger-form-refused-detail", full_page=False)
    assert api.get(runs, limit=1)["total_entries"] == before, "no run may exist"
