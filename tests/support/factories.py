"""Small synthetic frames with the population / illness / schedule / census contracts.

Tests build their inputs here instead of importing the generators, so the visit, flow and
event tests depend only on the column contracts.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from hospital_twin.config import HospitalConfig

# category -> (condition, department, severity choices)
ILLNESSES = {
    "flu": ("Influenza", "Medicine", [1, 2, 3]),
    "accidents": ("Fracture", "Surgery", [2, 3, 4, 5]),
    "burns": ("Burn", "Surgery", [2, 3, 4]),
    "assault": ("Stab wound", "Surgery", [3, 4, 5]),
    "general": ("Headache", "General Consultation", [1, 2]),
    "chronic": ("Hypertension", "Cardiology", [1, 2, 4]),
    "maternal": ("Pre-eclampsia", "Obstetrics & Gynecology", [2, 3, 4]),
}


def population(n: int = 2000, seed: int = 1, start: dt.date = dt.date(2024, 1, 1)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(1, 86, n)
    birth = pd.to_datetime(
        [start.replace(year=start.year - int(a)) for a in age]
    ) - pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    return pd.DataFrame(
        {
            "person_id": np.arange(1, n + 1, dtype=np.int64) * 7,
            "sa_id": [f"{i:013d}" for i in range(n)],
            "first_name": "Thandi",
            "last_name": "Mokoena",
            "population_group": "Black African",
            "sex": rng.choice(["F", "M"], n),
            "birth_date": birth,
            "age": age,
            "street_address": "1 Main Rd",
            "suburb": "Soweto",
            "city": "Johannesburg",
            "postal_code": "1804",
            "province": "Gauteng",
        }
    )


def illness(
    people: pd.DataFrame, seed: int = 2, shares: dict[str, float] | None = None
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    shares = shares or {c: 1 / len(ILLNESSES) for c in ILLNESSES}
    cats = rng.choice(list(shares), len(people), p=list(shares.values()))
    return pd.DataFrame(
        {
            "person_id": people["person_id"].to_numpy(),
            "condition": [ILLNESSES[c][0] for c in cats],
            "category": cats,
            "severity": [int(rng.choice(ILLNESSES[c][2])) for c in cats],
            "department": [ILLNESSES[c][1] for c in cats],
            "chronic_condition": "None",
            "remedy": "Rest",
        }
    )


def visits(day: dt.date, rows: list[dict]) -> pd.DataFrame:
    """A visits frame from a few hand-written rows (hour, department, triage_level, ...)."""
    out = []
    for i, r in enumerate(rows, 1):
        out.append(
            {
                "visit_id": f"V{day:%Y%m%d}-{i:05d}",
                "sim_date": day,
                "person_id": r.get("person_id", 1000 + i),
                "age": r.get("age", 40),
                "sex": "F",
                "arrival_time": pd.Timestamp(day) + pd.Timedelta(hours=r["hour"]),
                "service": r.get("service", "Emergency Room"),
                "condition": "Test",
                "category": r.get("category", "general"),
                "severity": r.get("severity", 5),
                "department": r.get("department", "Medicine"),
                "triage_level": r.get("triage_level", "Critical"),
                "triage_minutes": r.get("triage_minutes", 0.0),
                "arrival_mode": "Walk-in",
                "is_emergency": False,
            }
        )
    frame = pd.DataFrame(out)
    frame["arrival_time"] = frame["arrival_time"].astype("datetime64[us]")
    return frame


def census(day: dt.date, rows: list[tuple[str, float]]) -> pd.DataFrame:
    """Patients in beds at the start of `day`: (ward, hours after midnight they are due out)."""
    start = pd.Timestamp(day)
    return pd.DataFrame(
        {
            "admission_id": [f"C{i:05d}" for i in range(1, len(rows) + 1)],
            "person_id": np.arange(1, len(rows) + 1, dtype=np.int64),
            "ward": [w for w, _ in rows],
            "admitted_at": [start - pd.Timedelta(days=2)] * len(rows),
            "expected_discharge_at": [start + pd.Timedelta(hours=h) for _, h in rows],
        }
    ).astype({"admitted_at": "datetime64[us]", "expected_discharge_at": "datetime64[us]"})


def schedule(
    day: dt.date,
    departments: list[str],
    roles: tuple[str, ...] = ("Doctor", "Registered Nurse", "EMT"),
    shifts: tuple[tuple[int, int], ...] = ((7, 19), (19, 31)),
) -> pd.DataFrame:
    """One person per (department, role, shift); staff ids are unique and readable."""
    rows, sid = [], 1
    start = pd.Timestamp(day)
    for dept in departments:
        for role in roles:
            for begin, end in shifts:
                rows.append(
                    {
                        "staff_id": sid,
                        "work_date": day,
                        "shift_code": f"D{begin:02d}",
                        "shift_start": start + pd.Timedelta(hours=begin),
                        "shift_end": start + pd.Timedelta(hours=end),
                        "hours": float(end - begin),
                        "department": dept,
                        "role": role,
                        "experience_level": "Senior",
                        "reassigned": False,
                        "reassigned_from": None,
                    }
                )
                sid += 1
    return pd.DataFrame(rows)


def with_ward(config: HospitalConfig, name: str, **changes) -> HospitalConfig:
    """The config with one ward's fields changed (e.g. beds, step_down_prob)."""
    wards = [w.model_copy(update=changes) if w.name == name else w for w in config.wards]
    return config.model_copy(update={"wards": wards})
