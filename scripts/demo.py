"""`make run`: the showcase, driven through the Airflow REST API as a user would drive the UI.

Setup of the profile (skipped when this instance is already set up with it), a backfill of
HT_DEMO_DAYS simulated days (default 120) with the backfill dialog's defaults and a progress
bar, a capacity study of three scenarios, then a summary table from the warehouse: the days,
their visits, admissions and refusals, events published and landed, the forecaster against
seasonal naive, and recommended vs configured beds per ward.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time

import psycopg

from hospital_twin.config import HospitalConfig, load_config
from hospital_twin.contracts import DAILY_DAG_ID, ED_STREAM
from hospital_twin.io import warehouse
from hospital_twin.io.lake import Lake
from hospital_twin.tasks import log_summary
from hospital_twin.tasks.setup import SETUP_STATE
from tests.support.airflow_client import AirflowClient

SCENARIOS = ["baseline", "winter_peak", "bed_closure"]


def say(msg: str) -> None:
    print(f"[demo] {msg}", flush=True)


def main() -> None:
    profile = os.environ.get("HT_PROFILE", "default")
    days = int(os.environ.get("HT_DEMO_DAYS", "120"))
    config = load_config(profile)
    with AirflowClient() as api:
        run_id = run_demo(api, profile, days, config)
    with psycopg.connect(os.environ["HT_DW_DSN"]) as conn:
        print(summary(conn, run_id), flush=True)
    base = os.environ["HT_API_URL"]
    passwords = os.environ.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", "")
    say(f"Airflow UI:          {base}  (login {api.user}; the password is in {passwords})")
    say(f"Capacity dashboard:  {base}/hospital/dashboard")
    say(f"Daily runs:          {base}/dags/{DAILY_DAG_ID}")


def run_demo(api: AirflowClient, profile: str, days: int, config: HospitalConfig) -> str:
    """Setup, a backfill of `days` simulated days, then a capacity study; its run id."""
    dags = {
        d: api.wait_for_dag(d)
        for d in ("hospital_setup", DAILY_DAG_ID, "hospital_capacity_scenarios")
    }
    if set_up_with(Lake.from_env()) == profile:
        say(f"setup with profile {profile!r} already done on this instance: kept")
    else:
        t0 = time.monotonic()
        say(f"setup with profile {profile!r} ({config.population.size:,} people) ...")
        run = api.trigger("hospital_setup", {"profile": profile})
        api.wait_for_run("hospital_setup", run["dag_run_id"], timeout=3600)
        say(f"setup done in {time.monotonic() - t0:.0f} s")

    start = config.simulation.start_date
    dates = [str(start + dt.timedelta(days=i)) for i in range(days)]
    say(f"backfilling {DAILY_DAG_ID} over {dates[0]} .. {dates[-1]} (missing runs, 2 at a time)")
    backfill = api.backfill(
        DAILY_DAG_ID, dates[0], dates[-1], max_active_runs=dags[DAILY_DAG_ID]["max_active_runs"]
    )
    watch_progress(api, backfill, dates)

    t0 = time.monotonic()
    say(f"capacity study: {', '.join(SCENARIOS)} ...")
    run = api.trigger("hospital_capacity_scenarios", {"scenarios": SCENARIOS})
    api.wait_for_run("hospital_capacity_scenarios", run["dag_run_id"], timeout=1800)
    say(f"capacity study done in {time.monotonic() - t0:.0f} s")
    return run["dag_run_id"]


def set_up_with(lake: Lake) -> str | None:
    """The profile this instance was set up with, or None."""
    path = lake.path("state", SETUP_STATE)
    return json.loads(path.read_text())["profile"] if path.exists() else None


def watch_progress(api: AirflowClient, backfill: dict, dates: list[str]) -> None:
    """A progress bar (days done, rate, ETA) until every date's run succeeded."""
    t0, done_before, shown = time.monotonic(), None, 0.0
    tty = sys.stdout.isatty()
    while True:
        latest = api.latest_unless_failed(DAILY_DAG_ID, dates)  # raises at a failed day
        done = sum(latest.get(d, {}).get("state") == "success" for d in dates)
        if done_before is None:
            done_before = done  # days an earlier `make run` already simulated
        elapsed = time.monotonic() - t0
        if tty or elapsed - shown >= 15 or done == len(dates):
            print(
                progress_line(done, len(dates), done - done_before, elapsed),
                end="\r" if tty else "\n",
                flush=True,
            )
            shown = elapsed
        if done == len(dates):
            break
        time.sleep(1)
    if tty:
        print()
    api.wait_for_backfill(backfill, dates, timeout=60)


def progress_line(done: int, total: int, new: int, elapsed: float, width: int = 30) -> str:
    """`[demo] ████████░░░░ 37/120 days · 4.8 s/day · ETA 6 min 40 s`."""
    filled = round(width * done / total) if total else width
    bar = "█" * filled + "░" * (width - filled)
    rate = elapsed / new if new else None
    eta = rate * (total - done) if rate else None
    pace = f"{rate:.1f} s/day" if rate else "starting"
    left = f"ETA {int(eta // 60)} min {int(eta % 60):02d} s" if eta is not None else "ETA -"
    return f"[demo] {bar} {done}/{total} days · {pace} · {left}   "


def summary(conn: psycopg.Connection, capacity_run: str) -> str:
    """The closing table: the days, the forecaster, the beds."""
    days = warehouse.query_frame(conn, "queries/demo_summary.sql").iloc[0]
    scores = warehouse.query_frame(
        conn, "queries/dashboard_forecast_scores.sql", {"stream": ED_STREAM}
    )
    recs = warehouse.query_frame(
        conn, "queries/dashboard_recommendations.sql", {"run_id": capacity_run}
    )
    parts = [
        log_summary.summary(
            "Simulated days",
            {
                "days": f"{int(days['days'])} ({days['first_day']} .. {days['last_day']})",
                "visits": int(days["visits"]),
                "admissions": int(days["admissions"]),
                "refusals": int(days["refusals"]),
                "events published": int(days["published"]),
                "events landed": int(days["landed"]),
            },
        )
    ]
    if scores.empty:
        parts.append(
            "ED arrivals forecast: no backtest yet (the first needs 84 simulated days: 56 of "
            "history, the forecaster's minimum, and a 28-day horizon; then once a week)"
        )
    else:
        parts.append(
            log_summary.table(
                f"ED arrivals forecast: backtest at {scores['origin_date'].iloc[0]} "
                "(MAE in arrivals per day; MASE below 1 beats seasonal naive)",
                ["method", "MAE", "MASE", "80% covered", "95% covered"],
                scores[["method", "mae", "mase", "coverage_80", "coverage_95"]].values.tolist(),
            )
        )
    baseline = recs[recs["scenario"] == "baseline"]
    if not baseline.empty:
        parts.append(
            log_summary.table(
                "Beds per ward, baseline scenario (recommended: the study's refusal target)",
                ["ward", "configured", "recommended", "change", "meets"],
                [
                    [r.ward, r.configured_beds, r.recommended_beds,
                     _change(r.configured_beds, r.recommended_beds), r.criterion]
                    for r in baseline.itertuples()
                ],
                left_last=True,
            )
        )  # fmt: skip
    return "\n\n".join(parts)


def _change(configured: int, recommended: float | None) -> str:
    if recommended is None or recommended != recommended:  # NaN: no level met the target
        return "none meets"
    return f"{int(recommended) - configured:+d}"


if __name__ == "__main__":
    main()
