"""LOS from thin data: the configured model blended with the fit by the evidence, and the
mean's uncertainty carried into the Monte Carlo as one LOS factor per run."""

from __future__ import annotations

import numpy as np
import pytest

from hospital_twin.capacity.los_fit import PRIOR_LOG_SD, blend_los, from_config
from hospital_twin.capacity.montecarlo import ArrivalIntensity, simulate_occupancy
from hospital_twin.config import LengthOfStay

CONFIGURED = from_config(LengthOfStay(dist="lognormal", mean_days=5, sd_days=4))
TRUTH = from_config(LengthOfStay(dist="lognormal", mean_days=7, sd_days=5))


def test_few_stays_barely_move_the_configured_mean_and_say_so():
    few = blend_los(CONFIGURED, TRUTH.sample(5, np.random.default_rng(1)))
    assert few.data_weight < 0.5 and "too few stays" in few.model.description
    assert 5.0 - 1e-9 <= few.model.mean < 6.5
    assert 0.15 < few.log_sd < PRIOR_LOG_SD


def test_many_stays_recover_the_truth_with_a_small_uncertainty():
    many = blend_los(CONFIGURED, TRUTH.sample(2000, np.random.default_rng(2)))
    assert many.model.mean == pytest.approx(TRUTH.mean, rel=0.05)
    assert many.data_weight > 0.95 and many.log_sd < 0.03


def test_no_completed_stay_keeps_the_configured_model_with_the_prior_uncertainty():
    est = blend_los(CONFIGURED, np.array([1.0, 2.0]), np.array([True, True]))
    assert est.model.mean == pytest.approx(CONFIGURED.mean) and est.log_sd == PRIOR_LOG_SD


def test_los_uncertainty_widens_the_census_but_keeps_its_mean():
    intensity = ArrivalIntensity.constant(10.0, 60)
    fixed = simulate_occupancy(intensity, CONFIGURED, 4000, np.random.default_rng(3))
    est = blend_los(CONFIGURED, np.array([1.0]), np.array([True]))  # prior sd only
    scales = est.scales(4000, np.random.default_rng(4))
    unsure = simulate_occupancy(
        intensity, CONFIGURED, 4000, np.random.default_rng(3), los_scale=scales
    )
    assert unsure[:, -1].mean() == pytest.approx(fixed[:, -1].mean(), rel=0.02)
    assert unsure[:, -1].std() > 1.5 * fixed[:, -1].std()
