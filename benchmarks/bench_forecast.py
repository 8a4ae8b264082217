"""Benchmark: the daily arrival forecaster on the twin's own data, against the truth it knows.

The domain engine only (no Airflow, no warehouse). The hospital runs `--days` days with
`day.run.run_day`; the arrival streams are what the daily retrain reads (ED visits and the bed
requests per requested ward, `sql/queries/arrivals_per_stream.sql`). Every simulated day from
`forecast.min_history_days` on, the retrain runs as `hospital_daily` runs it
(`forecast.retrain.retrain_day`: a refit every `retrain.REFIT_EVERY` days, the days between
forecast from the last model, the weekly backtest), its CPU seconds measured per day.

The ED forecasts of the days with at least `--first` days of history (and a full horizon
after them) are scored against seasonal naive: MAE, MASE, 80 % / 95 % interval coverage on
the realised counts, and MAE against the twin's configured arrival intensity (the visit
volume of the day times the month's expected share of Emergency Room visits,
`day.visits.expected_visits`): a forecaster cannot beat the noise of the counts, only come
close to the intensity. The ward streams' MASE is shown too.

    .venv/bin/python benchmarks/bench_forecast.py [--days 154] [--first 84] [--profile default]

`--series FILE` keeps the simulated streams (parquet; read if there, so a re-score skips the
simulation). Prints readable lines, then one JSON object with `retrain_cpu_seconds`,
`ed_mae`, `ed_naive_mae`, `ed_mase`, `coverage80`, `coverage95`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hospital_twin.capacity import closed_loop
from hospital_twin.capacity.observed import admission_streams
from hospital_twin.config import HospitalConfig, load_config
from hospital_twin.contracts import ED_STREAM
from hospital_twin.day import flow, visits
from hospital_twin.day.run import run_day
from hospital_twin.forecast import retrain
from hospital_twin.forecast.features import seasonal_naive, seasonal_naive_scale
from hospital_twin.setup import illness, population, workforce

ER = "Emergency Room"


def simulate_streams(
    config: HospitalConfig, days: int, population_size: int | None = None, flow_too: bool = True
) -> pd.DataFrame:
    """(stream, sim_date, arrivals, truth) rows of `days` simulated days; `truth` is the ED's
    configured intensity (NaN for the wards). Without `flow_too` only the visits are drawn
    (the ED stream alone, much faster: what the forecast tests use)."""
    start = config.simulation.start_date
    people = population.generate_population(config, population_size)
    sampler = visits.VisitSampler.from_frames(
        people, illness.assign_illness_profiles(config, people)
    )
    staff = workforce.generate_staff(config) if flow_too else None
    census = flow.warmup_census(config, start, person_ids=people["person_id"].to_numpy())
    months: dict[tuple[int, int], pd.DataFrame] = {}
    shares: dict[tuple[int, int], float] = {}
    ed, admissions = [], []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        if flow_too:
            shifts = closed_loop.shifts_for_day(config, staff, day, months)
            result = run_day(config, day, None, None, census, shifts, sampler=sampler)
            census, day_visits = result.census_end, result.visits
            admissions.append(result.flow.admissions)
        else:
            day_visits = visits.generate_visits(config, day, sampler=sampler)
        key = (day.year, day.month)
        if key not in shares:
            shares[key] = er_share(config, day.replace(day=15), sampler)
        truth = visits.daily_volume(config, day) * shares[key]
        ed.append((ED_STREAM, day, int((day_visits["service"] == ER).sum()), truth))
    frame = pd.DataFrame(ed, columns=["stream", "sim_date", "arrivals", "truth"])
    if admissions:
        wards = admission_streams(pd.concat(admissions, ignore_index=True), day)
        frame = pd.concat([frame, wards.assign(truth=np.nan)], ignore_index=True)
    return frame


def er_share(config: HospitalConfig, day: dt.date, sampler: visits.VisitSampler) -> float:
    """The expected share of a day's visits that go to the Emergency Room in `day`'s month."""
    expected = visits.expected_visits(config, day, sampler)
    er = expected.loc[expected["service"] == ER, "expected_visits"].sum()
    return float(er / expected["expected_visits"].sum())


def run_retrains(
    config: HospitalConfig, frame: pd.DataFrame, first_day: int
) -> tuple[dict[int, dict], list[float]]:
    """The daily retrain of every day from `first_day` (index) on, as the task runs it: per
    day index the outcomes per stream, and the CPU seconds of each day's retrain."""
    series = retrain.stream_series(frame)
    store = retrain.MemoryStore()
    outcomes, cpu = {}, []
    last = max(len(s) for s in series.values())
    for i in range(first_day, last):
        day = config.simulation.start_date + dt.timedelta(days=i)
        upto = {name: s.loc[: pd.Timestamp(day)] for name, s in series.items()}
        c0 = time.process_time()
        outcomes[i] = retrain.retrain_day(upto, day, config, store)
        cpu.append(time.process_time() - c0)
    return outcomes, cpu


def score(
    config: HospitalConfig, frame: pd.DataFrame, outcomes: dict[int, dict], first: int
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per (origin, stream): MAE / MASE / coverage of the product's forecast and of seasonal
    naive on the realised counts (and on the ED's intensity); ED summary figures."""
    series = retrain.stream_series(frame)
    truth = frame[frame["stream"] == ED_STREAM].set_index("sim_date")["truth"].to_numpy(float)
    horizon = config.forecast.horizon_days
    rows = []
    for i, per_stream in outcomes.items():
        if i < first or i + 1 + horizon > len(series[ED_STREAM]):
            continue
        for name, outcome in per_stream.items():
            y = series[name].to_numpy()
            actual = y[i + 1 : i + 1 + horizon]
            scale = seasonal_naive_scale(y[: i + 1])
            naive = seasonal_naive(series[name].iloc[: i + 1], horizon)
            for method, f in (("model", outcome.result.forecast), ("naive", naive)):
                mean = f["mean"].to_numpy()
                row = {"origin": i, "stream": name, "method": method,
                       "mae": np.abs(actual - mean).mean()}  # fmt: skip
                row["mase"] = row["mae"] / scale
                row["cov80"] = ((actual >= f["lo80"]) & (actual <= f["hi80"])).mean()
                row["cov95"] = ((actual >= f["lo95"]) & (actual <= f["hi95"])).mean()
                if name == ED_STREAM:
                    row["mae_truth"] = np.abs(truth[i + 1 : i + 1 + horizon] - mean).mean()
                rows.append(row)
    table = pd.DataFrame(rows)
    ed = table[table["stream"] == ED_STREAM].groupby("method").mean(numeric_only=True)
    figures = {
        "ed_mae": float(ed.loc["model", "mae"]),
        "ed_naive_mae": float(ed.loc["naive", "mae"]),
        "ed_mase": float(ed.loc["model", "mase"]),
        "ed_naive_mase": float(ed.loc["naive", "mase"]),
        "ed_mae_truth": float(ed.loc["model", "mae_truth"]),
        "ed_naive_mae_truth": float(ed.loc["naive", "mae_truth"]),
        "coverage80": float(ed.loc["model", "cov80"]),
        "coverage95": float(ed.loc["model", "cov95"]),
        "origins": int(table.loc[table["stream"] == ED_STREAM, "origin"].nunique()),
    }
    return table, figures


def chosen(outcomes: dict[int, dict], first: int) -> dict[str, int]:
    """How often each (level window, trees weight) served the ED's forecast from `first` on."""
    counts: dict[str, int] = {}
    for i, per_stream in outcomes.items():
        f = per_stream[ED_STREAM].result.forecaster
        if i >= first - 1 and f is not None:
            key = f"{f.params.level_window} d, {f.trees_weight:g}"
            counts[key] = counts.get(key, 0) + 1
    return counts


def load_or_simulate(config, days: int, population_size, path: Path | None) -> pd.DataFrame:
    """The simulated streams, read from `path` when there (its first `days` days) or
    simulated (and written there)."""
    if path is not None and path.exists():
        frame = pd.read_parquet(path)
        frame["sim_date"] = pd.to_datetime(frame["sim_date"]).dt.date
        last = config.simulation.start_date + dt.timedelta(days=days - 1)
        return frame[frame["sim_date"] <= last].reset_index(drop=True)
    frame = simulate_streams(config, days, population_size)
    if path is not None:
        frame.to_parquet(path)
    return frame


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--days", type=int, default=154, help="days simulated")
    ap.add_argument("--first", type=int, default=84, help="least history of a scored origin")
    ap.add_argument("--population", type=int, help="population size (default: the profile's)")
    ap.add_argument("--series", type=Path, help="parquet keeping the simulated streams")
    args = ap.parse_args(argv)
    config = load_config(args.profile)
    t0 = time.perf_counter()
    frame = load_or_simulate(config, args.days, args.population, args.series)
    sim_s = time.perf_counter() - t0
    outcomes, cpu = run_retrains(config, frame, config.forecast.min_history_days - 1)
    table, figures = score(config, frame, outcomes, args.first - 1)
    by_stream = table.groupby(["stream", "method"])[["mae", "mase", "cov80", "cov95"]].mean()
    print(by_stream.unstack("method").round(3).to_string())
    ed = figures
    print(
        f"ED, {ed['origins']} origins with >= {args.first} days of history: "
        f"MAE {ed['ed_mae']:.1f} vs seasonal naive {ed['ed_naive_mae']:.1f} "
        f"(MASE {ed['ed_mase']:.3f} vs {ed['ed_naive_mase']:.3f}); against the intensity "
        f"{ed['ed_mae_truth']:.1f} vs {ed['ed_naive_mae_truth']:.1f}; coverage 80/95 % "
        f"{ed['coverage80']:.1%} / {ed['coverage95']:.1%}"
    )
    print(f"ED models (level window, trees weight) over those days: {chosen(outcomes, args.first)}")
    print(
        f"retrain CPU per simulated day after day {config.forecast.min_history_days}: "
        f"mean {np.mean(cpu):.2f} s, max {np.max(cpu):.2f} s over {len(cpu)} days "
        f"({len(retrain.stream_series(frame))} streams)"
    )
    out = {
        "retrain_cpu_seconds": round(float(np.mean(cpu)), 3),
        "retrain_cpu_max_seconds": round(float(np.max(cpu)), 3),
        **{k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()},
        "days": args.days,
        "profile": args.profile,
        "simulate_seconds": round(sim_s, 1),
        "total_seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
