"""Schedules: the 21-day rotation and its breaks, monthly rows, senior cover, on_duty."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hospital_twin.config import load_config
from hospital_twin.setup.schedules import (
    COLUMNS,
    OFF,
    SHIFT_TYPES,
    monthly_schedule,
    on_duty,
    phases,
    rotation,
)
from hospital_twin.setup.workforce import DOCTOR_ROLES, clinical_departments, generate_staff

CONFIG = load_config("small")
DEPARTMENTS = list(clinical_departments(CONFIG))


@pytest.fixture(scope="module")
def staff() -> pd.DataFrame:
    return generate_staff(CONFIG)


@pytest.fixture(scope="module")
def march(staff) -> pd.DataFrame:
    return monthly_schedule(CONFIG, staff, 2024, 3)


def _shift_windows(table: pd.DataFrame, cycles: int = 2) -> list[tuple[float, float, str]]:
    """(start hour, end hour, code) of each shift over `cycles` repeats of the rotation."""
    windows = []
    for c in range(cycles):
        for day, code in zip(table["cycle_day"], table["shift_code"], strict=True):
            if code != OFF:
                start = (c * len(table) + day) * 24 + SHIFT_TYPES[code][0]
                windows.append((start, start + SHIFT_TYPES[code][1], code))
    return windows


def test_rotation_is_cycle_days_long_and_mixes_every_kind_of_shift():
    table = rotation(CONFIG)
    assert len(table) == CONFIG.shifts.cycle_days == 21
    assert set(table["shift_code"]) == set(SHIFT_TYPES) | {OFF}
    assert {24, 12, 8} <= set(table["hours"])
    assert table["block"].str.contains("reserve").any()


def test_breaks_between_working_days_last_24_48_or_72_hours():
    off = (rotation(CONFIG)["shift_code"] == OFF).to_numpy()
    start = int(np.argmin(off))  # a working day, so runs do not wrap
    runs, length = [], 0
    for is_off in np.roll(off, -start):
        if is_off:
            length += 1
        elif length:
            runs.append(length)
            length = 0
    runs += [length] if length else []
    assert set(runs) <= {1, 2, 3}
    assert {1, 2, 3} <= set(runs)


def test_every_shift_is_followed_by_enough_rest():
    """12 h between any shifts, 24 h after a 24 h block, 48 h after the last night of a block."""
    windows = _shift_windows(rotation(CONFIG))
    for (_, end, code), (next_start, _, next_code) in zip(windows, windows[1:], strict=False):
        rest = next_start - end
        assert rest >= 12, (code, rest)
        if code == "D24":
            assert rest >= 24, (code, rest)
        if code == "N12" and next_code != "N12":
            assert rest >= 48, (code, rest)


def test_a_rotation_that_does_not_match_cycle_days_fails_clearly():
    with pytest.raises(ValueError, match="cycle_days"):
        rotation(load_config("small", shifts={"cycle_days": 14}))


def test_schedule_rows_are_working_shifts_of_medical_staff_only(march, staff):
    assert list(march.columns) == COLUMNS
    assert march["role"].isin(CONFIG.shifts.medical_roles).all()
    assert march["work_date"].dt.month.eq(3).all() and march["work_date"].dt.day.nunique() == 31
    assert set(march["shift_code"]) <= set(SHIFT_TYPES)
    medical = staff[staff["role"].isin(CONFIG.shifts.medical_roles)]
    assert set(march["staff_id"]) == set(medical["staff_id"])
    assert not march.duplicated(["staff_id", "work_date"]).any()


def test_shift_times_match_their_code(march):
    hours = (march["shift_end"] - march["shift_start"]) / pd.Timedelta(hours=1)
    assert (hours == march["hours"]).all()
    expected = march["shift_code"].map({c: h for c, (h, _, _) in SHIFT_TYPES.items()})
    assert (march["shift_start"].dt.hour == expected).all()
    assert (march["shift_start"].dt.normalize() == march["work_date"]).all()


def test_each_person_works_the_rotation_share_of_days(march):
    working_days = (rotation(CONFIG)["shift_code"] != OFF).sum()
    per_person = march.groupby("staff_id").size()
    expected = 31 * working_days / CONFIG.shifts.cycle_days
    assert per_person.between(expected - 2, expected + 2).all()


def test_the_pattern_continues_across_month_boundaries(staff, march):
    both = pd.concat([march, monthly_schedule(CONFIG, staff, 2024, 4)], ignore_index=True)
    table = rotation(CONFIG)["shift_code"].to_numpy()
    since_start = (both["work_date"] - pd.Timestamp(CONFIG.simulation.start_date)).dt.days
    position = (since_start.to_numpy() + phases(CONFIG, both["staff_id"])) % len(table)
    assert (table[position] == both["shift_code"].to_numpy()).all()


def test_every_department_has_a_senior_on_shift_every_day(march):
    seniors = march[march["experience_level"] == "Senior"]
    cover = seniors.groupby(["work_date", "department"]).size().unstack(fill_value=0)
    cover = cover.reindex(columns=DEPARTMENTS, fill_value=0)
    assert len(cover) == 31
    assert (cover > 0).all().all()
    assert march.attrs["uncovered"] == []


def test_missing_senior_cover_is_fixed_by_a_recorded_reassignment(staff):
    no_seniors = ~((staff["department"] == "Oncology") & (staff["experience_level"] == "Senior"))
    schedule = monthly_schedule(CONFIG, staff[no_seniors], 2024, 3)
    oncology = schedule[schedule["department"] == "Oncology"]
    covering = oncology[oncology["experience_level"] == "Senior"]
    assert covering["work_date"].nunique() == 31
    assert covering["reassigned"].all()
    assert covering["reassigned_from"].isin(DEPARTMENTS).all()
    assert (covering["reassigned_from"] != "Oncology").all()
    assert schedule.loc[~schedule["reassigned"], "reassigned_from"].isna().all()


def test_reassignment_takes_from_the_best_covered_department_and_prefers_doctors(staff):
    no_seniors = ~((staff["department"] == "Oncology") & (staff["experience_level"] == "Senior"))
    schedule = monthly_schedule(CONFIG, staff[no_seniors], 2024, 3)
    moved = schedule[schedule["reassigned"] & (schedule["department"] == "Oncology")]
    seniors = schedule[schedule["experience_level"] == "Senior"]
    before = seniors.assign(department=seniors["reassigned_from"].fillna(seniors["department"]))
    counts = before.groupby(["work_date", "department"]).size()
    for row in moved.itertuples():
        day = counts.loc[row.work_date]
        assert day[row.reassigned_from] == day.max() >= 2
        donors = before[
            (before["work_date"] == row.work_date) & (before["department"] == row.reassigned_from)
        ]
        if donors["role"].isin(DOCTOR_ROLES).any():
            assert row.role in DOCTOR_ROLES


def test_on_duty_selects_the_shifts_in_progress(march):
    when = pd.Timestamp("2024-03-10 03:00")
    duty = on_duty(march, when)
    assert len(duty) > 0
    assert ((duty["shift_start"] <= when) & (duty["shift_end"] > when)).all()
    assert set(duty["shift_code"]) <= {"D24", "N12"}  # only night cover at 03:00
    daytime = on_duty(march, dt.datetime(2024, 3, 10, 10, 0))
    assert len(daytime) > len(duty)


def test_same_staff_give_identical_schedules(staff, march):
    pd.testing.assert_frame_equal(monthly_schedule(CONFIG, staff, 2024, 3), march)


def test_a_month_is_scheduled_from_the_latest_quarter_started_by_its_first_day():
    from hospital_twin.setup.schedules import roster_quarter

    quarters = [dt.date(2024, 1, 15), dt.date(2024, 4, 1), dt.date(2024, 7, 1)]
    assert roster_quarter(dt.date(2024, 4, 1), quarters) == dt.date(2024, 4, 1)
    assert roster_quarter(dt.date(2024, 6, 1), quarters) == dt.date(2024, 4, 1)
    assert roster_quarter(dt.date(2024, 12, 1), quarters) == dt.date(2024, 7, 1)
    # The first month starts before the simulation's first snapshot: that snapshot staffs it.
    assert roster_quarter(dt.date(2024, 1, 1), reversed(quarters)) == dt.date(2024, 1, 15)
