"""Benchmark: `hospital_setup`'s stages, run as the DAG's tasks run them, against a warehouse.

Runs the task functions of `hospital_twin.tasks.setup` one after another (the DAG runs the
population and workforce branches side by side; here they are serial, so each stage's seconds
are its own) against the warehouse at $HT_DW_DSN, twice: on the warehouse as it is (empty after
`scripts/stack reset-warehouse`, or `--reset` does that first) and again with the same profile
and seed (a re-run of setup, which must change no row). Use your own stack instance, never
`demo` or `test`:

    HT_INSTANCE=setup HT_PORT_SHIFT=7 bash -c '. scripts/env.sh;
        python benchmarks/bench_setup.py --reset --profile default'

With `--dag` it instead triggers `hospital_setup` on the instance's Airflow through the REST
API (as the UI's trigger does) `--dag` times in a row (the second one a re-run) and reports
each run's wall time and every task's running time from the task instances' timestamps.

Prints one line per stage and run (wall seconds, and CPU seconds of this process plus its
PostgreSQL backend: on a shared machine the wall time mostly measures the other processes),
the load average, then one JSON line with `setup_seconds` (the first run's total wall time),
`rerun_seconds`, `setup_cpu_seconds` and per-stage seconds of each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hospital_twin.config import load_config  # noqa: E402
from hospital_twin.io import warehouse  # noqa: E402
from hospital_twin.io.lake import Lake  # noqa: E402
from hospital_twin.tasks import setup  # noqa: E402
from tests.support.airflow_client import AirflowClient  # noqa: E402


def stages(conn, config, lake: Lake) -> list[tuple[str, Callable[[], object]]]:
    """The DAG's tasks in an order its dependencies allow, each committed as its task's is."""

    def committed(fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            result = fn()
            conn.commit()
            return result

        return run

    return [
        ("load_reference", committed(lambda: setup.load_reference(conn, config))),
        ("population", committed(lambda: setup.set_up_population(conn, config, lake))),
        ("build_workforce", lambda: setup.build_workforce(config, lake)),
        ("load_workforce", committed(lambda: setup.load_workforce(conn, lake))),
        ("build_schedules", lambda: setup.build_schedules(config, lake)),
        ("load_schedules", committed(lambda: setup.load_schedules(conn, lake))),
        ("record_setup", lambda: setup.record_setup(lake, "bench", config)),
    ]


def server_cpu(pid: int) -> float:
    """CPU seconds of the PostgreSQL backend `pid` (same machine) and of the server's backends
    that ended since it started (the side connections of a staged load, parallel index build
    workers: the postmaster's reaped children): on a loaded machine wall time says more about
    the other processes than about the load."""
    own = _proc_stat(pid)
    children = _proc_stat(int(own[1]))  # the postmaster
    ticks = int(own[11]) + int(own[12]) + int(children[13]) + int(children[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> list[str]:
    """/proc/<pid>/stat's fields after the command: state, ppid, ... utime, stime, cutime."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def run_setup(label: str, config, lake: Lake) -> tuple[dict[str, float], dict[str, float]]:
    """One whole setup; wall seconds and CPU seconds (this process + its backend) per stage."""
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    with warehouse.connect() as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        for name, fn in stages(conn, config, lake):
            t0, c0, s0 = time.perf_counter(), time.process_time(), server_cpu(pid)
            result = fn()
            seconds[name] = round(time.perf_counter() - t0, 2)
            cpu[name] = round(time.process_time() - c0 + server_cpu(pid) - s0, 2)
            rows = result if isinstance(result, dict) else {}
            brief = ", ".join(f"{k}={v}" for k, v in rows.items() if isinstance(v, int | float))
            figures = f"{seconds[name]:8.2f} s wall {cpu[name]:7.2f} s cpu"
            print(f"  {label:6} {name:17} {figures}   {brief}", flush=True)
    total, total_cpu = round(sum(seconds.values()), 2), round(sum(cpu.values()), 2)
    print(
        f"  {label:6} {'total':17} {total:8.2f} s wall {total_cpu:7.2f} s cpu   load {load()}",
        flush=True,
    )
    return seconds, cpu


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def run_dag(runs: int, profile: str) -> dict:
    """`runs` hospital_setup runs through the REST API; wall seconds and seconds per task."""
    result: dict = {"dag_seconds": [], "tasks": []}
    with AirflowClient() as api:
        api.wait_for_dag("hospital_setup")
        for i in range(runs):
            t0 = time.monotonic()
            run = api.trigger("hospital_setup", {"profile": profile})
            api.wait_for_run("hospital_setup", run["dag_run_id"], timeout=3600)
            wall = round(time.monotonic() - t0, 1)
            tasks = {
                t["task_id"]: round(
                    (parse_time(t["end_date"]) - parse_time(t["start_date"])).total_seconds(), 1
                )
                for t in api.task_instances("hospital_setup", run["dag_run_id"])
                if t["start_date"] and t["end_date"]
            }
            print(f"  run {i + 1}: {wall:.1f} s wall, load {load()}", flush=True)
            for task_id, seconds in sorted(tasks.items(), key=lambda kv: -kv[1]):
                print(f"    {task_id:20} {seconds:8.1f} s", flush=True)
            result["dag_seconds"].append(wall)
            result["tasks"].append(tasks)
    return result


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=os.environ.get("HT_PROFILE", "default"))
    parser.add_argument("--population-size", type=int, default=None)
    parser.add_argument("--reset", action="store_true", help="scripts/stack reset-warehouse first")
    parser.add_argument("--no-rerun", action="store_true", help="only the run on the warehouse")
    parser.add_argument("--dag", type=int, default=0, help="trigger hospital_setup N times")
    args = parser.parse_args()
    if os.environ.get("HT_INSTANCE") in ("demo", "test"):
        sys.exit("bench_setup runs on its own instance, e.g. HT_INSTANCE=setup HT_PORT_SHIFT=7")
    if args.reset:
        subprocess.run(["bash", str(REPO / "scripts/stack"), "reset-warehouse"], check=True)

    if args.dag:
        print(f"hospital_setup ({args.profile}) through Airflow, load {load()}", flush=True)
        print(json.dumps({"profile": args.profile, **run_dag(args.dag, args.profile)}))
        return
    overrides = {"population": {"size": args.population_size}} if args.population_size else {}
    config = load_config(args.profile, **overrides)
    lake_root = Path(os.environ["HT_HOME"]) / "bench_setup_lake"
    shutil.rmtree(lake_root, ignore_errors=True)
    lake = Lake(lake_root).ensure()
    print(f"setup of {args.profile} ({config.population.size} people), load {load()}", flush=True)

    runs, cpu = {}, {}
    runs["first"], cpu["first"] = run_setup("first", config, lake)
    if not args.no_rerun:
        runs["rerun"], cpu["rerun"] = run_setup("rerun", config, lake)
    shutil.rmtree(lake_root, ignore_errors=True)
    result = {
        "profile": args.profile,
        "population": config.population.size,
        "setup_seconds": round(sum(runs["first"].values()), 1),
        "rerun_seconds": round(sum(runs["rerun"].values()), 1) if "rerun" in runs else None,
        "setup_cpu_seconds": round(sum(cpu["first"].values()), 1),
        "stages": runs,
        "stages_cpu": cpu,
        "load": load(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
