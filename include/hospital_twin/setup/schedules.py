"""Shift schedules: who of the medical staff works when, month by month, with senior cover.

Modelled: medical staff (`config.shifts.medical_roles`) follow one rotation of
`config.shifts.cycle_days` days (seed 000: 21) built from named blocks - 24 h on/off, 12 h day
and night blocks, 8 h shifts with reserve (standby) hours, and breaks of 24, 48 and 72 hours.
Each person starts the rotation at a fixed phase (their staff number modulo the cycle), counted
from the simulation start, so consecutive months join up without a break in anyone's pattern.

Rule (seed 000): every department has at least one Senior on shift every day. Where the rota
leaves a department without one, a Senior on shift in the department with the most Seniors that
day is reassigned (doctors first), and the row records `reassigned` and `reassigned_from`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from hospital_twin.config import HospitalConfig
from hospital_twin.contracts import DOCTOR_ROLES
from hospital_twin.setup.population import DATE_DTYPE
from hospital_twin.setup.strings import take_strings
from hospital_twin.setup.workforce import clinical_departments

COLUMNS = [
    "staff_id", "work_date", "shift_code", "shift_start", "shift_end", "hours", "department",
    "role", "experience_level", "reassigned", "reassigned_from",
]  # fmt: skip
OFF = "OFF"
SENIOR = "Senior"
# Shift types: code -> (start hour, hours, what it is).
SHIFT_TYPES = {
    "D24": (8, 24, "24 h on-call block"),
    "D12": (7, 12, "12 h day"),
    "N12": (19, 12, "12 h night"),
    "E8": (7, 8, "8 h early"),
    "L8": (15, 8, "8 h late"),
    "R8": (8, 8, "8 h reserve hours (standby to cover absence)"),
}
# The rotation, as named blocks of days; together they make one cycle.
ROTATION_BLOCKS = (
    ("24 h on/off", ("D24", OFF, "D24")),
    ("48 h break", (OFF, OFF)),
    ("12 h days", ("D12", "D12")),
    ("12 h nights", ("N12", "N12")),
    ("72 h break", (OFF, OFF, OFF)),
    ("8 h shifts with reserve hours", ("E8", "E8", "R8", "L8", "L8")),
    ("48 h break", (OFF, OFF)),
    ("reserve hours", ("R8",)),
    ("24 h break", (OFF,)),
)


def rotation(config: HospitalConfig) -> pd.DataFrame:
    """The cycle day by day: cycle_day (0-based), block, shift_code, start_hour, hours."""
    rows = [(name, code) for name, codes in ROTATION_BLOCKS for code in codes]
    if len(rows) != config.shifts.cycle_days:
        raise ValueError(
            f"the rotation has {len(rows)} days but shifts.cycle_days is {config.shifts.cycle_days}"
        )
    frame = pd.DataFrame(rows, columns=["block", "shift_code"])
    frame.insert(0, "cycle_day", np.arange(len(frame)))
    frame["start_hour"] = frame["shift_code"].map(lambda c: SHIFT_TYPES.get(c, (0, 0))[0])
    frame["hours"] = frame["shift_code"].map(lambda c: SHIFT_TYPES.get(c, (0, 0))[1])
    return frame


def phases(config: HospitalConfig, staff_ids: pd.Series) -> np.ndarray:
    """Each person's fixed offset into the cycle: their staff number modulo the cycle."""
    numbers = staff_ids.str.extract(r"(\d+)", expand=False).astype(np.int64).to_numpy()
    return numbers % config.shifts.cycle_days


def _rota(config: HospitalConfig, medical: pd.DataFrame, days: np.ndarray) -> pd.DataFrame:
    """Working shifts of every person on every day (staff x days, vectorised)."""
    table = rotation(config)
    codes = list(SHIFT_TYPES)
    code_of_day = np.array([codes.index(c) if c in codes else -1 for c in table["shift_code"]])
    offset = (days - np.datetime64(config.simulation.start_date, "D")).astype(np.int64)
    position = (offset[None, :] + phases(config, medical["staff_id"])[:, None]) % len(table)
    code = code_of_day[position]
    person, day = np.nonzero(code >= 0)
    code = code[person, day]
    start_hour = np.array([SHIFT_TYPES[c][0] for c in codes])[code]
    hours = np.array([SHIFT_TYPES[c][1] for c in codes], dtype=float)[code]
    work_date = days[day].astype(DATE_DTYPE)
    shift_start = work_date + (start_hour * 3600 * 10**6).astype("timedelta64[us]")
    pick = medical.iloc[person].reset_index(drop=True)
    return pd.DataFrame(
        {
            "staff_id": pick["staff_id"],
            "work_date": work_date,
            "shift_code": take_strings(pa.array(codes), code),
            "shift_start": shift_start,
            "shift_end": shift_start + (hours * 3600 * 10**6).astype("timedelta64[us]"),
            "hours": hours,
            "department": pick["department"],
            "role": pick["role"],
            "experience_level": pick["experience_level"],
            "reassigned": np.zeros(len(pick), bool),
            "reassigned_from": pd.Series([None] * len(pick), dtype="str"),
        }
    )


def _senior_grid(
    schedule: pd.DataFrame, departments: list[str], days: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day index and department index of each row, and Seniors on shift per (day, department)."""
    day = (schedule["work_date"].to_numpy().astype("datetime64[D]") - days[0]).astype(np.int64)
    dept = pd.Categorical(schedule["department"], categories=departments).codes.astype(np.int64)
    counted = (schedule["experience_level"] == SENIOR).to_numpy() & (dept >= 0)
    grid = np.zeros((len(days), len(departments)), np.int64)
    np.add.at(grid, (day[counted], dept[counted]), 1)
    return day, dept, grid


def ensure_senior_cover(
    config: HospitalConfig, schedule: pd.DataFrame, days: np.ndarray
) -> pd.DataFrame:
    """Reassign Seniors so every department has one on shift every day (where any can be spared).

    For each uncovered (day, department) - a few per month - the donor is the department with
    the most Seniors on shift that day, if it has at least two; its Senior doctors
    (DOCTOR_ROLES) move first, then other Seniors, lowest staff id first. Department-days that
    cannot be covered are listed in `attrs["uncovered"]`.
    """
    departments = list(clinical_departments(config))
    day, dept, grid = _senior_grid(schedule, departments, days)
    senior = (schedule["experience_level"] == SENIOR).to_numpy()
    not_doctor = ~schedule["role"].isin(DOCTOR_ROLES).to_numpy()
    staff_ids = schedule["staff_id"].to_numpy(object)
    moved_from = np.full(len(schedule), -1)
    uncovered = []
    for d, k in np.argwhere(grid == 0):
        donor = int(np.argmax(grid[d]))
        if grid[d, donor] < 2:
            uncovered.append((days[d].astype(dt.date), departments[k]))
            continue
        rows = np.flatnonzero((day == d) & (dept == donor) & senior & (moved_from < 0))
        row = rows[np.lexsort((staff_ids[rows], not_doctor[rows]))[0]]
        dept[row], moved_from[row] = k, donor
        grid[d, donor] -= 1
        grid[d, k] += 1
    out = schedule.copy()
    moved = moved_from >= 0
    names = pa.array(departments)
    out.loc[moved, "department"] = take_strings(names, dept[moved]).to_numpy()
    out.loc[moved, "reassigned_from"] = take_strings(names, moved_from[moved]).to_numpy()
    out["reassigned"] = moved
    out.attrs["uncovered"] = uncovered
    return out


def month_days(year: int, month: int) -> np.ndarray:
    first = np.datetime64(dt.date(year, month, 1), "D")
    return np.arange(first, (first.astype("datetime64[M]") + 1).astype("datetime64[D]"))


def monthly_schedule(
    config: HospitalConfig, staff: pd.DataFrame, year: int, month: int
) -> pd.DataFrame:
    """Shifts of the active medical staff in one month (COLUMNS), with senior cover enforced."""
    medical = staff[staff["role"].isin(config.shifts.medical_roles)]
    if "status" in medical:
        medical = medical[medical["status"] == "active"]
    days = month_days(year, month)
    schedule = ensure_senior_cover(config, _rota(config, medical, days), days)
    schedule = schedule.sort_values(["work_date", "shift_start", "staff_id"], ignore_index=True)
    return schedule[COLUMNS]


def on_duty(schedule: pd.DataFrame, when: pd.Timestamp | dt.datetime) -> pd.DataFrame:
    """Shifts in progress at `when` (start <= when < end).

    A night or 24 h shift that began the previous evening belongs to the previous day's row: in
    the first hours of a month, include the previous month's schedule.
    """
    when = pd.Timestamp(when)
    return schedule[(schedule["shift_start"] <= when) & (schedule["shift_end"] > when)]


def shifts_touching(monthly: Sequence[pd.DataFrame], day: dt.date) -> pd.DataFrame:
    """The shifts of `monthly` schedules that touch `day`: pass D's month, and the month before
    when D is the 1st (a night shift from the evening before runs into D)."""
    frame = pd.concat(monthly, ignore_index=True).drop_duplicates()
    start, end = pd.Timestamp(day), pd.Timestamp(day) + pd.Timedelta(days=1)
    return frame[(frame["shift_start"] < end) & (frame["shift_end"] > start)].reset_index(drop=True)


def roster_quarter(month_start: dt.date, quarters: Iterable[dt.date]) -> dt.date:
    """The staff snapshot a month is scheduled from: the latest quarter started by the month's
    first day (the first quarter for a month before every snapshot)."""
    quarters = list(quarters)
    return max((q for q in quarters if q <= month_start), default=min(quarters))
