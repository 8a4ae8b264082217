"""Capacity scenarios, stage by stage: what each task of `hospital_capacity_scenarios` does.

Inputs come from the warehouse as of the origin (the latest simulated day): arrival
intensity per ward (the latest forecast where the forecaster covers the ward, else the
recent admission rate with its observed dispersion, else the configured steady state), length
of stay per ward (fitted to observed stays with still-open stays as censored, or the
configured model when too few stays have ended), and the census in beds with the days already
spent. Work fans out per scenario × chunk of wards; results land in `capacity.*` tables and
a risk-curve report in the lake's `reports/`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from hospital_twin.capacity.los_fit import LosModel, fit_los, from_config
from hospital_twin.capacity.montecarlo import ArrivalIntensity, census_days
from hospital_twin.capacity.report import risk_report
from hospital_twin.capacity.simpy_check import simpy_check
from hospital_twin.capacity.study import capacity_study
from hospital_twin.config import HospitalConfig, load_scenario, scenario_names
from hospital_twin.io import warehouse
from hospital_twin.io.lake import Lake, write_parquet

MIN_COMPLETED_STAYS = 50  # fewer ended stays say little about the tail: use the configured model
MIN_HISTORY_DAYS = 14  # fewer days of admissions: use the configured steady state
RECENT_DAYS = 28
SIMPY_RUNS = 40


class ScenarioParamsError(ValueError):
    """The trigger form's parameters cannot describe a capacity study."""


@dataclasses.dataclass(frozen=True)
class StudyParams:
    scenarios: list[str]
    horizon_days: int
    runs: int
    bed_levels: int
    risk_target: float
    wards_per_task: int


def validate_params(raw: dict[str, Any], config: HospitalConfig) -> StudyParams:
    """Refuse what cannot run, naming the field; fill the rest from `config.capacity`."""
    cap = config.capacity
    known = scenario_names()
    names = raw.get("scenarios") or ["baseline"]
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ScenarioParamsError(f"scenarios: unknown {unknown}; available: {known}")
    for name in names:
        load_scenario(name, config)  # ward names in the file are checked against the hospital

    def number(field: str, default, low, high, kind=int):
        value = raw.get(field)
        value = default if value is None else value
        try:
            value = kind(value)
        except (TypeError, ValueError):
            raise ScenarioParamsError(f"{field}: expected a number, got {value!r}") from None
        if not low <= value <= high:
            raise ScenarioParamsError(f"{field}: {value} is outside [{low}, {high}]")
        return value

    return StudyParams(
        scenarios=list(dict.fromkeys(names)),
        horizon_days=number("horizon_days", cap.horizon_days, 7, 730),
        runs=number("runs", cap.runs, 100, 200_000),
        bed_levels=number("bed_levels", cap.bed_levels, 2, 200),
        risk_target=number("risk_target", cap.risk_target, 0.001, 0.5, float),
        wards_per_task=number("wards_per_task", 4, 1, 50),
    )


def origin_day(conn: psycopg.Connection, not_after: dt.date) -> dt.date:
    """The latest simulated day on or before `not_after`: the study starts from its census."""
    day = conn.execute(warehouse.read_sql("queries/latest_simulated_day.sql"), (not_after,))
    day = day.fetchone()[0]
    if day is None:
        raise ScenarioParamsError(
            f"no simulated day on or before {not_after}: run hospital_daily first"
        )
    return day


def _steady_rate(config: HospitalConfig, ward: str, los: LosModel) -> float:
    """Admissions a day that keep the ward at the warm-up occupancy (Little's law)."""
    w = config.ward(ward)
    return config.simulation.warmup_occupancy * w.beds / census_days(los, 3650).sum()


def _extend(forecast: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Cover the study horizon: past the forecast's end, repeat its last week."""
    f = forecast.set_index(pd.to_datetime(forecast["target_date"]))
    tail = f.iloc[-7:]
    rows = [f.loc[d] if d in f.index else tail.iloc[(d - f.index[-1]).days % 7 - 1] for d in dates]
    out = pd.DataFrame(rows)[["mean", "lo80", "hi80"]].reset_index(drop=True)
    return out.assign(date=dates)


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
        conn, "queries/capacity_admission_history.sql", {"origin": origin, "days": RECENT_DAYS}
    )
    forecasts = warehouse.query_frame(conn, "queries/capacity_latest_forecasts.sql", (origin,))
    dates = pd.date_range(origin + dt.timedelta(days=1), periods=params.horizon_days, freq="D")
    intensity, sources = [], {}
    for ward in config.wards:
        los = los_for_ward(config, ward.name, stays)
        frame, source = _ward_intensity(config, ward.name, los, dates, forecasts, history)
        arrivals = ArrivalIntensity.from_forecast(frame)  # NB size from the interval if needed
        intensity.append(
            pd.DataFrame(
                {
                    "ward": ward.name,
                    "date": arrivals.dates,
                    "mean": arrivals.mean,
                    "nb_size": arrivals.nb_size,
                }
            )
        )
        sources[ward.name] = {"arrivals": source, "los": los.description}
    write_parquet(stays, folder / "stays.parquet")
    write_parquet(census, folder / "census.parquet")
    write_parquet(pd.concat(intensity, ignore_index=True), folder / "intensity.parquet")
    wards = [w.name for w in config.wards]
    chunks = [
        wards[i : i + params.wards_per_task] for i in range(0, len(wards), params.wards_per_task)
    ]
    work = [{"scenario": s, "wards": c} for s in params.scenarios for c in chunks]
    return {
        "origin": str(origin),
        "sources": sources,
        "work": work,
        "stays": len(stays),
        "census": len(census),
    }


def _ward_intensity(config, ward, los, dates, forecasts, history) -> tuple[pd.DataFrame, str]:
    stream = f"admissions:{ward}"
    mine = forecasts[forecasts["stream"] == stream]
    if not mine.empty and (mine["method"] != "seasonal_naive").all():
        frame = _extend(mine, dates)
        method = mine["method"].iloc[0]
        return frame, f"forecast {stream} ({method}, origin {mine['origin_date'].iloc[0]})"
    counts = history[history["requested_ward"] == ward]["arrivals"].to_numpy(dtype=float)
    if len(history["sim_date"].unique()) >= MIN_HISTORY_DAYS:
        days = history["sim_date"].nunique()
        counts = np.concatenate([counts, np.zeros(days - len(counts))])
        mean, var = counts.mean(), counts.var(ddof=1)
        size = mean**2 / (var - mean) if var > mean > 0 else np.inf
        frame = pd.DataFrame({"date": dates, "mean": mean, "nb_size": size})
        return frame, f"recent admissions ({days} days, mean {mean:.2f}/day)"
    rate = _steady_rate(config, ward, los)
    frame = pd.DataFrame({"date": dates, "mean": rate, "nb_size": np.inf})
    return frame, f"configured steady state at {config.simulation.warmup_occupancy:.0%} occupancy"


def los_for_ward(config: HospitalConfig, ward: str, stays: pd.DataFrame) -> LosModel:
    mine = stays[stays["ward"] == ward]
    completed = int((~mine["censored"]).sum())
    if completed < MIN_COMPLETED_STAYS:
        model = from_config(config.ward(ward).los)
        why = f"{model.description} (only {completed} completed stays observed)"
        return dataclasses.replace(model, description=why)
    return fit_los(mine["stay_days"].to_numpy(float), mine["censored"].to_numpy(bool))


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
            "bed_levels": params.bed_levels,
        }
    )
    curves, recs = capacity_study(
        config.model_copy(update={"capacity": cap}),
        scenario,
        intensities={
            w: ArrivalIntensity.from_forecast(intensity[intensity["ward"] == w]) for w in wards
        },
        los_models={w: los_for_ward(config, w, stays) for w in wards},
        census_elapsed={
            w: census.loc[census["ward"] == w, "elapsed_days"].to_numpy(float) for w in wards
        },
        origin=origin,
    )
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
    """Join the chunks, cross-check with SimPy, store the run and write the report."""
    folder = lake.path("reports", run_id)
    curves = pd.concat(
        [pd.read_parquet(p) for p in sorted(folder.glob("curves_*.parquet"))], ignore_index=True
    )
    recs = pd.concat(
        [pd.read_parquet(p) for p in sorted(folder.glob("recs_*.parquet"))], ignore_index=True
    )
    recs["simpy_p_over"] = np.nan
    for name in params.scenarios:
        mine = recs["scenario"] == name
        beds = dict(zip(recs.loc[mine, "ward"], recs.loc[mine, "recommended_beds"], strict=True))
        check = simpy_check(
            config,
            load_scenario(name, config),
            bed_levels=beds,
            runs=SIMPY_RUNS,
            days=min(params.horizon_days, 60),
            start=origin,
            mc_runs=200,
        )
        by_ward = dict(zip(check["ward"], check["p_over_simpy"], strict=True))
        recs.loc[mine, "simpy_p_over"] = recs.loc[mine, "ward"].map(by_ward)
    png, html = risk_report(
        curves,
        folder / "risk_curves",
        params.risk_target,
        recs,
        title=f"Bed capacity risk from {origin} ({run_id})",
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


def store(conn, run_id, origin, params, curves, recs, report) -> None:
    """One transaction: the run with its parameters, then its curves and recommendations."""
    with conn.transaction():
        conn.execute(warehouse.read_sql("queries/capacity_delete_run.sql"), (run_id,))
        conn.execute(
            warehouse.read_sql("queries/capacity_insert_run.sql"),
            (run_id, origin, json.dumps(dataclasses.asdict(params)), report),
        )
        cols = warehouse.table_columns(conn, "capacity.risk_curve")
        warehouse.copy_frame(conn, "capacity.risk_curve", curves.assign(run_id=run_id)[cols])
        cols = warehouse.table_columns(conn, "capacity.recommendation")
        warehouse.copy_frame(conn, "capacity.recommendation", recs.assign(run_id=run_id)[cols])
