"""Closed loop: does the capacity study predict the twin's own future?

The domain engine only (no Airflow, no warehouse): the default hospital runs day by day with
`day.run.run_day` for `--days` days; at `--origins` origins, every `--step` days from
`--first` on, the capacity study predicts the next `--horizon` days from the data up to the
origin only, as the product does (`capacity.closed_loop.predict`): arrivals from the
forecasts the daily retrain stores on the origin (`forecast.model`, LightGBM with calendar,
lag and last-year features, for the wards admitting 5 a day or more, shaping the days at
the recent level, `capacity.intensity.at_level`; `--arrivals recent` for the recent rate
alone), LOS blended from the observed ward stays, the census with its
elapsed stays; and the twin runs on. Reported, per ward and overall:

- predicted vs realised mean midnight census (`census_error`: signed, as a fraction);
- coverage of the 80 % and 95 % census bands over every (ward, day): the chance the realised
  census lies in the predicted central band, ties at its edges split as the prediction
  splits them (`closed_loop.band_coverage`, the PIT of a count: a calibrated prediction
  scores 80 % on any ward); beside it `band80_closed`, the share of days inside the closed
  band [q10, q90], and `band80_claimed`, what the prediction itself puts inside that closed
  band (a count's closed band holds more than 80 %: 96 % on a ward of 10 beds at 6.5
  patients, so the closed figure is to be read against the claimed one, not 80 %);
- for "at least one midnight at or over capacity in the horizon": a reliability table,
  calibration error (expected calibration error over probability bins, as a fraction), Brier
  score and the Brier score of climatology (each ward's frequency of the event over every
  `--horizon`-day window of the data up to the origin: an honest baseline, which knows no
  more than the prediction);
- the calibration error is scored on independent cases: sets of origins a horizon apart (no
  overlapping horizons), interleaved, the error averaged over the sets (`cases_independent`:
  the cases of one set); `calibration_error_floor` is what a perfectly calibrated forecaster
  would score on the same cases (outcomes drawn from the predicted probabilities): the
  metric's own noise, which must be well under the 5 points asked for the figure to show
  them (121 independent cases: 5.5 points; 297: about 3.5).
  `calibration_error_pooled` (and `_floor`) is the same over every case: its floor, computed
  as if overlapping horizons were independent, is too low a bar;
- `recommendation_spread`: per ward, the sd of the recommended beds over the origins with at
  least 90 days of history, as a fraction of its beds, averaged over wards (Monte Carlo noise
  plus the hospital's seasons: a stable hospital keeps it small); `recommendation_noise` is
  its Monte Carlo part alone (per origin, the sd of the recommendation over the runs' draws
  of level and LOS, `recommend.SteadyDemand.beds_sd`), averaged the same way. The
  recommendation is the fewest beds at which at most `capacity.refusal_target` of the
  admissions find the ward full in the steady state of the demand (`capacity.recommend`);
  wards held at their configured beds by thin data count with no noise;
- `recommendation_weekly_change`: issue 10's check, "consecutive weekly runs differ only by
  Monte Carlo noise": the study of the origin a week later (with `--step` other than 7, the
  study is run again a week after each origin; `--no-weekly` skips it), and the mean
  absolute change of each ward's recommendation is set beside
  `recommendation_weekly_noise`, the change Monte Carlo noise alone gives (both as a
  fraction of the beds, averaged over wards);
- ED waits: the planner's predicted shares of ED admissions waiting over 4 h and 12 h for a
  bed at the configured beds (`capacity.planner`) against the shares the twin recorded
  (refused requests count as over both), pooled over ED admissions (`wait4_predicted`,
  `wait4_realised`, `wait12_…`) and per ward on stderr.

The default origins start at day 400: the forecaster's yearly features (month, day of year,
same season last year) need about 400 days of history, so only then can the seasons (the
winter flu months, the December accident peak) enter the prediction. They come every 7 days
up to the end of the `--days` (1,200 by default: 111 origins, four interleaved sets of 27-28
origins 28 days apart, 297-308 independent (origin, ward) cases each; with 737 days a set
held 121 cases and a calibrated forecaster scored 5.5 points, so the metric could not show
5), and a run a week after an origin is the next origin: the weekly change costs no extra
study. `--step 28 --no-weekly` scores one independent set in a quarter of the time. The twin
refuses
patients when a ward is full, so its census never exceeds the beds: the predicted census is
capped at the beds for the census figures (the event "census reaches the beds" is the same
in a loss system and in the unconstrained one). `--history DIR` keeps the simulated days
(simulating two years is most of the run). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hospital_twin.capacity import closed_loop as cl
from hospital_twin.config import load_config

BINS = np.array([0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0001])


def score_origin(
    config, history, origin: dt.date, horizon: int, runs: int, arrivals: str
) -> list[dict]:
    """Per ward: predicted vs realised census, the at-capacity event and the ED waits at one
    origin."""
    real = cl.realised(history, origin, horizon)
    clim = climatology(history, origin, horizon)
    waits = cl.realised_waits(history, origin, horizon).set_index("ward")
    forecasts = cl.NO_FORECASTS if arrivals == "recent" else None
    target = config.capacity.refusal_target
    rows = []
    for p in cl.predict(config, history, origin, horizon, runs, forecasts=forecasts):
        recommended, noise = planned(p, target)
        beds = config.ward(p.ward).beds
        at_beds = p.risk.curve.set_index("beds").loc[beds]
        ed = waits.reindex([p.ward]).fillna(0).iloc[0]
        occ = np.minimum(p.risk.occupancy, beds)
        seen = real[real["ward"] == p.ward]["occupancy_end"].to_numpy(float)
        bands = cl.census_bands(occ)
        closed = {lv: (lo <= seen) & (seen <= hi) for lv, (lo, hi) in bands.items()}
        claimed = {lv: ((lo <= occ) & (occ <= hi)).mean() for lv, (lo, hi) in bands.items()}
        rows.append(
            {
                "origin": origin,
                "ward": p.ward,
                "beds": beds,
                "predicted": float(occ.mean()),
                "realised": float(seen.mean()),
                "in80": float(cl.band_coverage(occ, seen, 0.8).mean()),
                "in95": float(cl.band_coverage(occ, seen, 0.95).mean()),
                **{f"in{round(lv * 100)}_closed": float(v.mean()) for lv, v in closed.items()},
                **{f"in{round(lv * 100)}_claimed": float(v) for lv, v in claimed.items()},
                "p_full": float((p.risk.occupancy.max(axis=1) >= beds).mean()),
                "full": float((seen >= beds).any()),
                "climatology": clim.get(p.ward, 0.0),
                "recommended": recommended,
                "recommended_noise": noise,
                "source": p.arrivals.split(" (")[0],
                "ed_admissions": int(ed["ed_admissions"]),
                **{f"pred_{h}h": float(at_beds[f"wait_over_{h}h"]) for h in cl.WAIT_HOURS},
                **{f"real_{h}h": int(ed[f"over_{h}h"]) for h in cl.WAIT_HOURS},
            }
        )
    return rows


def climatology(history: cl.History, origin: dt.date, horizon: int) -> dict[str, float]:
    """Per ward, the share of `horizon`-day windows of the data up to `origin` holding a
    midnight at or over the beds (with no complete window yet: the share of such days)."""
    wd = history.upto("ward_day", origin).sort_values("sim_date")
    out = {}
    for ward, days in wd.groupby("ward"):
        full = pd.Series((days["occupancy_end"] >= days["beds"]).to_numpy(float))
        windows = full.rolling(horizon).max().dropna()
        out[str(ward)] = float(windows.mean() if len(windows) else full.mean())
    return out


def next_week(
    config, history, origin: dt.date, horizon: int, runs: int, arrivals: str
) -> list[dict]:
    """Per ward, the recommendation of the weekly run after `origin` and its noise."""
    forecasts = cl.NO_FORECASTS if arrivals == "recent" else None
    later = origin + dt.timedelta(days=7)
    target = config.capacity.refusal_target
    return [
        dict(
            zip(
                ["origin", "ward", "recommended_next", "recommended_next_noise"],
                [origin, p.ward, *planned(p, target)],
                strict=True,
            )
        )
        for p in cl.predict(config, history, later, horizon, runs, forecasts=forecasts)
    ]


def consecutive_weeks(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` with each (origin, ward)'s recommendation of the origin 7 days later, where the
    origins hold it (`recommended_next`, `recommended_next_noise`; NaN otherwise)."""
    later = rows[["origin", "ward", "recommended", "recommended_noise"]].copy()
    later["origin"] = [o - dt.timedelta(days=7) for o in later["origin"]]
    later = later.rename(columns={"recommended": "recommended_next",
                                  "recommended_noise": "recommended_next_noise"})  # fmt: skip
    return rows.merge(later, on=["origin", "ward"], how="left")


def weekly_figures(rows: pd.DataFrame) -> dict[str, float]:
    """Consecutive weekly runs (issue 10's stability check): per ward, the mean absolute
    change of the recommendation from one week to the next, and the change Monte Carlo noise
    alone would give (two independent estimates: sqrt(2 / pi) x their combined sd), each as
    a fraction of the beds, averaged over wards."""
    if "recommended_next" not in rows:
        return {}
    rows = rows.dropna(subset=["recommended_next"])
    change = (rows["recommended_next"] - rows["recommended"]).abs() / rows["beds"]
    noise = (
        np.hypot(rows["recommended_noise"], rows["recommended_next_noise"])
        * np.sqrt(2 / np.pi)
        / rows["beds"]
    )
    by_ward = pd.DataFrame({"ward": rows["ward"], "change": change, "noise": noise})
    means = by_ward.groupby("ward").mean()
    return {
        "recommendation_weekly_change": float(means["change"].mean()),
        "recommendation_weekly_noise": float(means["noise"].mean()),
    }


def planned(prediction: cl.Prediction, target: float) -> tuple[int, float]:
    """The recommendation as the capacity DAG makes it (`closed_loop.predict` plans for the
    last year's rate at the planned volume, as `tasks.capacity` does), and its Monte Carlo
    noise (`SteadyDemand.beds_sd`); the configured beds and no noise when thin data hold
    them."""
    if prediction.thin:
        return prediction.recommended, 0.0
    return prediction.recommended, prediction.risk.demand.beds_sd(target)


def calibration_floor(p: np.ndarray, draws: int = 500) -> float:
    """The calibration error a perfectly calibrated forecaster scores on these cases: outcomes
    drawn from the predicted probabilities themselves (the metric's sampling noise)."""
    rng = np.random.default_rng(0)
    return float(np.mean([_ece(p, (rng.random(len(p)) < p).astype(float)) for _ in range(draws)]))


def independent_sets(rows: pd.DataFrame, horizon: int) -> dict[str, float]:
    """The calibration error and its floor on origins at least `horizon` days apart (every
    k-th origin, k sets interleaved), averaged over the sets: horizons 7 days apart overlap,
    so the pooled floor, computed as if the cases were independent, is too low a bar."""
    origins = sorted(rows["origin"].unique())
    gap = (origins[1] - origins[0]).days if len(origins) > 1 else horizon
    k = max(1, -(-horizon // max(gap, 1)))
    sets = [rows[rows["origin"].isin(origins[i::k])] for i in range(min(k, len(origins)))]
    pairs = [(s["p_full"].to_numpy(), s["full"].to_numpy()) for s in sets]
    return {
        "calibration_error": float(np.mean([_ece(p, y) for p, y in pairs])),
        "calibration_error_floor": float(np.mean([calibration_floor(p) for p, _ in pairs])),
        "cases_independent": int(np.mean([len(p) for p, _ in pairs])),
    }


def _ece(p: np.ndarray, y: np.ndarray) -> float:
    """Expected calibration error over BINS: case-weighted |predicted - observed| per bin."""
    table = reliability(p, y)
    return float((table["n"] * (table["predicted"] - table["observed"]).abs()).sum() / len(p))


def reliability(p: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Per probability bin: cases, mean predicted probability, observed frequency."""
    b = np.digitize(p, BINS) - 1
    frame = pd.DataFrame({"bin": b, "p": p, "y": y})
    table = frame.groupby("bin").agg(
        n=("p", "size"), predicted=("p", "mean"), observed=("y", "mean")
    )
    table.index = [f"{BINS[i]:.2f}-{min(BINS[i + 1], 1):.2f}" for i in table.index]
    return table


def wait_shares(rows: pd.DataFrame) -> pd.DataFrame:
    """Per row, ED admissions and the predicted and realised counts waiting over 4 h / 12 h
    (predicted share x admissions), to be summed over any grouping and divided (`_shares`)."""
    n = rows["ed_admissions"]
    cols = {"ed_admissions": n}
    for h in cl.WAIT_HOURS:
        cols |= {
            f"wait{h}_predicted": rows[f"pred_{h}h"] * n,
            f"wait{h}_realised": rows[f"real_{h}h"],
        }
    return pd.DataFrame(cols)


def _shares(sums: pd.DataFrame) -> pd.DataFrame:
    """Counts of `wait_shares`, summed per group, as shares of the group's ED admissions."""
    return sums.drop(columns="ed_admissions").div(np.maximum(sums["ed_admissions"], 1), axis=0)


def summarise(rows: pd.DataFrame, config, horizon: int = 28) -> dict:
    """The figures of the module docstring from the per (origin, ward) rows."""
    p, y = rows["p_full"].to_numpy(), rows["full"].to_numpy()
    table = reliability(p, y)
    clim = rows["climatology"]
    late = rows[
        pd.to_datetime(rows["origin"])
        >= pd.Timestamp(config.simulation.start_date) + pd.Timedelta(days=90)
    ]
    spread = late.groupby("ward").agg(
        sd=("recommended", "std"), noise=("recommended_noise", "mean"), beds=("beds", "first")
    )
    return {
        "census_error": float(rows["predicted"].sum() / rows["realised"].sum() - 1),
        "band80_coverage": float(rows["in80"].mean()),
        "band95_coverage": float(rows["in95"].mean()),
        **{
            f"band{lv}_{k}": float(rows[f"in{lv}_{k}"].mean())
            for lv in (80, 95)
            for k in ("closed", "claimed")
        },
        **independent_sets(rows, horizon),
        "calibration_error_pooled": _ece(p, y),
        "calibration_error_pooled_floor": calibration_floor(p),
        "brier": float(((rows["p_full"] - rows["full"]) ** 2).mean()),
        "brier_climatology": float(((clim - rows["full"]) ** 2).mean()),
        "origins": int(rows["origin"].nunique()),
        "cases": len(rows),
        "recommendation_spread": float((spread["sd"] / spread["beds"]).mean()),
        "recommendation_noise": float((spread["noise"] / spread["beds"]).mean()),
        **weekly_figures(late),
        **_shares(wait_shares(rows).sum().to_frame().T).iloc[0].to_dict(),
        "reliability": table.reset_index(names="bin").to_dict("records"),
    }


def load_or_simulate(config, days: int, folder: Path | None) -> cl.History:
    """The simulated days: kept in `folder` when given (the same profile and days only)."""
    if folder is not None and (folder / "census.parquet").exists():
        history = cl.History.load(folder)
        if len(history.days) != days or history.days[0] != config.simulation.start_date:
            raise SystemExit(f"{folder}: holds {len(history.days)} days, not the {days} asked")
        return history
    history = cl.simulate(config, days)
    if folder is not None:
        history.save(folder)
    return history


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--days", type=int, default=1200, help="days simulated (>= a year)")
    ap.add_argument("--first", type=int, default=400, help="day index of the first origin")
    ap.add_argument("--step", type=int, default=7)
    ap.add_argument("--origins", type=int, help="at most this many (default: all the days hold)")
    ap.add_argument("--horizon", type=int, default=28)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument(
        "--arrivals",
        choices=["forecast", "recent"],
        default="forecast",
        help="the product's (stored forecasts, else recent rate) or recent rate only",
    )
    ap.add_argument("--history", type=Path, help="folder keeping the simulated days: "
                    "read if there, else written (re-score without re-simulating)")  # fmt: skip
    ap.add_argument("--weekly", action=argparse.BooleanOptionalAction, default=True,
                    help="the weekly change: from consecutive origins when --step is 7, "
                    "else by running the study again a week after each origin")  # fmt: skip
    ap.add_argument("--rows", type=Path, help="write the per (origin, ward) rows here (csv)")
    args = ap.parse_args(argv)
    config = load_config(args.profile)
    t0 = time.perf_counter()
    history = load_or_simulate(config, args.days, args.history)
    sim_s = time.perf_counter() - t0
    starts = range(args.first, args.days, args.step)[: args.origins]
    origins = [history.days[i] for i in starts if i + args.horizon < len(history.days)]
    rows = pd.DataFrame(
        [
            r
            for o in origins
            for r in score_origin(config, history, o, args.horizon, args.runs, args.arrivals)
        ]
    )
    if args.weekly and args.step == 7:
        rows = consecutive_weeks(rows)
    elif args.weekly:
        rows = rows.merge(
            pd.DataFrame(
                [
                    r
                    for o in origins
                    for r in next_week(config, history, o, args.horizon, args.runs, args.arrivals)
                ]
            ),
            on=["origin", "ward"],
        )
    if args.rows:
        rows.to_csv(args.rows, index=False)
    out = summarise(rows, config, args.horizon)
    per_ward = rows.groupby("ward").agg(
        beds=("beds", "first"),
        predicted=("predicted", "mean"),
        realised=("realised", "mean"),
        in80=("in80", "mean"),
        in95=("in95", "mean"),
        p_full=("p_full", "mean"),
        full=("full", "mean"),
        rec_sd=("recommended", "std"),
        in80_closed=("in80_closed", "mean"),
        in80_claimed=("in80_claimed", "mean"),
    )
    per_ward = per_ward.join(
        pd.DataFrame(
            {
                "brier": (rows["p_full"] - rows["full"]) ** 2,
                "brier_clim": (rows["climatology"] - rows["full"]) ** 2,
            }
        )
        .groupby(rows["ward"])
        .mean()
    )
    per_ward["error"] = per_ward["predicted"] / per_ward["realised"] - 1
    per_ward = per_ward.join(_shares(wait_shares(rows).groupby(rows["ward"]).sum()))
    print(per_ward.round(3).to_string(), file=sys.stderr)
    print(pd.DataFrame(out["reliability"]).round(3).to_string(), file=sys.stderr)
    out |= {"days": args.days, "simulate_seconds": round(sim_s, 1),
            "total_seconds": round(time.perf_counter() - t0, 1)}  # fmt: skip
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
