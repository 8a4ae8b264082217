"""The bed recommendation: Erlang loss on the steady state of the demand, not today's census."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hospital_twin.capacity import study
from hospital_twin.capacity.loss import erlang_b
from hospital_twin.capacity.montecarlo import ArrivalIntensity
from hospital_twin.capacity.recommend import (
    level_factors,
    modified_offered_load,
    planning_means,
    steady_demand,
)
from hospital_twin.config import Scenario, load_config
from tests.capacity.test_engines_agree import LOS, equilibrium_census


@pytest.mark.parametrize("load", [6.5, 200.0])
@pytest.mark.parametrize("target", [0.01, 0.05])
def test_a_known_load_gets_erlang_s_beds(load: float, target: float) -> None:
    """With no uncertainty, the fewest c with B(c, a) <= target, and the share at c is B."""
    los = LOS["gamma"]
    demand = steady_demand(np.full(60, load / los.mean), los, np.ones(100))
    beds = demand.beds_for(target)
    assert erlang_b(beds, load) <= target < erlang_b(beds - 1, load)
    assert demand.refused_share(beds) == pytest.approx(erlang_b(beds, load), rel=1e-3)


@pytest.mark.parametrize("family", ["gamma", "lognormal"])
def test_the_offered_load_of_a_steady_demand_is_little_s(family: str) -> None:
    """Arrivals before the horizon are counted (no warm-up from empty): m = lambda E[L]."""
    los = LOS[family]
    m = modified_offered_load(np.full(30, 10.0), los)
    np.testing.assert_allclose(m, 10.0 * los.mean, rtol=2e-3)


def _ward(census: np.ndarray, scenario: Scenario | None = None, level_cv: float = 0.05):
    los = LOS["lognormal"]
    intensity = ArrivalIntensity.constant(35 / los.mean, 14, level_cv=level_cv)
    return study.ward_risk(
        "Ward", intensity, los, scenario or Scenario(name="baseline"), 50, 1000, 0.05, 7,
        "2024-01-01", census_elapsed=census, bed_levels=[50], los_log_sd=0.05,
    )  # fmt: skip


def test_today_s_census_moves_the_risk_not_the_recommendation() -> None:
    """A ward starting empty or over its beds: the short-term risk differs, the planning
    figure does not (it is the steady state of the demand)."""
    los = LOS["lognormal"]
    empty = _ward(np.zeros(0))
    full = _ward(equilibrium_census(los, 100, np.random.default_rng(1)))
    assert empty.risk_at_configured < 0.3 and full.risk_at_configured > 0.9
    assert full.recommended_beds == empty.recommended_beds


def test_uncertain_demand_asks_for_more_beds() -> None:
    """B is convex near capacity: a level known to 10 % needs beds a known one does not."""
    sure, unsure = _ward(np.zeros(0), level_cv=0.0), _ward(np.zeros(0), level_cv=0.1)
    assert unsure.recommended_beds >= sure.recommended_beds + 2


def test_a_busy_month_and_closed_beds_count_where_they_fall() -> None:
    los = LOS["gamma"]
    lam = np.full(120, 100 / los.mean)
    flat = steady_demand(lam, los, np.ones(50)).beds_for(0.01)
    busy = lam * np.where(np.arange(120) >= 90, 1.3, 1.0)  # the last month 30 % busier
    peak = steady_demand(busy, los, np.ones(50)).beds_for(0.01)
    everywhere = steady_demand(lam * 1.3, los, np.ones(50)).beds_for(0.01)
    assert flat + 5 < peak < everywhere  # a quarter of the admissions in the busy month
    closed = steady_demand(lam, los, np.ones(50), change=np.full(120, -20)).beds_for(0.01)
    assert closed == flat + 20  # the level before the scenario's closures


def test_the_monte_carlo_sd_of_the_recommendation_is_its_spread_over_seeds() -> None:
    """`beds_sd` (delta method over the runs) against the sd of the recommendation over 40
    seeds of the runs' level and LOS draws."""
    los = LOS["lognormal"]
    intensity = ArrivalIntensity.constant(150 / los.mean, 28, level_cv=0.05)
    beds, sds = [], []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        scale = np.exp(rng.normal(0, 0.05, 1000))
        demand = steady_demand(intensity.mean, los, level_factors(intensity, 1000, rng), scale)
        beds.append(demand.beds_for(0.01))
        sds.append(demand.beds_sd(0.01))
    assert 0.6 * np.std(beds) <= np.mean(sds) <= 1.6 * np.std(beds), (np.std(beds), sds[0])


def test_level_factors_follow_the_monte_carlo_s_law() -> None:
    intensity = ArrivalIntensity.constant(5.0, 10, level_cv=0.1)
    x = level_factors(intensity, 20_000, np.random.default_rng(0))
    assert abs(x.mean() - 1) < 0.005 and abs(x.std() - 0.1) < 0.005
    none = ArrivalIntensity(dates=pd.date_range("2024-01-01", periods=3), mean=np.ones(3))
    assert (level_factors(none, 10, np.random.default_rng(0)) == 1).all()


def _history(days: int, rate, ward: str = "Ward") -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=days).date
    return pd.DataFrame({"sim_date": dates, "requested_ward": ward, "arrivals": rate})


def test_the_planning_rate_is_the_last_year_s_not_this_month_s() -> None:
    """Arrivals over the history (up to a year) at the calendar's planned volume: the seasons
    (±20 %) average out, and a week more of history hardly moves it."""
    config = load_config("default")
    season = 10 * (1 + 0.2 * np.sin(np.arange(400) * 2 * np.pi / 365))
    history = _history(400, np.round(season))
    dates = pd.date_range("2025-02-05", periods=28)
    plan = planning_means(config, "Ward", history, dates)
    flat = planning_means(config, "Ward", history.assign(arrivals=10), dates)
    assert plan is not None and abs(plan.mean() / flat.mean() - 1) < 0.02
    later = planning_means(config, "Ward", _history(407, np.round(np.resize(season, 407))), dates)
    assert abs(later.mean() / plan.mean() - 1) < 0.005  # the recent level moves ~5 % a month
    assert planning_means(config, "Ward", _history(10, 10), dates) is None  # too short


def test_the_recommendation_plans_for_the_planning_rate_with_the_runs_draws() -> None:
    """`planning_mean` replaces the intensity's admissions for the recommendation only (the
    risks keep the intensity), and `replanned` makes the same demand again."""
    busy = _ward(np.zeros(0))
    los = LOS["lognormal"]
    quiet_rate = np.full(14, 25 / los.mean)
    quiet = study.ward_risk(
        "Ward", ArrivalIntensity.constant(35 / los.mean, 14, level_cv=0.05), los,
        Scenario(name="baseline"), 50, 1000, 0.05, 7, "2024-01-01", bed_levels=[50],
        los_log_sd=0.05, planning_mean=quiet_rate,
    )  # fmt: skip
    assert quiet.recommended_beds < busy.recommended_beds - 8
    assert quiet.risk_at_configured == busy.risk_at_configured
    assert busy.demand.replanned(quiet_rate).beds_for(0.01) == quiet.recommended_beds
