"""Drive the demo through the Airflow REST API: setup, a backfill, a capacity scenario run."""

from __future__ import annotations

import datetime as dt
import os
import time

from hospital_twin.config import HospitalConfig, load_config
from tests.support.airflow_client import AirflowClient


def say(msg: str) -> None:
    print(f"[demo] {msg}", flush=True)


def main() -> None:
    profile = os.environ.get("HT_PROFILE", "default")
    days = int(os.environ.get("HT_DEMO_DAYS", "7"))
    config = load_config(profile)
    with AirflowClient() as api:
        run_demo(api, profile, days, config)
    base = os.environ["HT_API_URL"]
    passwords = os.environ.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", "")
    say(f"Airflow UI:          {base}  (login {api.user}; the password is in {passwords})")
    say(f"Capacity dashboard:  {base}/hospital/dashboard")


def run_demo(api: AirflowClient, profile: str, days: int, config: HospitalConfig) -> None:
    """Setup, a backfill of `days` simulated days, then a capacity scenario run."""
    for dag_id in ("hospital_setup", "hospital_daily", "hospital_capacity_scenarios"):
        api.wait_for_dag(dag_id)

    t0 = time.monotonic()
    say(f"setup with profile {profile!r} ({config.population.size:,} people) ...")
    run = api.trigger("hospital_setup", {"profile": profile})
    api.wait_for_run("hospital_setup", run["dag_run_id"], timeout=3600)
    say(f"setup done in {time.monotonic() - t0:.0f} s")

    start = config.simulation.start_date
    dates = [str(start + dt.timedelta(days=i)) for i in range(days)]
    t0 = time.monotonic()
    say(f"backfilling hospital_daily over {dates[0]} .. {dates[-1]} ...")
    backfill = api.backfill("hospital_daily", dates[0], dates[-1], reprocess="completed")
    api.wait_for_backfill(backfill, dates, timeout=600 + 300 * days)
    elapsed = time.monotonic() - t0
    say(f"{days} simulated days in {elapsed:.0f} s ({elapsed / days:.0f} s per daily run)")

    t0 = time.monotonic()
    say("capacity scenarios (baseline, winter_peak, bed_closure) ...")
    run = api.trigger(
        "hospital_capacity_scenarios", {"scenarios": ["baseline", "winter_peak", "bed_closure"]}
    )
    api.wait_for_run("hospital_capacity_scenarios", run["dag_run_id"], timeout=1800)
    say(f"scenarios done in {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
