"""Benchmark: simulated days per second through the real scheduler, as the backfill dialog runs them.

On its own stack instance (`bench`, never `demo` or `test`): setup of the profile, then one
backfill of N simulated days posted to `POST /api/v2/backfills` with the dialog's defaults
(reprocess "none", forwards, max one active run), then the capacity DAG with three scenarios.
Figures come from the runs' and task instances' own timestamps:

  - seconds per day: the median time between consecutive days' ends (the backfill's pace);
  - per day, the time tasks spent running (task process start to end, which includes parsing
    the DAG file) versus the time the day spent waiting for the scheduler between tasks;
  - per task, its median running time.

    HT_INSTANCE=bench bash -c '. scripts/env.sh; python benchmarks/bench_backfill.py --days 28'

Last line: one JSON object with seconds_per_day, year_minutes, profile, days, setup_seconds,
scenarios_seconds, task_seconds_per_day, scheduler_seconds_per_day.
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
from tests.support.airflow_client import AirflowClient  # noqa: E402

SCENARIOS = ["baseline", "winter_peak", "bed_closure"]


def parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def busy_seconds(intervals: list[tuple[dt.datetime, dt.datetime]]) -> float:
    """Length of the union of [start, end] intervals: time at least one task was running."""
    total, reach = 0.0, None
    for start, end in sorted(intervals):
        if reach is None or start > reach:
            total += (end - start).total_seconds()
            reach = end
        elif end > reach:
            total += (end - reach).total_seconds()
            reach = end
    return total


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


def day_breakdown(api: AirflowClient, runs: list[dict]) -> tuple[list[float], list[float], dict]:
    """Per run: seconds tasks were running, seconds waiting between them; per task: durations."""
    running, waiting, per_task = [], [], {}
    for run in runs:
        tis = api.task_instances(run["dag_id"], run["dag_run_id"])
        spans = [
            (parse_time(t["start_date"]), parse_time(t["end_date"]))
            for t in tis
            if t["start_date"] and t["end_date"]
        ]
        for t in tis:
            if t["duration"] is not None:
                per_task.setdefault(t["task_id"], []).append(t["duration"])
        wall = (parse_time(run["end_date"]) - parse_time(run["start_date"])).total_seconds()
        busy = busy_seconds(spans)
        running.append(busy)
        waiting.append(max(wall - busy, 0.0))
    return running, waiting, per_task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--profile", default=os.environ.get("HT_PROFILE", "default"))
    parser.add_argument("--skip-setup", action="store_true", help="reuse the instance's setup")
    parser.add_argument("--reprocess", default="none", help="the dialog's default: none")
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
        if not args.skip_setup:
            setup_seconds = timed_run(api, "hospital_setup", {"profile": args.profile})
            print(f"setup ({args.profile}): {setup_seconds:.1f} s", flush=True)
        api.delete_runs("hospital_daily")  # a clean history: the dialog's "missing runs" = all

        t0 = time.monotonic()
        backfill = api.backfill("hospital_daily", dates[0], dates[-1], reprocess=args.reprocess)
        runs = api.wait_for_backfill(backfill, dates, timeout=600 + 120 * args.days)
        elapsed = time.monotonic() - t0
        runs = [{**r, "dag_id": "hospital_daily"} for r in runs]

        ends = [parse_time(r["end_date"]) for r in runs]
        paces = [(b - a).total_seconds() for a, b in zip(ends, ends[1:], strict=False)]
        per_day = statistics.median(paces) if paces else elapsed
        running, waiting, per_task = day_breakdown(api, runs)
        print(f"{args.days} days in {elapsed:.0f} s; median {per_day:.1f} s per day", flush=True)
        print(
            f"per day (median): tasks running {statistics.median(running):.1f} s, "
            f"waiting for the scheduler and task start {statistics.median(waiting):.1f} s, "
            f"between days {max(per_day - statistics.median(running) - statistics.median(waiting), 0):.1f} s"
        )
        for task_id, durations in per_task.items():
            print(f"  {task_id:24} median {statistics.median(durations):5.1f} s")

        scenarios_seconds = timed_run(
            api, "hospital_capacity_scenarios", {"scenarios": SCENARIOS}
        )
        print(f"capacity scenarios {SCENARIOS}: {scenarios_seconds:.1f} s", flush=True)

    year_minutes = per_day * 365 / 60
    print(f"a simulated year at this pace: {year_minutes:.0f} min; load after: {os.getloadavg()[0]:.1f}")
    print(
        json.dumps(
            {
                "seconds_per_day": round(per_day, 2),
                "year_minutes": round(year_minutes, 1),
                "profile": args.profile,
                "days": args.days,
                "setup_seconds": None if setup_seconds is None else round(setup_seconds, 1),
                "scenarios_seconds": round(scenarios_seconds, 1),
                "task_seconds_per_day": round(statistics.median(running), 2),
                "scheduler_seconds_per_day": round(statistics.median(waiting), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
