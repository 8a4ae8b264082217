"""The twin checks its own capacity predictions: run days, predict from the data up to an
origin only, let the twin run on, and compare.

No real hospital knows the truth; the twin does. `simulate` runs the hospital day by day with
`day.run.run_day` (pure, no services) and keeps what the warehouse would hold; `predict`
makes the capacity study's prediction at an origin from those data only (arrival intensity
from the forecasts the daily retrain would have stored on the origin, else the recent
arrivals; LOS blended from the observed ward stays; the census in bed with its elapsed
stays), exactly as `tasks.forecast` and `tasks.capacity` do through the warehouse;
`realised` and `realised_waits` are what happened next (midnight census, ED waits). The
benchmark (`benchmarks/bench_calibration.py`) and the closed-loop tests score the two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hospital_twin.capacity import inputs, observed
from hospital_twin.capacity.los_fit import LosEstimate, from_config
from hospital_twin.capacity.montecarlo import ArrivalIntensity
from hospital_twin.capacity.planner import thin_data
from hospital_twin.capacity.recommend import planning_means
from hospital_twin.capacity.study import WardRisk, ward_risk
from hospital_twin.config import HospitalConfig, Scenario
from hospital_twin.day import flow, visits
from hospital_twin.day.run import run_day
from hospital_twin.forecast import retrain
from hospital_twin.setup import illness, population, schedules, workforce

FRAMES = ("admissions", "moves", "discharges", "ward_day")
NO_FORECASTS = pd.DataFrame(columns=["stream", "method", "origin_date", "target_date"])


@dataclass
class History:
    """What the warehouse would hold after the days simulated: the flow frames of every day
    and each day's midnight census (contracts.CENSUS_COLUMNS)."""

    frames: dict[str, list[pd.DataFrame]] = field(default_factory=lambda: {f: [] for f in FRAMES})
    census: dict[dt.date, pd.DataFrame] = field(default_factory=dict)

    def upto(self, name: str, origin: dt.date | None = None) -> pd.DataFrame:
        """Frame `name` of every day on or before `origin` (every day when None)."""
        frame = pd.concat(self.frames[name], ignore_index=True)
        if origin is None:
            return frame
        return frame[pd.to_datetime(frame["sim_date"]).dt.date <= origin]

    @property
    def days(self) -> list[dt.date]:
        return sorted(self.census)

    def save(self, folder: Path) -> None:
        """Write the frames and the daily censuses as parquet files under `folder` (a long
        simulation is kept, so a benchmark can be re-scored without re-running the days)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in FRAMES:
            self.upto(name).to_parquet(folder / f"{name}.parquet")
        census = [c.assign(census_date=d) for d, c in sorted(self.census.items())]
        pd.concat(census, ignore_index=True).to_parquet(folder / "census.parquet")

    @classmethod
    def load(cls, folder: Path) -> History:
        """The history `save` wrote."""
        history = cls()
        for name in FRAMES:
            history.frames[name] = [pd.read_parquet(folder / f"{name}.parquet")]
        census = pd.read_parquet(folder / "census.parquet")
        for day, frame in census.groupby("census_date"):
            history.census[pd.Timestamp(day).date()] = frame.drop(columns="census_date")
        return history


def simulate(
    config: HospitalConfig,
    days: int,
    start: dt.date | None = None,
    population_size: int | None = None,
    on_day: Callable[[dt.date], None] | None = None,
) -> History:
    """Run the hospital `days` days from the warm-up census; population and staff drawn once."""
    start = start or config.simulation.start_date
    people = population.generate_population(config, population_size)
    sampler = visits.VisitSampler.from_frames(
        people, illness.assign_illness_profiles(config, people)
    )
    staff = workforce.generate_staff(config)
    months: dict[tuple[int, int], pd.DataFrame] = {}
    census = flow.warmup_census(config, start, person_ids=people["person_id"].to_numpy())
    history = History()
    for i in range(days):
        day = start + dt.timedelta(days=i)
        shifts = shifts_for_day(config, staff, day, months)
        result = run_day(config, day, None, None, census, shifts, sampler=sampler)
        f = result.flow
        history.frames["admissions"].append(f.admissions)
        history.frames["moves"].append(f.moves)
        history.frames["discharges"].append(f.discharges)
        history.frames["ward_day"].append(f.ward_day)
        history.census[day] = census = result.census_end
        if on_day:
            on_day(day)
    return history


def shifts_for_day(config, staff, day: dt.date, cache: dict) -> pd.DataFrame:
    """The shifts touching `day` (its month's schedule and, on the 1st, the month before)."""
    wanted = {(day.year, day.month)}
    before = day - dt.timedelta(days=1)
    if before.month != day.month and before >= config.simulation.start_date:
        wanted.add((before.year, before.month))
    for y, m in wanted - cache.keys():
        cache[(y, m)] = schedules.monthly_schedule(config, staff, y, m)
    return schedules.shifts_touching([cache[k] for k in sorted(wanted)], day)


@dataclass(frozen=True)
class Prediction:
    """A ward's prediction at an origin: the study's risk and the LOS estimate behind it."""

    ward: str
    origin: dt.date
    risk: WardRisk  # the Monte Carlo's, its recommended_beds included
    los: LosEstimate
    arrivals: str
    recommended: int  # the study's: the Monte Carlo's, or the configured beds if `thin`
    thin: str | None = None  # why the data are too thin to move the recommendation, if so


def observed_inputs(history: History, origin: dt.date) -> dict[str, pd.DataFrame]:
    """The study's inputs as of `origin`, from the data up to it only."""
    adm, moves = history.upto("admissions", origin), history.upto("moves", origin)
    return {
        "stays": observed.ward_stays(adm, moves, history.upto("discharges", origin), origin),
        "census": observed.census_elapsed(history.census[origin], moves, origin),
        "history": observed.arrival_history(adm, moves, origin, inputs.HISTORY_DAYS),
    }


def stored_forecasts(config: HospitalConfig, history: History, origin: dt.date) -> pd.DataFrame:
    """The ward streams' `ml.forecast` rows the daily retrain leaves on `origin`, from the data
    up to it: the calls of `tasks.forecast.retrain_forecaster` (stream series, model or
    seasonal-naive fallback, stored rows) without its I/O. Made on the origin day, they are
    what `capacity_latest_forecasts.sql` gives the study from that origin."""
    frame = observed.admission_streams(history.upto("admissions", origin), origin)
    rows = [NO_FORECASTS]
    for name, s in retrain.stream_series(frame).items():
        result, _ = retrain.stream_forecast(s, config)  # the model of the last refit day
        version = result.forecaster.version if result.forecaster else f"seasonal-naive-{origin}"
        rows.append(retrain.forecast_rows(origin, name, result, version))
    return pd.concat(rows, ignore_index=True)


def predict(
    config: HospitalConfig,
    history: History,
    origin: dt.date,
    horizon: int,
    runs: int,
    scenario: Scenario | None = None,
    los_override: dict[str, LosEstimate] | None = None,
    forecasts: pd.DataFrame | None = None,
) -> list[Prediction]:
    """The capacity study's prediction per ward at `origin` (the baseline scenario).

    Arrivals as the product takes them: the forecasts the daily retrain stored on the origin
    (`stored_forecasts`, computed unless given; pass `NO_FORECASTS` for the recent-rate
    fallback alone), else the recent admissions. Where the data are too thin to move it
    (`planner.thin_data`), the recommendation is the configured beds and `thin` says why (as
    `tasks.capacity` holds it with `planner.hold_thin`)."""
    seen = observed_inputs(history, origin)
    if forecasts is None:
        forecasts = stored_forecasts(config, history, origin)
    frame, sources = inputs.study_intensity(
        config, origin, horizon, seen["stays"], forecasts, seen["history"]
    )
    scenario = scenario or Scenario(name="baseline")
    dates = pd.date_range(origin + dt.timedelta(days=1), periods=horizon)
    out = []
    for ward in config.wards:
        est = (los_override or {}).get(ward.name) or inputs.los_estimate(
            config, ward.name, seen["stays"]
        )
        risk = ward_risk(
            ward.name,
            ArrivalIntensity.from_forecast(frame[frame["ward"] == ward.name]),
            est.model,
            scenario,
            ward.beds,
            runs,
            config.capacity.risk_target,
            config.seed,
            origin,
            census_elapsed=seen["census"]
            .loc[seen["census"]["ward"] == ward.name, "elapsed_days"]
            .to_numpy(float),
            bed_levels=[ward.beds],
            los_log_sd=est.log_sd,
            refusal_target=config.capacity.refusal_target,
            # as tasks.capacity plans it: the last year's rate at the planned volume
            planning_mean=planning_means(config, ward.name, seen["history"], dates),
        )
        thin = thin_data(est.data_weight, risk_level_cv(frame, ward.name))
        beds = ward.beds if thin else risk.recommended_beds
        out.append(
            Prediction(ward.name, origin, risk, est, sources[ward.name]["arrivals"], beds, thin)
        )
    return out


def risk_level_cv(frame: pd.DataFrame, ward: str) -> float:
    """The arrival level's uncertainty of `ward` in a study intensity frame."""
    return float(frame.loc[frame["ward"] == ward, "level_cv"].iloc[0])


def realised(history: History, origin: dt.date, horizon: int) -> pd.DataFrame:
    """(sim_date, ward, beds, occupancy_end) of the `horizon` days after `origin`."""
    wd = history.upto("ward_day")
    dates = pd.to_datetime(wd["sim_date"]).dt.date
    last = origin + dt.timedelta(days=horizon)
    return wd[(dates > origin) & (dates <= last)][["sim_date", "ward", "beds", "occupancy_end"]]


WAIT_HOURS = (4, 12)  # the NHS's 4-hour and 12-hour standards (planner.PLANNER_COLUMNS)


def realised_waits(history: History, origin: dt.date, horizon: int) -> pd.DataFrame:
    """Per requested ward, the ED admissions of the `horizon` days after `origin` and how many
    waited over 4 h and over 12 h for a bed (`over_4h`, `over_12h`). A request refused
    (after `flow.max_wait_hours`, or still waiting at midnight) never got a bed: it counts
    as waiting over both."""
    adm = history.upto("admissions")
    dates = pd.to_datetime(adm["sim_date"]).dt.date
    last = origin + dt.timedelta(days=horizon)
    ed = adm[(dates > origin) & (dates <= last) & (adm["source"] == "ED")]
    refused = ed["status"] == "refused"
    flags = {f"over_{h}h": refused | (ed["wait_hours"] > h) for h in WAIT_HOURS}
    frame = pd.DataFrame({"ward": ed["requested_ward"], **flags})
    out = frame.groupby("ward").agg(
        ed_admissions=("ward", "size"), **{k: (k, "sum") for k in flags}
    )
    return out.reset_index()


def truth_los(config: HospitalConfig) -> dict[str, float]:
    """The configured (true) mean LOS per ward."""
    return {w.name: float(from_config(w.los).mean) for w in config.wards}


def census_bands(occupancy: np.ndarray, levels: tuple[float, ...] = (0.8, 0.95)) -> dict:
    """Per level, the (low, high) central band of the census per day (runs, days)."""
    return {
        lv: (
            np.quantile(occupancy, (1 - lv) / 2, axis=0),
            np.quantile(occupancy, (1 + lv) / 2, axis=0),
        )
        for lv in levels
    }


def band_coverage(occupancy: np.ndarray, seen: np.ndarray, level: float) -> np.ndarray:
    """Per day, the chance that the realised census `seen` lies in the central `level` band
    of the predicted census (runs, days), ties at a band edge split as the predicted
    distribution splits them: the overlap of [F(y - 1), F(y)] with the band's probabilities
    [(1 - level) / 2, (1 + level) / 2], as a share of F(y) - F(y - 1) (the non-randomized
    PIT for counts, Czado, Gneiting & Held 2009).

    Why not the closed band [q_lo, q_hi]: a census is a count, and a count's closed central
    band holds more than `level` of its own distribution; a ward of 10 beds averaging 6.5
    patients (Poisson) has an 80 % band of 3-10 that holds 96 % of it. A perfectly calibrated
    prediction scores `level` here, on any ward."""
    occ = np.asarray(occupancy)
    y = np.asarray(seen, float)[None, :]
    below, upto = (occ < y).mean(axis=0), (occ <= y).mean(axis=0)
    lo, hi = (1 - level) / 2, (1 + level) / 2
    width = upto - below
    inside = np.clip(np.minimum(upto, hi) - np.maximum(below, lo), 0.0, None)
    point = ((below >= lo) & (below <= hi)).astype(float)  # y outside the runs' support
    return np.where(width > 0, inside / np.where(width > 0, width, 1.0), point)
