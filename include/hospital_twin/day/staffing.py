"""Who is on duty: the staff member picked for an admission or an ambulance crew.

Staff come from the day's shifts (the schedules that touch D, setup.schedules.shifts_touching):
someone on duty in the right department at the right time when there is one, and a sensible
fallback otherwise, so every admission and transport names a rostered staff member.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hospital_twin.config import HospitalConfig
from hospital_twin.contracts import ADMITTING_STAFF_COLUMNS, DOCTOR_ROLES, NURSE_ROLES


def pick_on_duty(
    schedule: pd.DataFrame,
    roles: Sequence[str],
    departments: Sequence[str],
    times: Sequence[pd.Timestamp] | np.ndarray,
    rng: np.random.Generator,
) -> list:
    """A staff id per (department, time): on duty there, else on duty anywhere, else rostered
    in the department that day, else rostered anywhere; None only when nobody is rostered."""
    staff = schedule[schedule["role"].isin(roles)]
    if "hours" in staff.columns:
        staff = staff[staff["hours"] > 0]
    start, end = _shift_window(staff)
    dept, ids = staff["department"].to_numpy(dtype=object), staff["staff_id"].to_numpy(dtype=object)
    picked = []
    for d, t in zip(departments, np.asarray(times, dtype="datetime64[us]"), strict=True):
        on, here = (start <= t) & (t < end), dept == d
        for mask in (on & here, on, here, np.ones(len(ids), dtype=bool)):
            idx = np.flatnonzero(mask)
            if len(idx):
                picked.append(ids[idx[rng.integers(len(idx))]])
                break
        else:
            picked.append(None)
    return picked


def _shift_window(schedule: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Shift start and end instants (a shift ending at or before its start ends the next day)."""
    bounds = []
    for col in ("shift_start", "shift_end"):
        values = schedule[col]
        if not pd.api.types.is_datetime64_any_dtype(values):  # a time of day: put it on work_date
            day = pd.to_datetime(schedule["work_date"]).dt.strftime("%Y-%m-%d")
            values = pd.to_datetime(day + " " + values.astype(str))
        bounds.append(np.asarray(values, dtype="datetime64[us]"))
    start, end = bounds
    end = np.where(end <= start, end + np.timedelta64(1, "D"), end)
    return start, end


def assign_admitting_staff(
    admissions: pd.DataFrame,
    schedule_for_day: pd.DataFrame,
    rng: np.random.Generator,
    config: HospitalConfig | None = None,
) -> pd.DataFrame:
    """Admissions with the admitting staff added (`admitting_doctor_id`, `admitting_nurse_id`).

    Staff are picked on duty at admission (arrival for refused patients) in the department
    of the ward (the wanted ward when refused; `config` maps wards to departments, else the
    ward's name is its department), falling back as `pick_on_duty` does.
    """
    ward = admissions["ward"].fillna(admissions["requested_ward"])
    dept = ward.map(lambda w: config.ward(w).department) if config is not None else ward
    times = admissions["admitted_at"].fillna(admissions["arrival_time"])
    out = admissions.copy()
    like = schedule_for_day["staff_id"].dtype
    for col, roles in zip(ADMITTING_STAFF_COLUMNS, (DOCTOR_ROLES, NURSE_ROLES), strict=True):
        ids = pick_on_duty(schedule_for_day, roles, dept.tolist(), times.to_numpy(), rng)
        out[col] = pd.array(ids, dtype="Int64") if pd.api.types.is_integer_dtype(like) else ids
    return out
