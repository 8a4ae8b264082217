"""Workforce: the staff on filled posts, the reserve pool, and turnover quarter by quarter.

Modelled: `workforce.post_groups` give filled posts per group (seed 000: Medical 759, Allied
Health 552, Nursing 2,187, Admin & Support 1,397) split over roles by their shares; every staff
member is at least the role's `min_age` and younger than `retirement_age`, has worked there since
reaching that age or later, and is Junior / Mid / Senior by years of service
(`junior_max_years`, `mid_max_years`). Clinical staff work in the wards' departments or the
Emergency Room (spread in proportion to beds, the ER weighted by its daily capacity), and every
department gets a Senior doctor where posts allow; admin and support staff work in
Administration. Each quarter staff reaching `retirement_age` retire, those with
`long_service_years` retire with `long_service_quarterly_rate`, and each leaver's post is filled
from the reserve pool (`reserve_pool` candidates) by the same role at the same experience level,
or the nearest level when none is left.

Names come from hospital_twin.setup.population's pools; ID numbers from setup.sa_ids, the staff
and the reserve each on their own roll (`id_roll`), so no one's number is another's, in the
population or the workforce. A hired candidate keeps their number and their `reserve` roll.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from hospital_twin.config import HospitalConfig, PostGroup
from hospital_twin.contracts import DOCTOR_ROLES
from hospital_twin.rng import stream
from hospital_twin.setup.names import draw_names
from hospital_twin.setup.population import (
    DATE_DTYPE,
    FEMALE_SHARE,
    SEXES,
    age_on,
    dates_whole_years_before,
    draw_groups,
)
from hospital_twin.setup.sa_ids import make_sa_ids
from hospital_twin.setup.strings import take_strings

COLUMNS = [
    "staff_id", "sa_id", "first_name", "last_name", "sex", "birth_date", "age", "post_group",
    "role", "department", "hire_date", "years_of_service", "experience_level", "status",
    "id_roll",
]  # fmt: skip
LEVELS = ("Junior", "Mid", "Senior")
NON_CLINICAL_GROUPS = ("Admin & Support",)
ADMIN_DEPARTMENT = "Administration"
EMERGENCY_DEPARTMENT = "Emergency Room"
RESERVE_DEPARTMENT = "Unassigned"
FIXED_DEPARTMENTS = {"EMT": EMERGENCY_DEPARTMENT}  # roles that always work in one department
# Staff ages: min_age + Beta(AGE_BETA) x (retirement_age - min_age): most in mid-career.
AGE_BETA = (2.0, 2.5)
# Share of their possible career (since the role's min age) staff have served: Beta(2, 1)
# means most have worked most of it.
SERVICE_BETA = (2.0, 1.0)


def role_counts(post_group: PostGroup) -> dict[str, int]:
    """Posts per role: filled_posts split by share, rounded so they sum exactly."""
    names = [r.name for r in post_group.roles]
    counts = _apportion(np.array([r.share for r in post_group.roles]), post_group.filled_posts)
    return dict(zip(names, counts.tolist(), strict=True))


def _apportion(weights: np.ndarray, total: int) -> np.ndarray:
    """Largest-remainder rounding of total x weights / sum(weights)."""
    raw = weights / weights.sum() * total
    counts = np.floor(raw).astype(np.int64)
    counts[np.argsort(-(raw - counts), kind="stable")[: total - counts.sum()]] += 1
    return counts


def clinical_departments(config: HospitalConfig) -> dict[str, float]:
    """Departments clinical staff work in, weighted by beds (the ER by its daily capacity)."""
    weights: dict[str, float] = {}
    for ward in config.wards:
        weights[ward.department] = weights.get(ward.department, 0) + ward.beds
    er_capacity = config.visits.outpatient_capacity.get(EMERGENCY_DEPARTMENT)
    weights[EMERGENCY_DEPARTMENT] = er_capacity or float(np.mean(list(weights.values())))
    return weights


def experience_level(config: HospitalConfig, years: np.ndarray | pd.Series) -> pd.Series:
    """Junior up to junior_max_years of service, Mid up to mid_max_years, then Senior."""
    wf = config.workforce
    years = np.asarray(years)
    code = (years > wf.junior_max_years).astype(np.int64) + (years > wf.mid_max_years)
    return take_strings(pa.array(LEVELS), code)


def _role_table(config: HospitalConfig, counts: dict[tuple[str, str], int]) -> pd.DataFrame:
    """One row per person to create: post group, role and the role's minimum age."""
    min_age = {(g.name, r.name): r.min_age for g in config.workforce.post_groups for r in g.roles}
    keys = [k for k, n in counts.items() for _ in range(n)]
    return pd.DataFrame(
        {
            "post_group": pd.Series([k[0] for k in keys], dtype="str"),
            "role": pd.Series([k[1] for k in keys], dtype="str"),
            "min_age": np.array([min_age[k] for k in keys], dtype=np.int64),
        }
    )


def _people(config: HospitalConfig, roles: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Demographics, service and experience as of the simulation start for `roles` rows.

    `kind` ('staff' or 'reserve') names the random streams and the SA ID roll.
    """
    seed, start, n = config.seed, config.simulation.start_date, len(roles)
    retire = config.workforce.retirement_age
    if (roles["min_age"] >= retire).any():
        raise ValueError(f"a role's min_age is not below retirement_age {retire}")
    rng = stream(seed, None, f"workforce.{kind}.people")
    min_age = roles["min_age"].to_numpy()
    age = min_age + (rng.beta(*AGE_BETA, n) * (retire - min_age)).astype(np.int64)
    served = (rng.beta(*SERVICE_BETA, n) * (age - min_age + 1)).astype(np.int64)
    served = np.minimum(served, age - min_age)
    birth = dates_whole_years_before(start, age, rng.random(n))
    male = rng.random(n) >= FEMALE_SHARE
    groups = draw_groups(rng, config.population.group_shares, n)
    first, last = draw_names(stream(seed, None, f"workforce.{kind}.names"), groups, male)
    ids = make_sa_ids(stream(seed, None, f"workforce.{kind}.sa_id"), birth, male, roll=kind)
    return pd.DataFrame(
        {
            "sa_id": ids,
            "id_roll": take_strings(pa.array([kind]), np.zeros(n, np.int64)),
            "first_name": first,
            "last_name": last,
            "sex": take_strings(pa.array(SEXES), male.astype(np.int64)),
            "birth_date": birth.astype(DATE_DTYPE),
            "age": age,
            "post_group": roles["post_group"],
            "role": roles["role"],
            "hire_date": dates_whole_years_before(start, served, rng.random(n)).astype(DATE_DTYPE),
            "years_of_service": served,
            "experience_level": experience_level(config, served),
        }
    )


def _ids(prefix: str, numbers: np.ndarray) -> pd.Series:
    return pd.Series([f"{prefix}{k:05d}" for k in numbers], dtype="str")


def _assign_departments(
    config: HospitalConfig, staff: pd.DataFrame, rng: np.random.Generator
) -> pd.Series:
    """Clinical staff spread over departments by weight, then one Senior doctor per department.

    Senior doctors (DOCTOR_ROLES) are dealt one to each department, largest first, so every
    department has one while there are enough of them.
    """
    weights = clinical_departments(config)
    names = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    dept = names[rng.choice(len(names), size=len(staff), p=p / p.sum())]
    for role, department in FIXED_DEPARTMENTS.items():
        dept[(staff["role"] == role).to_numpy()] = department
    dept[staff["post_group"].isin(NON_CLINICAL_GROUPS).to_numpy()] = ADMIN_DEPARTMENT
    seniors = staff["role"].isin(DOCTOR_ROLES) & (staff["experience_level"] == "Senior")
    seniors = rng.permutation(np.flatnonzero(seniors.to_numpy()))
    largest_first = sorted(weights, key=lambda d: -weights[d])
    for department, row in zip(largest_first, seniors, strict=False):
        dept[row] = department
    return pd.Series(dept, dtype="str")


def generate_staff(config: HospitalConfig) -> pd.DataFrame:
    """Active staff on the simulation start date, one row per filled post (COLUMNS)."""
    counts = {
        (g.name, role): n
        for g in config.workforce.post_groups
        for role, n in role_counts(g).items()
    }
    staff = _people(config, _role_table(config, counts), "staff")
    staff["staff_id"] = _ids("S", np.arange(1, len(staff) + 1))
    rng = stream(config.seed, None, "workforce.staff.departments")
    staff["department"] = _assign_departments(config, staff, rng)
    staff["status"] = pd.Series(["active"] * len(staff), dtype="str")
    return staff[COLUMNS]


def generate_reserve_pool(config: HospitalConfig) -> pd.DataFrame:
    """Candidates to replace leavers, roles in proportion to posts (COLUMNS, status 'reserve')."""
    wf = config.workforce
    keys = [(g.name, r.name) for g in wf.post_groups for r in g.roles]
    weights = np.array(
        [
            g.filled_posts * r.share / sum(x.share for x in g.roles)
            for g in wf.post_groups
            for r in g.roles
        ]
    )
    counts = dict(zip(keys, _apportion(weights, wf.reserve_pool).tolist(), strict=True))
    reserve = _people(config, _role_table(config, counts), "reserve")
    reserve["staff_id"] = _ids("R", np.arange(1, len(reserve) + 1))
    reserve["department"] = pd.Series([RESERVE_DEPARTMENT] * len(reserve), dtype="str")
    reserve["hire_date"] = pd.Series(pd.NaT, index=reserve.index, dtype=DATE_DTYPE)
    reserve["status"] = pd.Series(["reserve"] * len(reserve), dtype="str")
    return reserve[COLUMNS]


def quarter_starts(config: HospitalConfig) -> list[dt.date]:
    """The simulation start, then every calendar quarter start up to the end date."""
    start, end = config.simulation.start_date, config.simulation.end_date
    later = [d.date() for d in pd.date_range(start, end, freq="QS") if d.date() > start]
    return [start, *later]


def _advance(config: HospitalConfig, frame: pd.DataFrame, when: dt.date) -> pd.DataFrame:
    """Age, years of service and experience level as of `when`."""
    frame = frame.copy()
    frame["age"] = age_on(frame["birth_date"], when)
    frame["years_of_service"] = age_on(frame["_service_start"], when)
    level = experience_level(config, frame["years_of_service"])
    frame["experience_level"] = level.set_axis(frame.index)
    return frame


def _level_preference(level: str) -> list[str]:
    """The leaver's level first, then the nearest (the more experienced on a tie)."""
    i = LEVELS.index(level)
    return sorted(LEVELS, key=lambda x: (abs(LEVELS.index(x) - i), -LEVELS.index(x)))


def _hire(
    config: HospitalConfig,
    leavers: pd.DataFrame,
    pool: pd.DataFrame,
    when: dt.date,
    rng: np.random.Generator,
    first_number: int,
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Fill each leaver's post (role, department) from the pool: (hires, pool left, fallbacks).

    A candidate must be below retirement age on `when` and of the leaver's experience level, or
    the nearest level available (counted as a fallback). Leavers are few, so they are a loop.
    """
    pool = _advance(config, pool, when)
    eligible = (pool["age"] < config.workforce.retirement_age).to_numpy()
    roles, levels = pool["role"].to_numpy(object), pool["experience_level"].to_numpy(object)
    taken = np.zeros(len(pool), bool)
    picks, posts, fallbacks = [], [], 0
    for role, level, department in leavers[["role", "experience_level", "department"]].itertuples(
        index=False
    ):
        for wanted in _level_preference(level):
            free = np.flatnonzero(eligible & ~taken & (roles == role) & (levels == wanted))
            if len(free):
                pick = free[rng.integers(len(free))]
                taken[pick] = True
                picks.append(pick)
                posts.append(department)
                fallbacks += wanted != level
                break
    hires = pool.iloc[picks].reset_index(drop=True)
    hires["staff_id"] = _ids("S", np.arange(first_number, first_number + len(hires)))
    hires["department"] = pd.Series(posts, dtype="str")
    hires["hire_date"] = pd.Series([pd.Timestamp(when)] * len(hires), dtype=DATE_DTYPE)
    hires["status"] = pd.Series(["active"] * len(hires), dtype="str")
    return hires, pool[~taken].reset_index(drop=True), fallbacks


def _leaving(config: HospitalConfig, active: pd.DataFrame, when: dt.date) -> tuple[np.ndarray, ...]:
    """Who retires at `when`: by age, and by long service at the quarterly rate."""
    wf = config.workforce
    by_age = (active["age"] >= wf.retirement_age).to_numpy()
    long_service = (active["years_of_service"] >= wf.long_service_years).to_numpy()
    draw = stream(config.seed, when, "workforce.long_service").random(len(active))
    return by_age, ~by_age & long_service & (draw < wf.long_service_quarterly_rate)


def evolve_quarterly(
    config: HospitalConfig, staff: pd.DataFrame, reserve: pd.DataFrame
) -> tuple[dict[dt.date, pd.DataFrame], pd.DataFrame]:
    """Active staff at each quarter start (snapshots) and what changed (summary, one row each).

    The first snapshot is `staff` as of the simulation start; at each later quarter start, ages
    and years of service advance, retirements happen and leavers are replaced from the reserve.
    Hires get new staff ids and keep their service years (their experience counts).
    """
    start = config.simulation.start_date
    active = staff.assign(_service_start=staff["hire_date"]).reset_index(drop=True)
    years = reserve["years_of_service"].to_numpy()
    service_start = dates_whole_years_before(start, years, np.zeros(len(reserve)))
    pool = reserve.assign(_service_start=service_start.astype(DATE_DTYPE)).reset_index(drop=True)
    next_number = int(staff["staff_id"].str[1:].astype(int).max()) + 1
    snapshots, rows = {}, []
    for i, quarter in enumerate(quarter_starts(config)):
        active = _advance(config, active, quarter)
        changes = {"retired_age": 0, "retired_service": 0, "hired": 0, "level_fallbacks": 0}
        if i > 0:
            by_age, by_service = _leaving(config, active, quarter)
            leavers = active[by_age | by_service]
            rng = stream(config.seed, quarter, "workforce.hiring")
            hires, pool, fallbacks = _hire(config, leavers, pool, quarter, rng, next_number)
            next_number += len(hires)
            active = pd.concat([active[~(by_age | by_service)], hires], ignore_index=True)
            changes = {
                "retired_age": int(by_age.sum()),
                "retired_service": int(by_service.sum()),
                "hired": len(hires),
                "level_fallbacks": fallbacks,
            }
        snapshots[quarter] = active[COLUMNS].reset_index(drop=True)
        rows.append(_summary_row(config, quarter, active, changes, len(pool)))
    return snapshots, pd.DataFrame(rows)


def _summary_row(
    config: HospitalConfig, quarter: dt.date, active: pd.DataFrame, changes: dict, pool: int
) -> dict:
    posts = active["post_group"].value_counts()
    return {
        "quarter": pd.Timestamp(quarter),
        "headcount": len(active),
        **changes,
        "unfilled": sum(g.filled_posts for g in config.workforce.post_groups) - len(active),
        "reserve_remaining": pool,
        **{g.name: int(posts.get(g.name, 0)) for g in config.workforce.post_groups},
    }


def staff_dimension(employed: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """dim_staff: everyone who is or was on the staff, or in the reserve, once each.

    `employed` lists the quarterly snapshots in date order, then the initial staff and the
    reserve; a person keeps their row from the first frame that holds them.
    """
    return pd.concat(employed, ignore_index=True).drop_duplicates("staff_id", keep="first")


def summary_records(summary: pd.DataFrame) -> pd.DataFrame:
    """workforce_summary rows: each quarter's summary (from `evolve_quarterly`) as JSON text."""
    return pd.DataFrame(
        {
            "quarter_start": pd.to_datetime(summary["quarter"]).dt.date,
            "summary": [json.dumps(r, default=str) for r in summary.to_dict(orient="records")],
        }
    )
