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

0. The capacity study as the DAG runs it with its form's defaults: 3 scenarios x every ward
   of the profile, 2,000 runs x 180 days, NB arrivals with an uncertain level, a census in
   bed, an uncertain LOS mean (one factor per run); CPU seconds.

Wall and CPU seconds are both shown: on a shared machine the wall time includes waiting for
a core (the load average is printed). Prints readable lines, then one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--levels", type=int, default=20)
    ap.add_argument("--baseline-runs", type=int, default=50)
    ap.add_argument("--profile", default="default")
    ap.add_argument("--study-runs", type=int, default=2000, help="the DAG form's default")
    ap.add_argument("--study-only", action="store_true", help="time only the 3-scenario study")
    args = ap.parse_args()
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
