"""Capacity scenarios, stage by stage: what each task of `hospital_capacity_scenarios` does.

Inputs come from the warehouse as of the origin (the latest simulated day): arrival
intensity per ward (the latest forecast where the forecaster covers the ward, else the
recent admission rate with its observed dispersion, else the configured steady state), length
of stay per ward (the configured model blended, by the evidence, with the one fitted to
observed stays, still-open stays censored; its mean's uncertainty drawn once per run), and
the census in beds with the days already spent; and for the recommendation, the ward's
arrival rate over the last year (`recommend.planning_means`, a `planning_mean` column of the
intensity). Work fans out per scenario × chunk of wards; results land in `capacity.*` tables
and a risk-curve report in the lake's `reports/`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from hospital_twin.capacity import inputs
from hospital_twin.capacity.los_fit import LosEstimate
from hospital_twin.capacity.montecarlo import ArrivalIntensity
from hospital_twin.capacity.planner import hold_thin, thin_data
from hospital_twin.capacity.recommend import planning_means
from hospital_twin.capacity.report import risk_report
from hospital_twin.capacity.simpy_check import simpy_risk
from hospital_twin.capacity.study import capacity_study, scenario_inputs
from hospital_twin.config import ConfigError, HospitalConfig, load_scenario
from hospital_twin.contracts import StudyParams, StudyParamsError, parse_study_params
from hospital_twin.io import warehouse
from hospital_twin.io.lake import Lake, write_parquet
from hospital_twin.rng import stream

# The SimPy check of each recommendation: its risk, the 95 % interval, its replications.
SIMPY_COLUMNS = ["simpy_p_over", "simpy_ci_low", "simpy_ci_high", "simpy_runs"]


def validate_params(raw: dict[str, Any], config: HospitalConfig) -> StudyParams:
    """The form's parameters as StudyParams (contracts.py: bounds, scenario names, no unknown
    keys), each scenario's ward names checked against this hospital; else StudyParamsError."""
    params = parse_study_params(raw)
    for name in params.scenarios:
        try:
            load_scenario(name, config)
        except ConfigError as e:
            raise StudyParamsError(f"scenarios: {e}") from None
    return params


def origin_day(conn: psycopg.Connection, not_after: dt.date) -> dt.date:
    """The latest simulated day on or before `not_after`: the study starts from its census."""
    day = conn.execute(warehouse.read_sql("queries/latest_simulated_day.sql"), (not_after,))
    day = day.fetchone()[0]
    if day is None:
        raise StudyParamsError(
            f"no simulated day on or before {not_after}: run hospital_daily first"
        )
    return day


def prepare_inputs(
    conn: psycopg.Connection,
    config: HospitalConfig,
    lake: Lake,
    run_id: str,
    origin: dt.date,
    params: StudyParams,
) -> dict[str, Any]:
    """Write the study's inputs to `reports/<run_id>/` and return the work items to map."""
    folder = lake.path("reports", run_id)
    folder.mkdir(parents=True, exist_ok=True)
    stays = warehouse.query_frame(
        conn, "queries/capacity_stays.sql", {"origin": origin, "end": origin + dt.timedelta(days=1)}
    )
    census = warehouse.query_frame(
        conn,
        "queries/capacity_census.sql",
        {"origin": origin, "end": origin + dt.timedelta(days=1)},
    )
    history = warehouse.query_frame(
        conn,
        "queries/capacity_admission_history.sql",
        {"origin": origin, "days": inputs.HISTORY_DAYS},
    )
    forecasts = warehouse.query_frame(conn, "queries/capacity_latest_forecasts.sql", (origin,))
    intensity, sources = inputs.study_intensity(
        config, origin, params.horizon_days, stays, forecasts, history
    )
    intensity["planning_mean"] = _planning_means(config, history, intensity)
    write_parquet(stays, folder / "stays.parquet")
    write_parquet(census, folder / "census.parquet")
    write_parquet(intensity, folder / "intensity.parquet")
    wards = [w.name for w in config.wards]
    beds = {w.name: float(w.beds) for w in config.wards}  # a chunk's work scales with its beds
    work = inputs.work_items(params.scenarios, wards, params.wards_per_task, beds)
    return {
        "origin": str(origin),
        "sources": sources,
        "work": work,
        "stays": len(stays),
        "census": len(census),
    }


def _planning_means(
    config: HospitalConfig, history: pd.DataFrame, intensity: pd.DataFrame
) -> pd.Series:
    """Per row of the intensity frame: the admissions a day the recommendation plans for
    (`recommend.planning_means`: the last year's rate at the day's planned volume), NaN
    where the history is too short (the intensity's own mean is used then)."""
    out = pd.Series(np.nan, index=intensity.index)
    for ward, rows in intensity.groupby("ward"):
        plan = planning_means(config, str(ward), history, pd.DatetimeIndex(rows["date"]))
        if plan is not None:
            out[rows.index] = plan
    return out


def _planning_of(intensity: pd.DataFrame, ward: str) -> np.ndarray | None:
    """The ward's planning means from the intensity frame, None when not there."""
    if "planning_mean" not in intensity:
        return None
    plan = intensity.loc[intensity["ward"] == ward, "planning_mean"].to_numpy(float)
    return None if np.isnan(plan).any() else plan


def run_chunk(
    config: HospitalConfig,
    lake: Lake,
    run_id: str,
    origin: dt.date,
    params: StudyParams,
    scenario_name: str,
    wards: list[str],
) -> dict[str, Any]:
    """The Monte Carlo risk curves of one scenario for a few wards, written to the lake."""
    folder = lake.path("reports", run_id)
    scenario = load_scenario(scenario_name, config)
    stays = pd.read_parquet(folder / "stays.parquet")
    census = pd.read_parquet(folder / "census.parquet")
    intensity = pd.read_parquet(folder / "intensity.parquet")
    # The form's runs, target and bed levels replace the profile's defaults for this study.
    cap = config.capacity.model_copy(
        update={
            "runs": params.runs,
            "risk_target": params.risk_target,
            "refusal_target": params.refusal_target,
            "bed_levels": params.bed_levels,
        }
    )
    estimates = {w: inputs.los_estimate(config, w, stays) for w in wards}
    curves, recs = capacity_study(
        config.model_copy(update={"capacity": cap}),
        scenario,
        intensities={
            w: ArrivalIntensity.from_forecast(intensity[intensity["ward"] == w]) for w in wards
        },
        los_models={w: e.model for w, e in estimates.items()},
        los_log_sd={w: e.log_sd for w, e in estimates.items()},
        census_elapsed={
            w: census.loc[census["ward"] == w, "elapsed_days"].to_numpy(float) for w in wards
        },
        origin=origin,
        planning_means={w: _planning_of(intensity, w) for w in wards},
    )
    level_cv = intensity.groupby("ward")["level_cv"].first()
    recs = hold_thin(  # thin data do not move the beds (planner.thin_data)
        recs, {w: thin_data(e.data_weight, float(level_cv[w])) for w, e in estimates.items()}
    )
    # The SimPy cross-check runs here, beside the Monte Carlo it checks, so that it is spread
    # over the mapped tasks (and workers) instead of running alone in `collect`.
    recs[SIMPY_COLUMNS] = _simpy_column(config, origin, recs, estimates, intensity, census)
    name = f"{scenario_name}__{'_'.join(w.replace(' ', '-').replace('&', 'and') for w in wards)}"
    write_parquet(curves, folder / f"curves_{name}.parquet")
    write_parquet(recs, folder / f"recs_{name}.parquet")
    recommended = dict(
        zip(recs["ward"], recs["recommended_beds"].astype(int).tolist(), strict=True)
    )
    return {"scenario": scenario_name, "wards": wards, "recommended": recommended}


def collect(
    conn: psycopg.Connection,
    config: HospitalConfig,
    lake: Lake,
    run_id: str,
    origin: dt.date,
    params: StudyParams,
) -> dict[str, Any]:
    """Join the chunks (each with its SimPy cross-check), store the run, write the report."""
    folder = lake.path("reports", run_id)
    curves = pd.concat(
        [pd.read_parquet(p) for p in sorted(folder.glob("curves_*.parquet"))], ignore_index=True
    )
    recs = pd.concat(
        [pd.read_parquet(p) for p in sorted(folder.glob("recs_*.parquet"))], ignore_index=True
    )
    png, html = risk_report(
        curves,
        folder / "risk_curves",
        params.risk_target,
        recs,
        title=f"Bed capacity risk from {origin} ({run_id})",
        refusal_target=params.refusal_target,
    )
    store(conn, run_id, origin, params, curves, recs, str(html))
    worst = recs.sort_values("risk_at_configured", ascending=False).head(5)
    return {
        "run_id": run_id,
        "report": str(html),
        "png": str(png),
        "rows": len(curves),
        "highest_risk": worst[["scenario", "ward", "risk_at_configured"]].to_dict("records"),
    }


def same_inputs_simpy(
    config: HospitalConfig, folder, origin: dt.date, recs: pd.DataFrame
) -> pd.DataFrame:
    """Per recommendation row: P(max midnight census > recommended beds) over the study's
    horizon from SimPy, patient by patient, on the study's own inputs (the ward's arrival
    intensity, blended LOS with its mean drawn per run, census with elapsed stays, scenario).

    The column used to come from `simpy_check` on other inputs (the configured steady state
    from empty, 60 days, its own LOS): that is why it could say 87.5 % beside a Monte Carlo
    0.0 %. Same inputs, same bed level, same horizon: the two now agree within SimPy's noise.
    """
    stays = pd.read_parquet(folder / "stays.parquet")
    census = pd.read_parquet(folder / "census.parquet")
    intensity = pd.read_parquet(folder / "intensity.parquet")
    estimates = {w: inputs.los_estimate(config, w, stays) for w in recs["ward"].unique()}
    return _simpy_column(config, origin, recs, estimates, intensity, census)


def _simpy_column(
    config: HospitalConfig,
    origin: dt.date,
    recs: pd.DataFrame,
    estimates: dict[str, LosEstimate],
    intensity: pd.DataFrame,
    census: pd.DataFrame,
) -> pd.DataFrame:
    """`same_inputs_simpy` on inputs already read, and LOS estimates already made: per row
    SIMPY_COLUMNS (the risk, its 95 % interval, the replications it took: `simpy_risk`)."""
    rows = []
    for _, row in recs.iterrows():
        scenario = load_scenario(row["scenario"], config)
        est = estimates[row["ward"]]
        arrivals = ArrivalIntensity.from_forecast(intensity[intensity["ward"] == row["ward"]])
        scaled, los, change = scenario_inputs(scenario, row["ward"], arrivals, est.model)
        check = simpy_risk(
            scaled,
            los,
            int(row["recommended_beds"]),
            stream(config.seed, origin, f"capacity:simpy:{row['ward']}"),
            census.loc[census["ward"] == row["ward"], "elapsed_days"].to_numpy(float),
            change,
            est.log_sd,
            monte_carlo=float(row["risk_at_recommended"]),
        )
        rows.append([check.p_over, check.ci_low, check.ci_high, check.runs])
    return pd.DataFrame(rows, columns=SIMPY_COLUMNS, index=recs.index)


def store(conn, run_id, origin, params, curves, recs, report) -> None:
    """One transaction: the run with its parameters, then its curves and recommendations."""
    with conn.transaction():
        conn.execute(warehouse.read_sql("queries/capacity_delete_run.sql"), (run_id,))
        conn.execute(
            warehouse.read_sql("queries/capacity_insert_run.sql"),
            (run_id, origin, json.dumps(params.model_dump()), report),
        )
        cols = warehouse.table_columns(conn, "capacity.risk_curve")
        warehouse.copy_frame(conn, "capacity.risk_curve", curves.assign(run_id=run_id)[cols])
        cols = warehouse.table_columns(conn, "capacity.recommendation")
        warehouse.copy_frame(conn, "capacity.recommendation", recs.assign(run_id=run_id)[cols])
