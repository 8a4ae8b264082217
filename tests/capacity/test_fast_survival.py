"""The Monte Carlo's shortcuts against the exact survival evaluation they replace.

With one LOS factor per run, (1) each run's census-day curve G is interpolated in log f
between exact G's on a grid of factors (`GRID_TOLERANCE`), and (2) the patients in bed leave
by inverting S per run and patient rather than through a runs x patients x days table of S
(the same uniform gives the same day, up to floating-point ties)."""

from __future__ import annotations

import numpy as np
import pytest

from hospital_twin.capacity import montecarlo
from hospital_twin.capacity.los_fit import LosModel, ParametricLos, from_config, kaplan_meier
from hospital_twin.capacity.montecarlo import GRID_TOLERANCE, census_days, invert_rows
from hospital_twin.config import LengthOfStay, load_config

MODELS = {
    "lognormal_narrow": ParametricLos(dist="lognormal", shape=0.2, scale=3.0),
    "gamma_shape_0.7": ParametricLos(dist="gamma", shape=0.7, scale=6.0),
    "gamma_config": from_config(LengthOfStay(dist="gamma", mean_days=12, sd_days=5)),
    **{w.name: from_config(w.los) for w in load_config("default").wards},
}


def factors(runs: int, log_sd: float, seed: int = 0) -> np.ndarray:
    return np.exp(np.random.default_rng(seed).normal(-(log_sd**2) / 2, log_sd, runs))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_interpolated_census_days_match_the_exact_ones(name: str) -> None:
    los, scale = MODELS[name], factors(3000, 0.3)
    fast = census_days(los, 180, scale=scale)
    u = np.quantile(montecarlo.even_admissions(), (np.arange(12) + 0.5) / 12)
    x = np.arange(181, dtype=float)[:, None] + 1.0 - u[None, :]
    exact = montecarlo._census_days_exact(los, x, scale)
    assert np.abs(fast - exact).max() <= GRID_TOLERANCE
    assert (np.diff(fast, axis=1) <= 0).all()  # still a survival curve per run


def table_leave_days(los: LosModel, e: np.ndarray, scale: np.ndarray, r: np.ndarray, days: int):
    """The exact way: S on (run, patient, day), inverted row by row with u = 1 - r."""
    grid = (e[None, :, None] + np.arange(days + 1)[None, None, :]) / scale[:, None, None]
    surv = los.survival(grid.ravel()).reshape(len(scale), len(e), days + 1)
    alive = surv[:, :, 0] > 0
    cdf = 1.0 - surv[:, :, 1:] / np.where(alive, surv[:, :, 0], 1.0)[:, :, None]
    rows = np.arange(len(scale) * len(e))
    leave = invert_rows(cdf.reshape(-1, days), rows, 1.0 - r.ravel()).reshape(r.shape)
    return leave, alive


@pytest.mark.parametrize("name", ["lognormal_narrow", "gamma_shape_0.7", "gamma_config", "km"])
def test_leave_days_by_inversion_match_the_survival_table(name: str) -> None:
    if name == "km":
        los = kaplan_meier(np.random.default_rng(5).gamma(2.0, 3.0, 400))
    else:
        los = MODELS[name]
    days, scale = 90, factors(200, 0.25, seed=1)
    e = np.random.default_rng(2).uniform(0, 3 * los.mean, 150)
    fast = montecarlo._leave_by_inversion(los, e, scale, days, np.random.default_rng(3))
    r = np.random.default_rng(3).random((len(scale), len(e)))
    exact, alive = table_leave_days(los, e, scale, r, days)
    same = fast[alive] == exact[alive]
    assert same.mean() >= 0.999  # only floating-point ties at a day's boundary may differ
    assert np.abs(fast[alive] - exact[alive]).max() <= 1
    assert ((fast >= 0) & (fast <= days)).all()
