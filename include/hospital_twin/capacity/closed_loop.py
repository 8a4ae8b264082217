"""The twin checks its own capacity predictions: run days, predict from the data up to an
origin only, let the twin run on, and compare.

No real hospital knows the truth; the twin does. `simulate` runs the hospital day by day with
`day.run.run_day` (pure, no services) and keeps what the warehouse would hold; `predict`
makes the capacity study's prediction at an origin from those data only (arrival intensity
from the recent arrivals, LOS blended from the observed ward stays, the census in bed with
its elapsed stays), exactly as `tasks.capacity` does from the warehouse; `realised` is what
happened next. The benchmark (`benchmarks/bench_calibration.py`) and the closed-loop tests
score the two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hospital_twin.capacity import inputs
from hospital_twin.capacity.los_fit import LosEstimate, from_config
from hospital_twin.capacity.montecarlo import ArrivalIntensity
from hospital_twin.capacity.observed import arrival_history, census_elapsed, ward_stays
from hospital_twin.capacity.study import WardRisk, ward_risk
from hospital_twin.config import HospitalConfig, Scenario
from hospital_twin.day import flow, visits
from hospital_twin.day.run import run_day
from hospital_twin.setup import illness, population, schedules, workforce

FRAMES = ("admissions", "moves", "discharges", "ward_day")


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
        result = run_day(config, day, None, None, census, _shifts(config, staff, day, months),
                         sampler=sampler)  # fmt: skip
        f = result.flow
        history.frames["admissions"].append(f.admissions)
        history.frames["moves"].append(f.moves)
        history.frames["discharges"].append(f.discharges)
        history.frames["ward_day"].append(f.ward_day)
        history.census[day] = census = result.census_end
        if on_day:
            on_day(day)
    return history


def _shifts(config, staff, day: dt.date, cache: dict) -> pd.DataFrame:
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
    risk: WardRisk
    los: LosEstimate
    arrivals: str


def observed_inputs(history: History, origin: dt.date) -> dict[str, pd.DataFrame]:
    """The study's inputs as of `origin`, from the data up to it only."""
    adm, moves = history.upto("admissions", origin), history.upto("moves", origin)
    return {
        "stays": ward_stays(adm, moves, history.upto("discharges", origin), origin),
        "census": census_elapsed(history.census[origin], moves, origin),
        "history": arrival_history(adm, moves, origin, inputs.RECENT_DAYS),
    }


def predict(
    config: HospitalConfig,
    history: History,
    origin: dt.date,
    horizon: int,
    runs: int,
    scenario: Scenario | None = None,
    los_override: dict[str, LosEstimate] | None = None,
) -> list[Prediction]:
    """The capacity study's prediction per ward at `origin` (the baseline scenario)."""
    seen = observed_inputs(history, origin)
    empty = pd.DataFrame(columns=["stream", "method", "origin_date", "target_date"])
    frame, sources = inputs.study_intensity(
        config, origin, horizon, seen["stays"], empty, seen["history"]
    )
    scenario = scenario or Scenario(name="baseline")
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
        )
        out.append(Prediction(ward.name, origin, risk, est, sources[ward.name]["arrivals"]))
    return out


def realised(history: History, origin: dt.date, horizon: int) -> pd.DataFrame:
    """(sim_date, ward, beds, occupancy_end) of the `horizon` days after `origin`."""
    wd = history.upto("ward_day")
    dates = pd.to_datetime(wd["sim_date"]).dt.date
    last = origin + dt.timedelta(days=horizon)
    return wd[(dates > origin) & (dates <= last)][["sim_date", "ward", "beds", "occupancy_end"]]


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
