"""Closed loop on the twin's own data: the default hospital run for 90 days with
`day.run.run_day` (pure, no services), the capacity inputs read from those days only.

One simulation serves the module (about a minute: population, then 90 days).
"""

from __future__ import annotations

import numpy as np
import pytest

from hospital_twin.capacity import closed_loop as cl
from hospital_twin.capacity import inputs
from hospital_twin.capacity.los_fit import LosEstimate, fit_los, from_config
from hospital_twin.config import load_config

CONFIG = load_config("default")
RUNS = 1000


@pytest.fixture(scope="module")
def history() -> cl.History:
    return cl.simulate(CONFIG, 90)


def test_after_90_days_the_fitted_los_of_well_observed_wards_is_the_truth(history) -> None:
    seen = cl.observed_inputs(history, history.days[-1])
    truth = cl.truth_los(CONFIG)
    checked = 0
    for ward in CONFIG.wards:
        stays = seen["stays"][seen["stays"]["ward"] == ward.name]
        if (~stays["censored"]).sum() >= 200:
            fitted = fit_los(stays["stay_days"].to_numpy(), stays["censored"].to_numpy()).mean
            assert fitted == pytest.approx(truth[ward.name], rel=0.05), ward.name
            blended = inputs.los_estimate(CONFIG, ward.name, seen["stays"]).model.mean
            assert blended == pytest.approx(truth[ward.name], rel=0.05), ward.name
            checked += 1
    assert checked >= 5  # the large wards, High Care's step-down stays among them


def _noise(peaks: np.ndarray, target: float, rng: np.random.Generator) -> float:
    """Bootstrap sd of the recommended beds (the (1 - target) quantile of the peak census)."""
    boot = [np.quantile(rng.choice(peaks, len(peaks)), 1 - target) for _ in range(200)]
    return float(np.std(boot))


def test_after_7_days_the_recommendation_is_the_true_los_one_or_says_the_data_are_thin(
    history,
) -> None:
    """Against the recommendation made with the configured (true) LOS carrying the same
    uncertainty of its mean: what moves is the estimate itself, not the honest widening that
    a 7-day-old mean brings (that widening is the point of drawing it per run)."""
    origin = history.days[6]
    blended = cl.predict(CONFIG, history, origin, 28, RUNS)
    truth = {p.ward: LosEstimate(from_config(CONFIG.ward(p.ward).los), p.los.log_sd, 0.0)
             for p in blended}  # fmt: skip
    known = {p.ward: p for p in cl.predict(CONFIG, history, origin, 28, RUNS, los_override=truth)}
    rng = np.random.default_rng(0)
    for p in blended:
        peaks = known[p.ward].risk.occupancy.max(axis=1)
        noise = 2 * np.hypot(
            _noise(peaks, CONFIG.capacity.risk_target, rng),
            _noise(p.risk.occupancy.max(axis=1), CONFIG.capacity.risk_target, rng),
        )
        moved = abs(p.risk.recommended_beds - known[p.ward].risk.recommended_beds)
        thin = "too few stays" in p.los.model.description or p.los.data_weight == 0
        assert moved <= noise + 1 or thin, (p.ward, moved, noise, p.los.model.description)
