"""The catchment population: everyone who could walk into the hospital, once, at setup.

Modelled: `config.population.size` people living in `config.population.province`, aged
`min_age`..`max_age` on the simulation start date, split into the census population groups by
`population.group_shares` (seed 000, DESIGN.md §3). Each person has a sex, a birth date, a name
from their group's name pool (Black African names by home language), a Gauteng street address
and a valid 13-digit South African ID number.

Figures that describe the population rather than the hospital live here, with their source:
the age pyramid and the female share are Stats SA mid-year population estimates (2022). Names
and addresses are drawn from the pools in `setup.names` (home languages: Census 2011; suburbs:
SA Post Office codes), ID numbers are made by `setup.sa_ids` (Home Affairs' layout).

Everything is vectorised: for each person we only draw indices into prebuilt pools, so millions
of people take seconds (benchmarks/bench_population.py).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from hospital_twin.config import HospitalConfig
from hospital_twin.rng import stream
from hospital_twin.setup.names import draw_addresses, draw_names
from hospital_twin.setup.sa_ids import make_sa_ids, validate_sa_id, year_monthday
from hospital_twin.setup.strings import take_strings

# `validate_sa_id` lives in setup.sa_ids; re-exported for tests/airflow, which imports it here.
__all__ = [
    "AGE_BAND_SHARES", "COLUMNS", "DATE_DTYPE", "FEMALE_SHARE", "SEXES", "age_on",
    "dates_whole_years_before", "draw_ages", "draw_groups", "generate_population",
    "validate_sa_id",
]  # fmt: skip

COLUMNS = [
    "person_id", "sa_id", "first_name", "last_name", "population_group", "sex", "birth_date",
    "age", "street_address", "suburb", "city", "postal_code", "province",
]  # fmt: skip
SEXES = np.array(["F", "M"])
DATE_DTYPE = "datetime64[us]"

# Stats SA mid-year estimates 2022: share of people per 5-year band 0-4, 5-9, ..., 80-84, 85+.
AGE_BAND_SHARES = np.array(
    [9.4, 9.3, 9.0, 8.3, 8.2, 8.6, 9.0, 8.4, 6.9, 5.5, 4.6, 3.9, 3.2, 2.5, 1.7, 1.0, 0.5, 0.3]
)
FEMALE_SHARE = 0.511


def draw_ages(rng: np.random.Generator, n: int, min_age: int, max_age: int) -> np.ndarray:
    """Whole-year ages following the SA age pyramid, truncated to min_age..max_age."""
    ages = np.arange(min_age, max_age + 1)
    weights = AGE_BAND_SHARES[np.minimum(ages // 5, len(AGE_BAND_SHARES) - 1)]
    return rng.choice(ages, size=n, p=weights / weights.sum())


def dates_whole_years_before(
    reference: dt.date | pd.Timestamp, years: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Dates from which exactly `years` whole years have passed on `reference`.

    `u` (uniform in [0, 1)) places each date within its one-year window, so a birth date drawn
    for age k gives age k on the reference date, leap days included.
    """
    years = np.asarray(years, dtype=np.int64)
    ref = pd.Timestamp(reference)
    ks = range(int(years.max(initial=0)) + 2)
    anniversaries = np.array([ref - pd.DateOffset(years=k) for k in ks], dtype="datetime64[D]")
    latest = anniversaries[:-1]
    earliest = anniversaries[1:] + np.timedelta64(1, "D")
    span = (latest - earliest).astype(np.int64) + 1
    return earliest[years] + (np.asarray(u) * span[years]).astype(np.int64)


def age_on(birth_dates: np.ndarray | pd.Series, when: dt.date | pd.Timestamp) -> np.ndarray:
    """Whole years of age on `when` (a birthday counts from the day itself)."""
    year, monthday = year_monthday(birth_dates)
    w = pd.Timestamp(when)
    return (w.year - year) - ((w.month * 100 + w.day) < monthday)


def draw_groups(rng: np.random.Generator, shares: dict[str, float], n: int) -> pd.Series:
    """Population group per person, by the configured shares."""
    names = list(shares)
    p = np.array([shares[g] for g in names])
    return take_strings(pa.array(names, pa.string()), rng.choice(len(names), size=n, p=p / p.sum()))


def generate_population(config: HospitalConfig, size: int | None = None) -> pd.DataFrame:
    """The catchment population on the simulation start date: one row per person (COLUMNS)."""
    spec, seed = config.population, config.seed
    n = spec.size if size is None else size
    groups = draw_groups(stream(seed, None, "population.group"), spec.group_shares, n)
    male = stream(seed, None, "population.sex").random(n) >= FEMALE_SHARE
    ages_rng = stream(seed, None, "population.age")
    ages = draw_ages(ages_rng, n, spec.min_age, spec.max_age)
    birth = dates_whole_years_before(config.simulation.start_date, ages, ages_rng.random(n))
    first, last = draw_names(stream(seed, None, "population.names"), groups, male)
    frame = pd.DataFrame(
        {
            "person_id": np.arange(1, n + 1, dtype=np.int64),
            "sa_id": make_sa_ids(
                stream(seed, None, "population.sa_id"), birth, male, roll="population"
            ),
            "first_name": first,
            "last_name": last,
            "population_group": groups,
            "sex": take_strings(pa.array(SEXES), male.astype(np.int64)),
            "birth_date": birth.astype(DATE_DTYPE),
            "age": ages.astype(np.int64),
            **draw_addresses(stream(seed, None, "population.address"), groups, spec.province),
        }
    )
    frame["province"] = take_strings(pa.array([spec.province]), np.zeros(n, np.int64))
    return frame[COLUMNS]
