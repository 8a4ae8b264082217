"""Benchmark: the vectorised capacity Monte Carlo, the forecaster's retrain and its backtest.

1. Monte Carlo: runs × days × bed levels for the configured ward nearest to 300 beds (default
   profile: Surgery, 330 beds, gamma LOS), NB arrivals filling it to ~85 %, a census of
   patients already in bed; `simulate_occupancy` plus `risk_curve`. Beside it, the naive way:
   a Python loop per run and per day drawing each day's admissions and their stays (numpy
   inside the day), then a loop per bed level; it runs on `--baseline-runs` runs and is
   extrapolated linearly to the full run count (stated in the output).
2. Forecaster retrain (`forecast.fit`, with its out-of-fold dispersion fitting) on three
   years of synthetic daily arrivals (weekly + yearly seasonality, NB noise).
3. Rolling-origin backtest on that series (horizon 28, >= 180 days history, every 7 days):
   MAE, MASE and interval coverage of the model and of the seasonal naive forecast.

    .venv/bin/python benchmarks/bench_capacity.py [--runs 10000 --days 180 --levels 20]
                                                  [--study-runs 2000] [--study-only]
    HT_INSTANCE=bench bash -c '. scripts/env.sh; python benchmarks/bench_capacity.py --dag'

0. The capacity study as the DAG runs it with its form's defaults: 3 scenarios x every ward
   of the profile, 2,000 runs x 180 days, NB arrivals with an uncertain level, a census in
   bed, an uncertain LOS mean (one factor per run); CPU seconds.

--dag: the capacity DAG itself through the real scheduler, on a running stack instance whose
warehouse holds simulated days (e.g. after `bench_backfill.py`): triggered with the form's
defaults (3 scenarios x every ward, 2,000 runs x 180 days), its wall time from the trigger to
success, and per task its start latency (from queued to running), running time and the CPU
seconds its task process reports in its log (`_cpu_note`: DAG parse, imports and work).

Wall and CPU seconds are both shown: on a shared machine the wall time includes waiting for
a core (the load average is printed). Prints readable lines, then one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hospital_twin.capacity.los_fit import LosModel, from_config
from hospital_twin.capacity.montecarlo import (
    ArrivalIntensity,
    census_days,
    expected_occupancy,
    simulate_occupancy,
)
from hospital_twin.capacity.study import bed_grid, capacity_study, risk_curve
from hospital_twin.config import HospitalConfig, load_config, load_scenario
from hospital_twin.forecast import model as forecast
from hospital_twin.forecast.backtest import backtest, synthetic_arrivals
from hospital_twin.rng import stream

TARGET_MC_SECONDS = 5.0
TARGET_DAG_SECONDS = 30.0  # issue 11: 3 scenarios x 11 wards of the default profile
DAG_ID = "hospital_capacity_scenarios"
TARGET_RETRAIN_SECONDS = 10.0


def ward_inputs(config: HospitalConfig, days: int, fill: float):
    """The ward nearest 300 beds, its LOS, NB intensity filling it to `fill`, a census."""
    ward = min(config.wards, key=lambda w: abs(w.beds - 300))
    los = from_config(ward.los)
    rate = fill * ward.beds / census_days(los, 3650).sum()
    intensity = ArrivalIntensity.constant(
        rate, days, start=config.simulation.start_date, nb_size=np.full(days, 50.0)
    )
    census_rng = stream(config.seed, None, "bench:census")
    elapsed = census_rng.uniform(0, 2 * los.mean, int(fill * ward.beds))
    return ward, los, intensity, elapsed


STUDY_SCENARIOS = ("baseline", "winter_peak", "bed_closure")  # the DAG form's defaults
STUDY_LOS_LOG_SD = 0.2  # a LOS mean fitted on a few weeks of stays: one factor per run


def study_inputs(config: HospitalConfig, days: int, fill: float) -> dict[str, dict]:
    """Every ward as the capacity DAG sees it: NB arrivals (level uncertain) filling it to
    `fill`, a census with elapsed stays, and an uncertain LOS mean (a factor per run)."""
    out = {}
    for i, ward in enumerate(config.wards):
        los = from_config(ward.los)
        rate = fill * ward.beds / census_days(los, 3650).sum()
        out[ward.name] = {
            "intensity": ArrivalIntensity.constant(
                rate, days, config.simulation.start_date, nb_size=np.full(days, 50.0), level_cv=0.1
            ),
            "los": los,
            "elapsed": np.random.default_rng(i).uniform(0, 2 * los.mean, int(fill * ward.beds)),
        }
    return out


def study_cpu(profile: str, runs: int, days: int) -> tuple[float, pd.DataFrame]:
    """CPU seconds of the default capacity study (3 scenarios x every ward), and its
    recommendations (for comparing engines)."""
    config = load_config(profile)
    wards = study_inputs(config, days, fill=0.85)
    start, recs = time.process_time(), []
    for name in STUDY_SCENARIOS:
        _, rec = capacity_study(
            config,
            load_scenario(name, config),
            {w: v["intensity"] for w, v in wards.items()},
            los_models={w: v["los"] for w, v in wards.items()},
            census_elapsed={w: v["elapsed"] for w, v in wards.items()},
            runs=runs,
            los_log_sd={w: STUDY_LOS_LOG_SD for w in wards},
        )
        recs.append(rec)
    return time.process_time() - start, pd.concat(recs, ignore_index=True)


def vectorised(intensity, los, elapsed, runs, levels, beds, seed):
    occ = simulate_occupancy(intensity, los, runs, np.random.default_rng(seed), elapsed)
    grid = bed_grid(occ, beds, levels)
    return occ, risk_curve(occ, grid, 0.05)


def baseline(
    intensity: ArrivalIntensity, los: LosModel, elapsed: np.ndarray, runs: int, grid, seed: int
) -> np.ndarray:
    """The naive engine: a Python loop per run and per day, then per bed level."""
    rng = np.random.default_rng(seed)
    days = intensity.days
    occ = np.zeros((runs, days), dtype=np.int64)
    for r in range(runs):
        rate = intensity.rates(1, rng)[0]
        admitted = np.zeros(days, dtype=np.int64)
        leaving = np.zeros(days + 1, dtype=np.int64)
        for d in range(days):
            n = rng.poisson(rate[d])
            stays = np.ceil(los.sample(n, rng)).astype(np.int64)
            leaving += np.bincount(np.minimum(d + np.maximum(stays, 1), days), minlength=days + 1)
            admitted[d] = n
        residual = np.ceil(los.sample_residual(elapsed, rng)).astype(np.int64)
        leaving += np.bincount(np.clip(residual, 1, days), minlength=days + 1)
        occ[r] = len(elapsed) + np.cumsum(admitted) - np.cumsum(leaving[:days])
    for b in grid:  # per bed level
        _ = (occ.max(1) > b).mean(), (occ > b).sum(1).mean()
    return occ


def timed(fn, *args):
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w, time.process_time() - c


def _when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _task_cpu(api, run_id: str, ti: dict) -> float | None:
    """The CPU seconds the task process logged (`_cpu_note`), if it did."""
    path = f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/logs/"
    log = json.dumps(
        api.get(path + str(ti["try_number"]), full_content="true", map_index=ti["map_index"])
    )
    found = re.findall(r"([0-9.]+) s CPU in this task process", log)
    return float(found[-1]) if found else None


def dag_figures(scenarios: tuple[str, ...], conf: dict | None = None) -> dict:
    """Trigger the capacity DAG with the form's defaults (and `conf`) and break its wall time
    down."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from urllib.parse import quote

    from tests.support.airflow_client import AirflowClient

    with AirflowClient() as api:
        api.wait_for_dag(DAG_ID)
        load = os.getloadavg()[0]
        t0 = time.monotonic()
        run = api.trigger(DAG_ID, {"scenarios": list(scenarios), **(conf or {})})
        api.wait_for_run(DAG_ID, run["dag_run_id"], timeout=3600)
        wall = time.monotonic() - t0
        run = api.run(DAG_ID, run["dag_run_id"])
        run_id = quote(run["dag_run_id"], safe="")
        tis = sorted(api.task_instances(DAG_ID, run["dag_run_id"]), key=lambda t: t["start_date"])
        start = _when(run["start_date"])
        tasks = []
        for ti in tis:
            queued, began, ended = (_when(ti[k]) for k in ("queued_when", "start_date", "end_date"))
            tasks.append(
                {
                    "task": ti["task_id"]
                    + (f"[{ti['map_index']}]" if ti["map_index"] >= 0 else ""),
                    "starts_at": round((began - start).total_seconds(), 1),
                    "latency": round((began - (queued or began)).total_seconds(), 1),
                    "running": round((ended - began).total_seconds(), 1),
                    "cpu": _task_cpu(api, run_id, ti),
                }
            )
    return {
        "dag_seconds": round(wall, 1),
        "run_seconds": round((_when(run["end_date"]) - start).total_seconds(), 1),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "tasks": tasks,
    }


def report_dag(profile: str, wards_per_task: int | None = None) -> None:
    """--dag: print the DAG's figures, then one JSON line."""
    config = load_config(profile)
    conf = {} if wards_per_task is None else {"wards_per_task": wards_per_task}
    figures = dag_figures(STUDY_SCENARIOS, conf)
    print(
        f"capacity DAG, {len(STUDY_SCENARIOS)} scenarios x {len(config.wards)} wards "
        f"(form defaults): {figures['dag_seconds']:.1f} s from trigger to success "
        f"(target <= {TARGET_DAG_SECONDS:g} s), run {figures['run_seconds']:.1f} s; load "
        f"{figures['load_before']:.1f} -> {figures['load_after']:.1f} on {os.cpu_count()} cores"
    )
    print(f"  {'task':28} {'starts at':>9} {'latency':>8} {'running':>8} {'CPU':>6}")
    for t in figures["tasks"]:
        cpu = "" if t["cpu"] is None else f"{t['cpu']:.1f}"
        print(
            f"  {t['task']:28} {t['starts_at']:9.1f} {t['latency']:8.1f} "
            f"{t['running']:8.1f} {cpu:>6}"
        )
    cpu = sum(t["cpu"] or 0.0 for t in figures["tasks"])
    print(f"  CPU seconds in the task processes: {cpu:.1f}")
    print(
        json.dumps(
            {
                **figures,
                "task_cpu_seconds": round(cpu, 1),
                "wards": len(config.wards),
                "wards_per_task": wards_per_task,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--levels", type=int, default=20)
    ap.add_argument("--baseline-runs", type=int, default=50)
    ap.add_argument("--profile", default="default")
    ap.add_argument("--study-runs", type=int, default=2000, help="the DAG form's default")
    ap.add_argument("--study-only", action="store_true", help="time only the 3-scenario study")
    ap.add_argument(
        "--dag", action="store_true", help="run the capacity DAG on the instance of HT_INSTANCE"
    )
    ap.add_argument(
        "--wards-per-task", type=int, help="--dag: the form's chunk size (default: the form's)"
    )
    args = ap.parse_args()
    if args.dag:
        report_dag(args.profile, args.wards_per_task)
        return
    config = load_config(args.profile)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    study_cpu_s, recs = study_cpu(args.profile, args.study_runs, args.days)
    print(
        f"capacity study {len(STUDY_SCENARIOS)} scenarios x {len(config.wards)} wards, "
        f"{args.study_runs} runs x {args.days} days (LOS factor per run, sd {STUDY_LOS_LOG_SD}):"
        f" {study_cpu_s:.2f} s CPU; recommended beds "
        + ", ".join(f"{r.ward[:8]} {r.recommended_beds}" for r in recs.itertuples())
    )
    if args.study_only:
        print(json.dumps({"study_cpu_seconds": round(study_cpu_s, 3), "runs": args.study_runs}))
        return
    ward, los, intensity, elapsed = ward_inputs(config, args.days, fill=0.85)
    print(
        f"ward {ward.name}: {ward.beds} beds, {los.description}, "
        f"{intensity.mean[0]:.1f} admissions/day (NB size 50), census {len(elapsed)}"
    )
    vectorised(intensity, los, elapsed, 100, args.levels, ward.beds, 0)  # warm caches
    (occ, curve), mc_wall, mc_cpu = timed(
        vectorised, intensity, los, elapsed, args.runs, args.levels, ward.beds, 1
    )
    print(
        f"Monte Carlo {args.runs} runs x {args.days} days x {len(curve)} bed levels: "
        f"{mc_wall:.2f} s wall, {mc_cpu:.2f} s CPU (target < {TARGET_MC_SECONDS:g} s)"
    )
    tail = occ[:, -30:].mean()
    steady = expected_occupancy(intensity.mean, los)[-1]
    print(
        f"  mean census over the last 30 days {tail:.1f}; M/G/inf steady state "
        f"sum_k lambda P(LOS > k) = {steady:.1f} (the starting census has left by then)"
    )
    _, base_wall, base_cpu = timed(
        baseline, intensity, los, elapsed, args.baseline_runs, curve["beds"], 2
    )
    scale = args.runs / args.baseline_runs
    base_full = base_wall * scale
    ratio = base_full / mc_wall
    print(
        f"Python-loop baseline: {args.baseline_runs} runs in {base_wall:.2f} s, extrapolated "
        f"x{scale:g} to {base_full:.0f} s for {args.runs} runs: vectorised is {ratio:.0f}x faster"
        f" (CPU: {base_cpu * scale / mc_cpu:.0f}x)"
    )

    series = synthetic_arrivals(days=3 * 365, mean=120, nb_size=30, seed=7)
    fitted, fit_wall, fit_cpu = timed(forecast.fit, series, config)
    print(
        f"forecaster retrain on {len(series)} days: {fit_wall:.2f} s wall, {fit_cpu:.2f} s CPU "
        f"(target < {TARGET_RETRAIN_SECONDS:g} s); NB sizes by horizon bucket "
        + ", ".join(f"{v:.1f}" for v in fitted.nb_size.values())
    )
    scored, bt_wall, _ = timed(backtest, series, 28, 180, 7, 91, config)
    origins = scored.summary["n_origins"].iloc[0]
    print(f"backtest: {origins} origins every 7 days, refit every 91 days, {bt_wall:.1f} s")
    print(scored.summary.round(3).to_string())
    model, naive = scored.summary.loc["model"], scored.summary.loc["seasonal_naive"]
    print(f"MAE improvement over seasonal naive: {scored.mae_improvement:.1%}")

    print(
        json.dumps(
            {
                "ward": ward.name,
                "beds": ward.beds,
                "runs": args.runs,
                "days": args.days,
                "bed_levels": len(curve),
                "mc_seconds": round(mc_wall, 3),
                "mc_cpu_seconds": round(mc_cpu, 3),
                "study_cpu_seconds": round(study_cpu_s, 3),
                "study_runs": args.study_runs,
                "baseline_runs": args.baseline_runs,
                "baseline_seconds_extrapolated": round(base_full, 1),
                "baseline_ratio": round(ratio, 1),
                "retrain_seconds": round(fit_wall, 3),
                "retrain_cpu_seconds": round(fit_cpu, 3),
                "backtest_origins": int(model["n_origins"]),
                "mae": round(float(model["mae"]), 3),
                "mae_naive": round(float(naive["mae"]), 3),
                "mae_improvement": round(scored.mae_improvement, 4),
                "mase": round(float(model["mase"]), 4),
                "mase_naive": round(float(naive["mase"]), 4),
                "coverage_80": round(float(model["coverage_80"]), 4),
                "coverage_95": round(float(model["coverage_95"]), 4),
                "coverage_80_naive": round(float(naive["coverage_80"]), 4),
                "coverage_95_naive": round(float(naive["coverage_95"]), 4),
                "load_average": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
