"""Admitting staff: on duty in the ward's department, with fallbacks."""

from __future__ import annotations

import numpy as np

from hospital_twin.contracts import DOCTOR_ROLES
from hospital_twin.day import flow, staffing
from tests.day.helpers import CONFIG, DAY, VISITS, at
from tests.support import factories

# --- admitting staff --------------------------------------------------------------------


def test_admitting_staff_are_on_duty_in_the_ward_department():
    result = flow.simulate_day(CONFIG, DAY, VISITS, flow.warmup_census(CONFIG, DAY))
    night_before, day, night = (-5, 7), (7, 19), (19, 31)
    schedule = factories.schedule(
        DAY, [w.name for w in CONFIG.wards], shifts=(night_before, day, night)
    )
    staffed = staffing.assign_admitting_staff(
        result.admissions, schedule, np.random.default_rng(0), CONFIG
    )
    placed = staffed[staffed["ward"].notna()]
    roster = schedule.set_index("staff_id")
    doctors = roster.loc[placed["admitting_doctor_id"]]
    assert (doctors["role"].isin(DOCTOR_ROLES)).all()
    assert (doctors["department"].to_numpy() == placed["ward"].to_numpy()).all()
    on_duty = (doctors["shift_start"].to_numpy() <= placed["admitted_at"].to_numpy()) & (
        placed["admitted_at"].to_numpy() < doctors["shift_end"].to_numpy()
    )
    assert on_duty.all()
    assert staffed["admitting_nurse_id"].notna().all()


def test_admitting_staff_fall_back_to_anyone_on_duty_and_are_empty_only_without_staff():
    result = flow.simulate_day(CONFIG, DAY, VISITS, flow.warmup_census(CONFIG, DAY))
    elsewhere = factories.schedule(DAY, ["Emergency Room"], shifts=((0, 24),))
    staffed = staffing.assign_admitting_staff(
        result.admissions, elsewhere, np.random.default_rng(0)
    )
    assert (
        staffed["admitting_doctor_id"].notna().all() and staffed["admitting_nurse_id"].notna().all()
    )
    nobody = staffing.assign_admitting_staff(
        result.admissions, elsewhere.head(0), np.random.default_rng(0)
    )
    assert nobody["admitting_doctor_id"].isna().all()


def test_shift_times_given_as_clock_times_are_placed_on_the_work_date():
    schedule = factories.schedule(DAY, ["Medicine"], roles=("Doctor",))  # 07-19 and 19-07
    schedule["shift_start"], schedule["shift_end"] = ["07:00", "19:00"], ["19:00", "07:00"]
    times = [at(23.0), at(8.0)]
    picked = staffing.pick_on_duty(
        schedule, ["Doctor"], ["Medicine"] * 2, times, np.random.default_rng(0)
    )
    assert picked == [2, 1]  # the night doctor at 23:00, the day doctor at 08:00
