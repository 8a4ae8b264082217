"""run_day: one whole day, pure and deterministic, with the contract's admission columns."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from hospital_twin.contracts import ADMISSION_COLUMNS, EVENT_TOPICS, TOPICS
from hospital_twin.day import events, flow
from hospital_twin.day.run import DayResult, run_day
from tests.day.helpers import CONFIG, DAY, PEOPLE, PROFILES, SAMPLER
from tests.support import factories

WARDS = sorted({w.department for w in CONFIG.wards} | {"Emergency Room"})
SHIFTS = factories.schedule(
    DAY, WARDS, roles=("Doctor", "Registered Nurse", "EMT"), shifts=((-5, 7), (7, 19), (19, 31))
)
CENSUS = flow.warmup_census(CONFIG, DAY, person_ids=PEOPLE["person_id"].to_numpy())


def run(**kwargs) -> DayResult:
    return run_day(CONFIG, DAY, PEOPLE, PROFILES, CENSUS, SHIFTS, **kwargs)


def frames(result: DayResult) -> dict[str, pd.DataFrame]:
    out = {"visits": result.visits, "admissions": result.admissions}
    return out | {f: getattr(result.flow, f) for f in flow.FlowResult.__dataclass_fields__}


@pytest.fixture(scope="module")
def day() -> DayResult:
    return run()


def test_same_inputs_give_identical_frames_and_events(day: DayResult) -> None:
    again = run()
    for name, frame in frames(day).items():
        pd.testing.assert_frame_equal(frame, frames(again)[name], obj=name)
    assert again.events == day.events


def test_inputs_are_left_as_they_were() -> None:
    inputs = {"people": PEOPLE, "profiles": PROFILES, "census": CENSUS, "shifts": SHIFTS}
    before = {name: frame.copy() for name, frame in inputs.items()}
    run()
    for name, frame in inputs.items():
        pd.testing.assert_frame_equal(frame, before[name], obj=name)


def test_patients_are_conserved_over_the_day(day: DayResult) -> None:
    admitted = int(day.admissions["status"].ne("refused").sum())
    discharged = len(day.flow.discharges)
    assert admitted > 0 and discharged > 0
    assert len(day.census_start) + admitted == len(day.census_end) + discharged
    summary = day.summary()
    assert summary["census_start"] + summary["admissions"] == (
        summary["census_end"] + summary["discharges"]
    )


def test_admissions_have_the_batch_file_columns_and_their_admitting_staff(day: DayResult) -> None:
    assert list(day.admissions.columns) == ADMISSION_COLUMNS
    assert day.admissions["admission_id"].tolist() == day.flow.admissions["admission_id"].tolist()
    assert day.admissions[["admitting_doctor_id", "admitting_nurse_id"]].notna().all().all()


def test_events_are_the_days_transports_and_transfers_per_topic(day: DayResult) -> None:
    assert set(day.events) == set(EVENT_TOPICS.values())
    ambulance = day.visits.loc[day.visits["arrival_mode"] == "Ambulance", "visit_id"]
    transports = day.events[TOPICS["emergency_transport"]]
    assert sorted(e["visit_id"] for e in transports) == sorted(ambulance)
    every = [e for batch in day.events.values() for e in batch]
    assert every and all(events.validate_event(e) == [] for e in every)


def test_given_visits_are_simulated_instead_of_drawn(day: DayResult) -> None:
    from_sampler = run_day(CONFIG, DAY, None, None, CENSUS, SHIFTS, sampler=SAMPLER)
    pd.testing.assert_frame_equal(from_sampler.admissions, day.admissions)
    few = day.visits.head(40)
    given = run(day_visits=few)
    assert given.visits is few
    assert set(given.flow.admissions["visit_id"]) <= set(few["visit_id"])


def test_each_stage_is_reported_in_order_when_asked() -> None:
    stages: list[str] = []
    run(after_stage=stages.append)
    assert stages == ["visits", "flow", "admitting_staff", "events"]


def test_the_next_day_starts_from_the_census_at_the_end_of_the_day(day: DayResult) -> None:
    nxt = DAY + dt.timedelta(days=1)
    shifts = factories.schedule(nxt, WARDS, shifts=((-5, 7), (7, 19), (19, 31)))
    second = run_day(CONFIG, nxt, PEOPLE, PROFILES, day.census_end, shifts)
    assert second.census_start is day.census_end
    carried = set(day.census_end["admission_id"])
    left = set(second.flow.discharges.loc[second.flow.discharges["carried_over"], "admission_id"])
    assert left <= carried
    assert carried - left <= set(second.census_end["admission_id"])
