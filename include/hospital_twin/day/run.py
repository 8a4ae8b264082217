"""One simulated day D, whole and pure: visits → flow → admitting staff → the day's events.

`run_day` is the one call the daily DAG's tasks (tasks/daily.py), the benchmark and the tests
share: the tasks read its inputs from the lake and the warehouse and write what it returns,
so what a day computes is defined here once. No I/O; the same inputs give the same frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hospital_twin.config import HospitalConfig
from hospital_twin.contracts import ADMISSION_COLUMNS, TOPICS
from hospital_twin.day import events, flow, staffing, visits
from hospital_twin.rng import stream


@dataclass(frozen=True)
class DayResult:
    """What day D produced.

    visits: D's visits (visits.VISIT_COLUMNS); census_start: who was in a bed when D began;
    flow: the ward flow's frames (flow.FlowResult); admissions: D's admission decisions with
    the admitting staff (contracts.ADMISSION_COLUMNS, the batch file's columns); events: D's
    events per Kafka topic (emergency transports, patient transfers).
    """

    day: dt.date
    visits: pd.DataFrame
    census_start: pd.DataFrame
    flow: flow.FlowResult
    admissions: pd.DataFrame
    events: dict[str, list[dict[str, Any]]]

    @property
    def census_end(self) -> pd.DataFrame:
        """Who is in a bed at midnight: the census D+1 starts from."""
        return self.flow.census_end

    def summary(self) -> dict[str, int | float]:
        """The day in a few figures: beds at the start and end, admissions, departures."""
        placed = self.admissions["status"] != "refused"
        ward_day = self.flow.ward_day
        occupied = ward_day["occupancy_end"].sum() / max(ward_day["beds"].sum(), 1)
        return {
            "census_start": len(self.census_start),
            "census_end": len(self.census_end),
            "admissions": int(placed.sum()),
            "refused": int((~placed).sum()),
            "discharges": len(self.flow.discharges),
            "moves": len(self.flow.moves),
            "occupancy_pct": round(float(100 * occupied), 1),
        }


def run_day(
    config: HospitalConfig,
    day: dt.date,
    people: pd.DataFrame | None,
    profiles: pd.DataFrame | None,
    census: pd.DataFrame,
    shifts: pd.DataFrame,
    *,
    day_visits: pd.DataFrame | None = None,
    sampler: visits.VisitSampler | None = None,
    after_stage: Callable[[str], None] | None = None,
) -> DayResult:
    """Simulate day D from the census at the end of D-1 (or flow.warmup_census on the first day).

    `people` and `profiles` are the population and its illness profiles (or pass a `sampler`
    built once from them); `shifts` the shifts that touch D (setup.schedules.shifts_touching).
    Pass `day_visits` to simulate visits already generated for D (the daily DAG generates and
    loads them in a task of their own) instead of drawing them. `after_stage(name)` is called
    after each stage (visits, flow, admitting_staff, events), e.g. to time them.
    """
    done = after_stage or (lambda _name: None)
    if day_visits is None:
        day_visits = visits.generate_visits(config, day, people, profiles, sampler=sampler)
        done("visits")
    result = flow.simulate_day(config, day, day_visits, census)
    done("flow")
    rng = stream(config.seed, day, "admitting_staff")
    admissions = staffing.assign_admitting_staff(result.admissions, shifts, rng, config)
    admissions = admissions[ADMISSION_COLUMNS]
    done("admitting_staff")
    day_events = {
        TOPICS["emergency_transport"]: events.emergency_transports(config, day, day_visits, shifts),
        TOPICS["patient_transfer"]: events.patient_transfers(config, day, admissions, result.moves),
    }
    done("events")
    return DayResult(day, day_visits, census, result, admissions, day_events)
