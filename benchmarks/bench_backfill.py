"""Benchmark: simulated days through the real scheduler, as the backfill dialog runs them.

On its own stack instance (`bench`, never `demo` or `test`): setup of the profile, then one
backfill of N simulated days posted to `POST /api/v2/backfills` with the dialog's defaults
(reprocess "none", forwards, one active run; `--max-active-runs 2` overlaps two days), then the
capacity DAG with three scenarios.
Figures come from the runs' and task instances' own timestamps:

  - seconds per day: from the first day's start to the last day's end, over the days (two days
    overlap, so this is the backfill's pace, not one run's length);
  - per task, its median running time and its median start latency: from the moment it could
    start (its upstream's end, or the run's start) until it runs (the scheduler's loop, the
    executor, the task process's start-up and the DAG file's parse). With two days
    overlapping, a day's `simulate_day` running time includes waiting for D-1's census.

    HT_INSTANCE=bench bash -c '. scripts/env.sh; python benchmarks/bench_backfill.py --days 28'

Last line: one JSON object with seconds_per_day, year_minutes, profile, days, setup_seconds,
scenarios_seconds, task_seconds_per_day, start_latency_seconds_per_day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hospital_twin.config import load_config  # noqa: E402
from hospital_twin.io import warehouse  # noqa: E402
from tests.support.airflow_client import AirflowClient  # noqa: E402
from tests.support.instance import empty_instance  # noqa: E402

SCENARIOS = ["baseline", "winter_peak", "bed_closure"]


def parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def instance_secrets() -> dict[str, str]:
    """The instance's secrets.env (`export NAME=value` lines) as a dict."""
    path = Path(os.environ["HT_HOME"]) / "secrets.env"
    pairs = (line.removeprefix("export ").split("=", 1) for line in path.read_text().splitlines())
    return {name: shlex.split(value)[0] for name, value in pairs}


def timed_run(api: AirflowClient, dag_id: str, conf: dict) -> float:
    t0 = time.monotonic()
    run = api.trigger(dag_id, conf)
    api.wait_for_run(dag_id, run["dag_run_id"], timeout=3600)
    return time.monotonic() - t0


def task_breakdown(api: AirflowClient, runs: list[dict]) -> dict[str, dict[str, list[float]]]:
    """Per task: its running time, and its start latency (from the moment it could start, its
    upstream task's end or the run's start, to its own start: the scheduler's loop, the
    executor and the task process's start-up before it reports running)."""
    figures: dict[str, dict[str, list[float]]] = {}
    for run in runs:
        tis = [t for t in api.task_instances(run["dag_id"], run["dag_run_id"]) if t["start_date"]]
        ready = parse_time(run["start_date"])
        for t in sorted(tis, key=lambda t: t["start_date"]):
            start, end = parse_time(t["start_date"]), parse_time(t["end_date"])
            entry = figures.setdefault(t["task_id"], {"running": [], "latency": []})
            entry["running"].append((end - start).total_seconds())
            entry["latency"].append(max((start - ready).total_seconds(), 0.0))
            ready = end
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--profile", default=os.environ.get("HT_PROFILE", "default"))
    parser.add_argument(
        "--skip-setup", action="store_true", help="reuse the instance's setup and simulated days"
    )
    parser.add_argument("--reprocess", default="none", help="the dialog's default: none")
    parser.add_argument(
        "--max-active-runs",
        type=int,
        default=1,
        help="the dialog's default is 1 (days one after another); 2 lets two days overlap",
    )
    args = parser.parse_args()
    if os.environ.get("HT_INSTANCE") in ("demo", "test"):
        sys.exit("bench_backfill runs on its own instance: HT_INSTANCE=bench")

    env = {**os.environ, "HT_PROFILE": args.profile}
    subprocess.run(["bash", str(REPO / "scripts/stack"), "up"], check=True, env=env)
    os.environ.update(instance_secrets())  # a first `stack up` has just created them
    config = load_config(args.profile)
    start = config.simulation.start_date
    dates = [str(start + dt.timedelta(days=i)) for i in range(args.days)]
    print(f"load before: {os.getloadavg()[0]:.1f}", flush=True)

    with AirflowClient() as api:
        for dag_id in ("hospital_setup", "hospital_daily", "hospital_capacity_scenarios"):
            api.wait_for_dag(dag_id)
        setup_seconds = None
        if not args.skip_setup:  # a first setup, as on a fresh machine: from an empty instance
            with warehouse.connect(autocommit=True) as dw:
                empty_instance(api, dw, os.environ["HT_LAKE"])
            setup_seconds = timed_run(api, "hospital_setup", {"profile": args.profile})
            print(f"setup ({args.profile}): {setup_seconds:.1f} s", flush=True)
        api.delete_runs("hospital_daily")  # a clean history: the dialog's "missing runs" = all

        t0 = time.monotonic()
        backfill = api.backfill(
            "hospital_daily",
            dates[0],
            dates[-1],
            reprocess=args.reprocess,
            max_active_runs=args.max_active_runs,
        )
        runs = api.wait_for_backfill(backfill, dates, timeout=600 + 120 * args.days)
        elapsed = time.monotonic() - t0
        runs = [{**r, "dag_id": "hospital_daily"} for r in runs]

        first = min(parse_time(r["start_date"]) for r in runs)
        last = max(parse_time(r["end_date"]) for r in runs)
        per_day = (last - first).total_seconds() / len(runs)  # runs overlap: the backfill's pace
        figures = task_breakdown(api, runs)
        print(f"{args.days} days in {elapsed:.0f} s: {per_day:.1f} s per day", flush=True)
        print(f"  {'task':20} {'running (median s)':>19} {'start latency (median s)':>25}")
        for task_id, f in figures.items():
            running, latency = statistics.median(f["running"]), statistics.median(f["latency"])
            print(f"  {task_id:20} {running:19.1f} {latency:25.1f}")
        task_seconds = sum(statistics.median(f["running"]) for f in figures.values())
        latency_seconds = sum(statistics.median(f["latency"]) for f in figures.values())

        scenarios_seconds = timed_run(api, "hospital_capacity_scenarios", {"scenarios": SCENARIOS})
        print(f"capacity scenarios {SCENARIOS}: {scenarios_seconds:.1f} s", flush=True)

    year_minutes = per_day * 365 / 60
    load = os.getloadavg()[0]
    print(f"a simulated year at this pace: {year_minutes:.0f} min; load after: {load:.1f}")
    print(
        json.dumps(
            {
                "seconds_per_day": round(per_day, 2),
                "year_minutes": round(year_minutes, 1),
                "profile": args.profile,
                "days": args.days,
                "max_active_runs": args.max_active_runs,
                "setup_seconds": None if setup_seconds is None else round(setup_seconds, 1),
                "scenarios_seconds": round(scenarios_seconds, 1),
                "task_seconds_per_day": round(task_seconds, 2),
                "start_latency_seconds_per_day": round(latency_seconds, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
