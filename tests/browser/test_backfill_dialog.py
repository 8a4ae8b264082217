"""Airflow's backfill dialog on hospital_daily, driven in headless Chromium as a user drives it.

A user signs in, opens the DAG, picks *Trigger → Backfill*, enters only a date range of a few
simulated days and keeps every other default ("Missing Runs", the form's max active runs,
forwards). The days must then run to success in order, each from the census the day before
ended with, and no run appears for today's wall-clock date. Ticking *Run Backwards* must show
the refusal with its reason and create nothing.

The test makes the state it needs on whatever instance it runs against: setup (HT_PROFILE) when
the instance was never set up, then the days right after the last one the warehouse holds (the
calendar's first days on a clean warehouse), without leftover runs on those dates and with no
backfill of the DAG running. Screenshots go to $HT_HOME/screenshots (backfill-dialog-*.png).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from urllib.parse import quote

import psycopg
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from hospital_twin.contracts import DAILY_DAG_ID
from hospital_twin.io import warehouse
from hospital_twin.io.lake import Lake
from hospital_twin.tasks.setup import SETUP_STATE, setup_config
from tests.support import browser as chromium
from tests.support.airflow_client import AirflowClient
from tests.support.environment import require_env

pytestmark = [pytest.mark.browser, pytest.mark.airflow]
DAYS = 3
UI_TIMEOUT = 120_000  # ms: the machine running the stack may be heavily loaded
EXPECT_DEFAULT = 5_000  # ms: Playwright's own, restored for the other browser tests
RUNS_TIMEOUT = 2400  # s, for DAYS simulated days through the scheduler
SETUP_TIMEOUT = 3600
VIEWPORT = {"width": 1400, "height": 1150}


@pytest.fixture(scope="module")
def dw() -> Iterator[psycopg.Connection]:
    with psycopg.connect(require_env("HT_DW_DSN"), autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def days(api: AirflowClient, dw: psycopg.Connection) -> list[dt.date]:
    """The next DAYS simulated days of this instance, ready to be backfilled from the dialog."""
    api.wait_for_dag("hospital_setup")
    api.wait_for_dag(DAILY_DAG_ID)
    lake = Lake.from_env()
    if not lake.path("state", SETUP_STATE).exists():
        run = api.trigger("hospital_setup", {"profile": os.environ.get("HT_PROFILE", "small")})
        api.wait_for_run("hospital_setup", run["dag_run_id"], timeout=SETUP_TIMEOUT)
    _settle(api)
    _, config = setup_config(lake)
    start, end = config.simulation.start_date, config.simulation.end_date
    query = warehouse.read_sql("queries/last_simulated_day.sql")
    last = dw.execute(query, (end + dt.timedelta(days=1),)).fetchone()[0]
    first = last + dt.timedelta(days=1) if last else start
    chosen = [first + dt.timedelta(days=i) for i in range(DAYS)]
    assert chosen[-1] <= end, f"the instance simulated up to {last}: no {DAYS} days left"
    # "Missing Runs" skips a date that has a run: remove what an earlier session left there.
    latest = api.latest_runs_by_date(DAILY_DAG_ID)
    for day in map(str, chosen):
        if day in latest:
            run_id = quote(latest[day]["dag_run_id"], safe="")
            api.http.delete(f"/api/v2/dags/{DAILY_DAG_ID}/dagRuns/{run_id}").raise_for_status()
    return chosen


def _settle(api: AirflowClient) -> None:
    """Cancel unfinished backfills of the DAG (Airflow allows one at a time) and wait until no
    run of it is queued or running, so the warehouse's last simulated day stays put."""
    for backfill in api.get("/api/v2/backfills", dag_id=DAILY_DAG_ID, limit=100)["backfills"]:
        if backfill["completed_at"] is None:
            api.cancel_backfill(backfill["id"])
    deadline = time.monotonic() + RUNS_TIMEOUT
    while active := api.get(
        f"/api/v2/dags/{DAILY_DAG_ID}/dagRuns", state=["queued", "running"], limit=100
    )["dag_runs"]:
        assert time.monotonic() < deadline, f"runs still active: {active}"
        time.sleep(3)


@pytest.fixture
def page(api: AirflowClient, browser: Browser) -> Iterator[Page]:
    """Signed in through Airflow's login page, on the DAG's page."""
    with chromium.new_page(browser) as p:
        p.set_default_timeout(UI_TIMEOUT)
        p.set_viewport_size(VIEWPORT)  # the whole dialog in the screenshots
        expect.set_options(timeout=UI_TIMEOUT)
        try:
            password = require_env("HT_ADMIN_PASSWORD")
            chromium.log_in(p, api.base_url, api.user, password, f"/dags/{DAILY_DAG_ID}")
            yield p
        finally:
            expect.set_options(timeout=EXPECT_DEFAULT)


def _open_backfill_form(page: Page) -> Locator:
    """Trigger → Backfill; the dialog."""
    page.get_by_role("button", name="Trigger").first.click()
    dialog = page.get_by_role("dialog").filter(has_text=DAILY_DAG_ID)
    dialog.get_by_text("Backfill", exact=True).click()
    expect(dialog.get_by_text(f"Run Backfill - {DAILY_DAG_ID}")).to_be_visible()
    return dialog


def _enter_date(page: Page, dialog: Locator, field: int, day: dt.date) -> None:
    """Type a date (no time) into the From (0) or To (1) picker, as a user does."""
    picker = dialog.get_by_test_id("datetime-input").nth(field)
    typed = page.get_by_placeholder("YYYY/MM/DD")  # the open picker's text field
    picker.click()
    expect(typed).to_have_count(1)
    typed.fill(day.strftime("%Y/%m/%d"))
    _close_picker(dialog, typed)
    expect(picker).to_contain_text(day.strftime("%b %d, %Y"))  # as the picker shows it


def _close_picker(dialog: Locator, typed: Locator) -> None:
    """Click beside the picker to close its popover, again if the click was lost (under load
    the From picker once stayed open, and the To picker's field was then the second one)."""
    for _ in range(2):
        dialog.get_by_text("Date Range").click()
        try:
            expect(typed).to_have_count(0, timeout=5_000)
            return
        except AssertionError:
            continue
    dialog.get_by_text("Date Range").click()
    expect(typed).to_have_count(0)


def _enter_range(page: Page, dialog: Locator, first: dt.date, last: dt.date) -> None:
    _enter_date(page, dialog, 0, first)
    _enter_date(page, dialog, 1, last)
    # The dialog's dry run counts the runs the range makes.
    expect(dialog.get_by_text(f"{DAYS} runs will be triggered.")).to_be_visible()


def _backfills(api: AirflowClient) -> dict:
    """The DAG's backfills, newest first, and how many there are."""
    return api.get("/api/v2/backfills", dag_id=DAILY_DAG_ID, order_by="-id", limit=100)


def test_the_dialog_s_defaults_simulate_the_days_in_order(
    api: AirflowClient, dw: psycopg.Connection, days: list[dt.date], page: Page
) -> None:
    dates = [str(d) for d in days]
    dialog = _open_backfill_form(page)
    _enter_range(page, dialog, days[0], days[-1])
    # Everything else as the dialog offers it.
    expect(dialog.get_by_role("radio", name="Missing Runs")).to_be_checked()
    expect(dialog.get_by_role("checkbox", name="Run Backwards")).not_to_be_checked()
    max_active = int(dialog.locator("input[name=max_active_runs]").input_value())
    expect(dialog.get_by_test_id("error-alert")).to_have_count(0)
    chromium.screenshot(page, "backfill-dialog-defaults", full_page=False)
    known = {b["id"] for b in _backfills(api)["backfills"]}

    dialog.get_by_role("button", name="Run Backfill").click()
    expect(page.get_by_text("Backfill generated").first).to_be_visible()
    expect(dialog).to_be_hidden()
    chromium.screenshot(page, "backfill-dialog-submitted", full_page=False)

    [backfill] = [b for b in _backfills(api)["backfills"] if b["id"] not in known]
    assert backfill["from_date"][:10] == dates[0] and backfill["to_date"][:10] == dates[-1]
    assert backfill["reprocess_behavior"] == "none"
    assert backfill["max_active_runs"] == max_active
    runs = api.wait_for_backfill(backfill, dates, timeout=RUNS_TIMEOUT)
    assert [r["run_type"] for r in runs] == ["backfill"] * DAYS
    assert [r["logical_date"][:10] for r in runs] == dates

    # Simulated in order: each day finished after the day before, from its census.
    finished = dw.execute(
        "SELECT sim_date, finished_at FROM meta.day_run WHERE sim_date = ANY(%s) ORDER BY 1",
        (days,),
    ).fetchall()
    assert [d for d, _ in finished] == days
    assert [d for d, _ in sorted(finished, key=lambda row: row[1])] == days
    breaks = dw.execute(
        """SELECT d.sim_date, d.ward FROM dw.fact_ward_day d
           JOIN dw.fact_ward_day p ON p.ward = d.ward AND p.sim_date = d.sim_date - 1
           WHERE d.sim_date = ANY(%s) AND p.occupancy_end <> d.occupancy_start""",
        (days,),
    ).fetchall()
    assert breaks == [], "a day did not start from the census the day before ended with"
    log = api.task_log(DAILY_DAG_ID, runs[-1]["dag_run_id"], "simulate_day")
    assert f"census at the end of {days[-2]}" in log

    # Nothing ran for today's wall-clock date, and the scheduler made no run of its own.
    all_runs = api.get(f"/api/v2/dags/{DAILY_DAG_ID}/dagRuns", limit=1000)["dag_runs"]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert not [r for r in all_runs if (r["logical_date"] or "")[:10] == today]
    assert not [r for r in all_runs if r["run_type"] == "scheduled"]

    page.reload()  # the grid: a bar per run, linking to the run
    for run in runs:
        bar = page.locator(f'a[href$="/runs/{run["dag_run_id"]}/"]')
        expect(bar).to_be_attached()
    expect(page.get_by_text("Backfill in progress")).to_have_count(0)
    page.get_by_role("link", name="Runs", exact=True).click()  # the runs table, newest first
    for run in runs:
        row = page.get_by_role("row").filter(has_text=run["dag_run_id"])
        expect(row).to_contain_text("Success")
        expect(row).to_contain_text("Backfill")
    chromium.screenshot(page, "backfill-dialog-runs-succeeded", full_page=False)


def test_running_backwards_is_refused_with_the_reason(
    api: AirflowClient, days: list[dt.date], page: Page
) -> None:
    later = [days[-1] + dt.timedelta(days=i + 1) for i in range(DAYS)]
    before = _backfills(api)["total_entries"]
    dialog = _open_backfill_form(page)
    _enter_range(page, dialog, later[0], later[-1])

    dialog.get_by_role("checkbox", name="Run Backwards").check(force=True)
    alert = dialog.get_by_test_id("error-alert")
    expect(alert).to_contain_text(f"{DAILY_DAG_ID} cannot run backwards")
    expect(alert).to_contain_text("days run in order from the earliest")
    expect(alert).to_contain_text("untick 'Run Backwards'")
    submit = dialog.get_by_role("button", name="Run Backfill")
    expect(submit).to_be_disabled()
    chromium.screenshot(page, "backfill-dialog-backwards-refused", full_page=False)
    submit.click(force=True)  # a user clicking anyway submits nothing
    assert _backfills(api)["total_entries"] == before, "a backwards backfill was created"

    # Unticked, the same range is accepted again: the refusal is about the direction only.
    dialog.get_by_role("checkbox", name="Run Backwards").uncheck(force=True)
    expect(alert).to_have_count(0)
    expect(dialog.get_by_text(f"{DAYS} runs will be triggered.")).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert _backfills(api)["total_entries"] == before
