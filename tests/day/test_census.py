"""The warm-up census and the length-of-stay models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hospital_twin.config import LengthOfStay
from hospital_twin.day import flow
from tests.day.helpers import CONFIG, DAY

# --- warm-up state and length of stay ---------------------------------------------------


def test_warmup_census_fills_beds_at_the_warmup_occupancy_with_stays_in_progress():
    census = flow.warmup_census(CONFIG, DAY, person_ids=np.arange(10_000))
    counts = census["ward"].value_counts()
    for w in CONFIG.wards:
        assert counts.get(w.name, 0) == round(w.beds * CONFIG.simulation.warmup_occupancy)
    assert (census["admitted_at"] <= pd.Timestamp(DAY)).all()
    assert (census["expected_discharge_at"] >= pd.Timestamp(DAY)).all()
    assert census["person_id"].is_unique and census["admission_id"].is_unique


@pytest.mark.parametrize("ward", ["Medicine", "Surgery"])
def test_warmup_remaining_stay_has_the_equilibrium_residual_mean(ward):
    census = flow.warmup_census(CONFIG, DAY, beds_override={ward: 40_000})
    los = CONFIG.ward(ward).los
    remaining = census.loc[census["ward"] == ward, "expected_discharge_at"] - pd.Timestamp(DAY)
    expected = (los.mean_days**2 + los.sd_days**2) / (2 * los.mean_days)
    assert (remaining / pd.Timedelta(days=1)).mean() == pytest.approx(expected, rel=0.03)


@pytest.mark.parametrize("dist", ["lognormal", "gamma"])
def test_length_of_stay_has_the_configured_mean_and_sd(dist):
    days = flow.draw_los(
        LengthOfStay(dist=dist, mean_days=4.0, sd_days=3.0), np.random.default_rng(1), 200_000
    )
    assert days.mean() == pytest.approx(4.0, rel=0.02) and days.std() == pytest.approx(
        3.0, rel=0.05
    )


def test_empirical_length_of_stay_draws_the_listed_values():
    los = LengthOfStay(dist="empirical", values_days=[1.0, 2.0, 7.0])
    assert set(flow.draw_los(los, np.random.default_rng(1), 500)) == {1.0, 2.0, 7.0}
