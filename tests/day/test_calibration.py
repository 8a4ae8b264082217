"""Calibration: bed demand fits the beds, and a simulated month runs at a planner's occupancy.

A ward's capacity at 85 % occupancy is 0.85 × beds / (mean LOS + 0.5 day) admissions a day;
its demand is the bed requests for it plus the step-downs it receives (ICU → High Care).
Expected demand comes from `visits.expected_visits` (every person weighted by the visits
they are expected to make) and `flow.admission_candidates` (each visit's chance of needing
a bed), so the one-bed wards of the small profile are judged without a month's sampling
noise; a month of drawn requests is checked against that expectation.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hospital_twin.config import HospitalConfig, load_config
from hospital_twin.day import flow
from hospital_twin.day.visits import VisitSampler, expected_visits, generate_visits
from hospital_twin.setup.illness import assign_illness_profiles
from hospital_twin.setup.population import generate_population

ORDINARY_MONTH = dt.date(2024, 3, 1)  # March: no flu, burns or alcohol season
DAYS = 28
WARD_RANGE, TOTAL_RANGE = (0.6, 1.05), (0.75, 1.0)
CONFIG = load_config("small")


@pytest.fixture(scope="module")
def sampler() -> VisitSampler:
    people = generate_population(CONFIG, size=50_000)
    return VisitSampler.from_frames(people, assign_illness_profiles(CONFIG, people))


def capacity85(config: HospitalConfig) -> pd.Series:
    return pd.Series({w.name: 0.85 * w.beds / (w.los.mean_days + 0.5) for w in config.wards})


def demand(config: HospitalConfig, requests: pd.Series) -> pd.Series:
    """Requests per ward plus the step-downs they send on (each ward's `step_down_prob`)."""
    requests = requests.reindex([w.name for w in config.wards], fill_value=0.0).astype(float)
    out = requests.copy()
    for w in config.wards:
        if w.step_down_to:
            out[w.step_down_to] += w.step_down_prob * requests[w.name]
    return out


def expected_requests(
    config: HospitalConfig, sampler: VisitSampler, month: dt.date, offsets=(4, 14, 24)
) -> pd.Series:
    """Expected bed requests per ward and day, averaged over days of the month (each day
    draws its own triage noise and random routing)."""
    days = [month + dt.timedelta(days=d) for d in offsets]
    per_day = []
    for day in days:
        c = flow.admission_candidates(config, day, expected_visits(config, day, sampler))
        per_day.append((c["p_admit"] * c["expected_visits"]).groupby(c["requested_ward"]).sum())
    return pd.concat(per_day, axis=1).fillna(0.0).mean(axis=1)


@pytest.fixture(scope="module")
def ordinary(sampler) -> pd.Series:
    return expected_requests(CONFIG, sampler, ORDINARY_MONTH)


def test_expected_demand_of_an_ordinary_month_fits_every_ward(ordinary):
    wanted = demand(CONFIG, ordinary)
    ratio = wanted / capacity85(CONFIG)
    assert ratio.between(*WARD_RANGE).all(), ratio.round(2).to_dict()
    total = wanted.sum() / capacity85(CONFIG).sum()
    assert TOTAL_RANGE[0] <= total <= TOTAL_RANGE[1]


def test_a_month_of_bed_requests_matches_the_expectation_and_fits_the_hospital(sampler, ordinary):
    drawn = []
    for d in range(DAYS):
        day = ORDINARY_MONTH + dt.timedelta(days=d)
        drawn.append(flow.bed_requests(CONFIG, day, generate_visits(CONFIG, day, sampler=sampler)))
    requests = pd.concat(drawn)
    assert set(requests["source"]) == {"ED", "direct", "elective"}
    counts = requests.groupby("requested_ward").size()
    total = demand(CONFIG, counts / DAYS).sum() / capacity85(CONFIG).sum()
    assert TOTAL_RANGE[0] <= total <= TOTAL_RANGE[1]
    # each ward's count is a Poisson draw around its expectation
    expected = ordinary * DAYS
    counts = counts.reindex(expected.index, fill_value=0)
    z = (counts - expected) / np.sqrt(expected)
    assert (z.abs() < 4).all(), z.round(1).to_dict()


def test_seasonal_peaks_raise_the_wards_they_feed(sampler, ordinary):
    def ratio(requests: pd.Series) -> pd.Series:
        return demand(CONFIG, requests) / capacity85(CONFIG)

    march = ratio(ordinary)
    june, july, october = (
        ratio(expected_requests(CONFIG, sampler, dt.date(2024, m, 1), offsets=(14,)))
        for m in (6, 7, 10)
    )
    assert june["Pediatrics"] > march["Pediatrics"]  # flu season: pneumonia, bronchiolitis
    assert october["Medicine"] > march["Medicine"]  # alcohol season
    assert march["Surgery"] > july["Surgery"]  # March is an accident month, July is not
    assert all((r < 1.2).all() for r in (june, july, october))


def test_three_simulated_weeks_of_the_default_hospital_run_at_a_planners_occupancy():
    """21 days from the warm-up census (default beds, a 150,000-person catchment sample).

    Every ward's end-of-day occupancy over the last week is between 50 % and 100 % and
    fewer than 5 % of the bed requests are refused. (Wards of 10-20 beds with week-long
    stays swing by about ±15 % from week to week: this checks one seeded run.)
    """
    config = load_config("default")
    people = generate_population(config, size=150_000)
    sampler = VisitSampler.from_frames(people, assign_illness_profiles(config, people))
    census = flow.warmup_census(config, ORDINARY_MONTH)
    ward_days, admissions = [], []
    for d in range(21):
        day = ORDINARY_MONTH + dt.timedelta(days=d)
        result = flow.simulate_day(
            config, day, generate_visits(config, day, sampler=sampler), census
        )
        census = result.census_end
        ward_days.append(result.ward_day)
        admissions.append(result.admissions)
    last_week = pd.concat(ward_days[-7:]).groupby("ward")[["occupancy_end", "beds"]].sum()
    occupancy = last_week["occupancy_end"] / last_week["beds"]
    assert occupancy.between(0.5, 1.0).all(), occupancy.round(2).to_dict()
    status = pd.concat(admissions)["status"]
    assert (status == "refused").mean() < 0.05
