"""Benchmark (closed loop): the twin's own day engine at given beds against the study's formulas.

The capacity study recommends the fewest beds at which at most `refusal_target` of a ward's
admissions "find every bed taken (refused, or boarding in the ED)", computed with Erlang's loss
formula B(c, a). The twin knows the truth: this runs its day engine (`flow.simulate_day`, the
SimPy pathway `hospital_daily` runs, with `flow.overflow_policy` as configured) day after day
from the warm-up census, with every ward at the beds given, and counts per ward what its
admissions met: the share that found the wanted ward full (waited, or were refused), that
waited over 4 hours, that were refused, and of those the share refused because the day ended
while they still waited (the day's simulation stops at midnight and only patients in beds are
carried into the next day). Beside them, the study's figures for the same days, each day at
the load the study gives a day (the infinite-server mean census of the arrivals, admissions
asked for and step-downs in, with the configured LOS): Erlang B, and the M/M/c+D queue the
planner columns use (`planner.wait_share`: P(wait > 0) and P(wait > 4 h) with the patience
`flow.max_wait_hours`).

No services: the population is drawn in memory. `--beds` takes a JSON object of ward -> beds
(for instance a capacity run's recommendation); wards not named keep their configured beds.

    .venv/bin/python benchmarks/bench_twin_beds.py --profile default --days 180 \
        --beds '{"Surgery": 235, "Medicine": 219}'

Prints a table per ward, then one JSON line: per ward the observed and modelled shares, and
over the wards with at least 500 admissions the largest gap between the share finding the ward
full and Erlang B (`max_abs_error_erlang_b`) or the M/M/c+D queue (`max_abs_error_mmcd`), and
between the share refused and Erlang B (`max_abs_error_refused_vs_erlang_b`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))

from hospital_twin.capacity import los_fit  # noqa: E402
from hospital_twin.capacity.loss import erlang_b  # noqa: E402
from hospital_twin.capacity.montecarlo import census_days  # noqa: E402
from hospital_twin.capacity.planner import wait_share  # noqa: E402
from hospital_twin.config import load_config  # noqa: E402
from hospital_twin.day import visits  # noqa: E402
from hospital_twin.day.flow.census import warmup_census  # noqa: E402
from hospital_twin.day.flow.pathway import simulate_day  # noqa: E402
from hospital_twin.setup import illness, population  # noqa: E402

MIN_ADMISSIONS = 500  # a ward's shares are compared only with this many admissions behind them


def run_twin(
    config, beds: dict[str, int], days: int, warmup: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per ward over the days after `warmup`: admissions asked for and how they fared; and per
    day and ward (warm-up included) the arrivals: admissions asked for + step-downs in."""
    people = population.generate_population(config)
    sampler = visits.VisitSampler.from_frames(
        people, illness.assign_illness_profiles(config, people)
    )
    day = config.simulation.start_date
    census = warmup_census(config, day, beds_override=beds, person_ids=people["person_id"])
    asked, arrivals = [], {}
    for i in range(warmup + days):
        result = simulate_day(
            config, day, visits.generate_visits(config, day, sampler=sampler), census,
            beds_override=beds,
        )  # fmt: skip
        wards = result.ward_day.set_index("ward")
        arrivals[day] = wards["moves_in"].add(
            result.admissions["requested_ward"].value_counts(), fill_value=0
        )
        if i >= warmup:
            asked.append(result.admissions[["requested_ward", "status", "wait_hours"]])
        census = result.census_end
        day += dt.timedelta(days=1)
    a = pd.concat(asked, ignore_index=True)
    refused = a["status"] == "refused"
    a = a.assign(
        full=(a["wait_hours"] > 0) | refused,
        over_4h=(a["wait_hours"] > 4) | refused,
        refused=refused,
        at_midnight=refused & (a["wait_hours"] < config.flow.max_wait_hours - 1e-6),
    )
    outcomes = a.groupby("requested_ward").agg(
        admissions=("full", "size"),
        full=("full", "sum"),
        over_4h=("over_4h", "sum"),
        refused=("refused", "sum"),
        at_midnight=("at_midnight", "sum"),
    )
    return outcomes, pd.DataFrame(arrivals).T.fillna(0.0)


def compare(
    config, outcomes: pd.DataFrame, arrivals: pd.DataFrame, beds: dict[str, int], warmup: int
) -> pd.DataFrame:
    """Observed shares beside the study's formulas, each day at the load the study would give
    it: the infinite-server mean census of the arrival rate, m_d = sum_k lambda_(d-k) G(k)
    (`montecarlo.census_days`, the configured LOS), weighted by the day's rate. The twin's rate
    is constant within a month (the month's volume over its days, the month's illness mix), so
    lambda_d is the month's mean arrivals: the day's own count would add its Poisson noise to
    the rate, as no forecast does."""
    months = arrivals.index.map(lambda d: (d.year, d.month))
    rates = arrivals.groupby(months).transform("mean")
    rows = []
    for ward, r in outcomes.iterrows():
        los = los_fit.from_config(config.ward(ward).los)
        lam = rates[ward].to_numpy(float)
        load = np.convolve(lam, census_days(los, len(lam)))[: len(lam)][warmup:]
        lam, c, n = lam[warmup:], int(beds[ward]), max(r["admissions"], 1)
        patience = config.flow.max_wait_hours
        blocked = np.array([erlang_b(c, m) for m in load])
        rows.append(
            {
                "ward": ward,
                "beds": c,
                "offered_load": round(float(load.mean()), 1),
                "admissions": int(r["admissions"]),
                "full": r["full"] / n,
                "erlang_b": float(np.sum(blocked * lam) / max(lam.sum(), 1)),
                "mmcd_wait": wait_share(0, c, load, los.mean, patience),
                "over_4h": r["over_4h"] / n,
                "mmcd_over_4h": wait_share(4, c, load, los.mean, patience),
                "refused": r["refused"] / n,
                "refused_at_midnight": r["at_midnight"] / max(r["refused"], 1),
            }
        )
    return pd.DataFrame(rows).set_index("ward")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=os.environ.get("HT_PROFILE", "default"))
    parser.add_argument("--days", type=int, default=180, help="days counted, after the warm-up")
    parser.add_argument("--warmup", type=int, default=30, help="days run first, not counted")
    parser.add_argument("--beds", default="{}", help='JSON {"ward": beds}; others as configured')
    args = parser.parse_args(argv)
    config = load_config(args.profile)
    beds = {w.name: w.beds for w in config.wards} | json.loads(args.beds)
    unknown = set(beds) - {w.name for w in config.wards}
    if unknown:
        sys.exit(f"--beds names wards the profile does not have: {sorted(unknown)}")
    print(
        f"the twin's day engine, profile {args.profile}, policy {config.flow.overflow_policy} "
        f"(patience {config.flow.max_wait_hours} h), {args.warmup} + {args.days} days, "
        f"load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    t0 = time.perf_counter()
    outcomes, arrivals = run_twin(config, beds, args.days, args.warmup)
    table = compare(config, outcomes, arrivals, beds, args.warmup)
    shown = table.copy()
    for column in ("full", "erlang_b", "mmcd_wait", "over_4h", "mmcd_over_4h", "refused",
                   "refused_at_midnight"):  # fmt: skip
        shown[column] = (100 * shown[column]).map("{:.2f} %".format)
    print(shown.to_string())
    solid = table[table["admissions"] >= MIN_ADMISSIONS]
    gaps = {
        "max_abs_error_erlang_b": ("full", "erlang_b"),
        "max_abs_error_mmcd": ("full", "mmcd_wait"),
        "max_abs_error_refused_vs_erlang_b": ("refused", "erlang_b"),
    }
    errors = {
        name: float((solid[seen] - solid[model]).abs().max()) if len(solid) else None
        for name, (seen, model) in gaps.items()
    }
    if len(solid):
        print(
            f"wards with >= {MIN_ADMISSIONS} admissions: share finding the ward full vs Erlang B,"
            f" largest gap {100 * errors['max_abs_error_erlang_b']:.2f} points; vs M/M/c+D "
            f"{100 * errors['max_abs_error_mmcd']:.2f} points; share refused vs Erlang B "
            f"{100 * errors['max_abs_error_refused_vs_erlang_b']:.2f} points"
        )
    else:
        print(f"no ward has {MIN_ADMISSIONS} admissions: no gap is reported")
    print(f"{time.perf_counter() - t0:.0f} s, load {os.getloadavg()[0]:.1f}")
    print(
        json.dumps(
            {
                "profile": args.profile,
                "days": args.days,
                "beds": beds,
                **{k: None if v is None else round(v, 4) for k, v in errors.items()},
                "wards": json.loads(table.round(4).to_json(orient="index")),
            }
        )
    )


if __name__ == "__main__":
    main()
