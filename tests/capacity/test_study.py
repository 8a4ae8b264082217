"""The capacity engine: agreement with M/G/∞ and Erlang-B, conditional census stays,
censored LOS fits, scenario effects, risk curves, determinism, SimPy cross-check, report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hospital_twin.capacity import study as capacity
from hospital_twin.capacity.los_fit import ParametricLos, fit_los, from_config, kaplan_meier
from hospital_twin.capacity.loss import erlang_b, simulate_loss_system
from hospital_twin.capacity.montecarlo import (
    ArrivalIntensity,
    census_days,
    expected_occupancy,
    simulate_occupancy,
)
from hospital_twin.capacity.report import risk_report
from hospital_twin.capacity.simpy_check import simpy_check
from hospital_twin.config import LengthOfStay, load_config, load_scenario

LOGNORMAL = from_config(LengthOfStay(dist="lognormal", mean_days=5.5, sd_days=4.5))


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.mark.parametrize("los", [LOGNORMAL, from_config(LengthOfStay(dist="gamma"))])
def test_mean_occupancy_matches_mg_infinity_within_one_percent(los):
    days = 60
    mean = 20 * (1 + 0.3 * np.sin(np.arange(days) / 5))  # time-varying Poisson arrivals
    intensity = ArrivalIntensity(dates=pd.date_range("2024-01-01", periods=days), mean=mean)
    occ = simulate_occupancy(intensity, los, 4000, rng(1))
    expected = expected_occupancy(mean, los)  # Σ_k λ_{t-k} P(LOS > k)
    np.testing.assert_allclose(occ.mean(0)[5:], expected[5:], rtol=0.01)


def test_poisson_occupancy_has_poisson_variance_and_nb_adds_more():
    poisson = ArrivalIntensity.constant(30, 50)
    occ = simulate_occupancy(poisson, LOGNORMAL, 3000, rng(2))[:, -1]
    assert occ.var() / occ.mean() == pytest.approx(1.0, abs=0.1)  # M/G/∞ census is Poisson
    nb = ArrivalIntensity.constant(30, 50, nb_size=np.full(50, 5.0), level_cv=0.2)
    assert simulate_occupancy(nb, LOGNORMAL, 3000, rng(2))[:, -1].var() > 2 * occ.var()


@pytest.mark.parametrize(
    ("los", "elapsed"),
    [
        (LOGNORMAL, 20.0),  # falling hazard: long-stayers stay longer than a new admission
        (from_config(LengthOfStay(dist="gamma", mean_days=12, sd_days=5)), 15.0),  # rising
    ],
)
def test_census_leaves_by_the_conditional_distribution_of_its_stay(los, elapsed):
    occ = simulate_occupancy(
        ArrivalIntensity.constant(0.0, 400),
        los,
        400,
        rng(3),
        census_elapsed=np.full(100, elapsed),
    )
    s = los.survival(np.arange(elapsed, elapsed + 3000))
    analytic_days = s[1:].sum() / s[0]  # midnights ahead: Σ_j P(LOS > e + j + 1 | LOS > e)
    assert occ.sum(1).mean() / 100 == pytest.approx(analytic_days, rel=0.02)
    fresh_days = census_days(los, 400).sum()  # what a stay redrawn from scratch would give
    assert abs(analytic_days / fresh_days - 1) > 0.1
    assert (np.diff(occ, axis=1) <= 0).all()  # no arrivals: the census only empties


def test_residual_stay_mean_matches_mean_residual_life():
    for elapsed in (0.0, 5.0, 20.0):
        r = LOGNORMAL.sample_residual(np.full(200_000, elapsed), rng(4))
        assert r.mean() == pytest.approx(LOGNORMAL.mean_residual(elapsed), rel=0.02)
        assert (r >= 0).all()


def test_erlang_b_formula_known_values():
    assert erlang_b(1, 2.0) == pytest.approx(2 / 3)
    assert erlang_b(10, 8.0) == pytest.approx(0.12166, abs=1e-4)


def test_loss_system_blocking_matches_erlang_b_within_its_confidence_interval():
    beds, load, warmup = 10, 8.0, 40
    intensity = ArrivalIntensity.constant(load / LOGNORMAL.mean, 240)
    result = simulate_loss_system(intensity, LOGNORMAL, beds, 300, rng(5))
    lo, hi = result.blocking_ci(from_day=warmup, level=0.99)
    assert lo <= erlang_b(beds, load) <= hi, (lo, hi, erlang_b(beds, load))
    assert result.occupancy.max() <= beds
    assert (result.refused <= result.offered).all()


def test_loss_system_census_holds_beds_first():
    intensity = ArrivalIntensity.constant(5.0, 10)
    held = simulate_loss_system(intensity, LOGNORMAL, 4, 200, rng(6), np.full(4, 30.0))
    empty = simulate_loss_system(intensity, LOGNORMAL, 4, 200, rng(6))
    assert held.refused[:, 0].sum() > 3 * empty.refused[:, 0].sum()
    assert (held.occupancy <= 4).all()
    with pytest.raises(ValueError, match="exceeds"):
        simulate_loss_system(intensity, LOGNORMAL, 2, 5, rng(6), census_elapsed=np.ones(3))


def test_kaplan_meier_respects_censoring_and_lognormal_recovers_parameters():
    g = rng(7)
    true = ParametricLos(dist="lognormal", shape=0.7, scale=4.0)
    stays = true.sample(8000, g)
    admitted = g.uniform(0, 60, stays.size)
    observed = np.minimum(stays, 60 - admitted)
    censored = stays > 60 - admitted
    km = fit_los(observed, censored, method="km")
    ln = fit_los(observed, censored, method="lognormal")
    assert "Kaplan-Meier" in km.description and "lognormal" in ln.description
    assert km.mean == pytest.approx(true.mean, rel=0.04)
    assert ln.shape == pytest.approx(0.7, rel=0.04) and ln.scale == pytest.approx(4.0, rel=0.04)
    assert observed[~censored].mean() < 0.97 * true.mean  # dropping the censored biases low


def test_kaplan_meier_without_censoring_is_the_empirical_survival():
    x = np.array([1.0, 2.0, 2.0, 3.0, 5.0])
    km = kaplan_meier(x)
    np.testing.assert_allclose(km.survival(np.array([0.5, 1, 2, 4, 5])), [1, 0.8, 0.4, 0.2, 0])
    assert km.mean == pytest.approx(x.mean())


def test_configured_los_has_configured_mean_and_sd():
    los = from_config(LengthOfStay(dist="gamma", mean_days=4.5, sd_days=3.5))
    draws = los.sample(200_000, rng(8))
    assert draws.mean() == pytest.approx(4.5, rel=0.01)
    assert draws.std() == pytest.approx(3.5, rel=0.02)


@pytest.fixture(scope="module")
def config():
    return load_config()


def _medicine_risk(config, scenario_name: str, seed: int = 1) -> capacity.WardRisk:
    ward = config.ward("Medicine")
    los = from_config(ward.los)
    intensity = ArrivalIntensity.constant(
        0.8 * ward.beds / census_days(los, 500).sum(), 120, start="2024-05-01"
    )
    return capacity.ward_risk(
        "Medicine",
        intensity,
        los,
        load_scenario(scenario_name, config),
        ward.beds,
        runs=1000,
        target=config.capacity.risk_target,
        seed=seed,
        origin="2024-05-01",
        census_elapsed=np.linspace(0, 12, 200),
    )


def test_bed_closure_lowers_beds_and_raises_risk(config):
    closure = load_scenario("bed_closure", config)
    dates = pd.date_range("2024-05-01", periods=10)
    assert (capacity.bed_change(closure, "Medicine", dates) == -20).all()
    assert (capacity.bed_change(closure, "ICU", dates) == 0).all()
    base, closed = _medicine_risk(config, "baseline"), _medicine_risk(config, "bed_closure")
    assert closed.risk_at_configured > base.risk_at_configured
    # beds closed for the whole horizon: the planned level needs them back, and stays 10 %
    # longer need more (the recommendation is a level before the scenario's closures)
    assert closed.recommended_beds >= base.recommended_beds + 20 + 0.05 * base.recommended_beds


def test_winter_scale_raises_risk(config):
    base, winter = _medicine_risk(config, "baseline"), _medicine_risk(config, "winter_peak")
    assert winter.risk_at_configured > base.risk_at_configured
    assert winter.occupancy.mean() > base.occupancy.mean()


def test_surge_beds_count_only_between_their_dates(config):
    surge = load_scenario("surge_beds", config)
    dates = pd.date_range("2024-05-30", periods=100)
    change = capacity.bed_change(surge, "Medicine", dates)
    assert change[0] == 0 and change[2] == 30 and change[-1] == 0
    june = dates.month == 6
    assert (capacity.month_scale(surge, dates)[june] == 1.2).all()


def test_same_seed_same_occupancy_other_seed_differs(config):
    a, b = _medicine_risk(config, "baseline"), _medicine_risk(config, "baseline")
    np.testing.assert_array_equal(a.occupancy, b.occupancy)
    pd.testing.assert_frame_equal(a.curve, b.curve)
    assert not np.array_equal(a.occupancy, _medicine_risk(config, "baseline", seed=2).occupancy)


def test_risk_curve_is_monotone_and_risk_beds_are_the_smallest_meeting_target(config):
    risk = _medicine_risk(config, "baseline")
    curve = risk.curve
    assert list(curve.columns) == capacity.CURVE_COLUMNS
    assert (np.diff(curve["p_over"]) <= 0).all() and (np.diff(curve["p_over_95"]) <= 0).all()
    assert (curve["p_over_95"] >= curve["p_over"]).all()
    assert (np.diff(curve["mean_overflow_days"]) <= 0).all()
    target = config.capacity.risk_target
    beds = capacity.risk_beds(risk.occupancy, target)
    around = capacity.risk_curve(risk.occupancy, [beds - 1, beds], target)
    assert around["p_over"].iloc[1] <= target < around["p_over"].iloc[0]
    assert (curve["meets_target"] == (curve["beds"] >= beds)).all()


def test_the_recommendation_meets_the_refusal_target_and_its_risks_are_its_beds(config):
    """The recommended beds are the fewest whose steady-state refused share is within the
    refusal target; the risk columns are the risk curve's at the configured and recommended
    beds, whatever they say."""
    risk = _medicine_risk(config, "baseline")
    rec, target = risk.recommended_beds, config.capacity.refusal_target
    assert risk.refusal_at_recommended <= target < risk.demand.refused_share(rec - 1)
    assert risk.refusal_at_configured == risk.demand.refused_share(risk.configured_beds)
    assert risk.risk_at_recommended == capacity.p_over(risk.occupancy, rec)
    assert risk.risk_at_configured == capacity.p_over(risk.occupancy, risk.configured_beds)


def test_risk_curve_counts_exactly_on_a_small_example():
    occ = np.array([[1, 3, 2], [0, 1, 1], [4, 4, 4], [2, 2, 2]])
    curve = capacity.risk_curve(occ, [1, 2, 3], target=0.5)
    assert curve["p_over"].tolist() == [0.75, 0.5, 0.25]
    assert curve["mean_overflow_days"].tolist() == [8 / 4, 4 / 4, 3 / 4]
    assert curve["meets_target"].tolist() == [False, True, True]


def test_intensity_from_forecast_uses_nb_size_or_interval_width():
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=3),
            "mean": [100.0, 100.0, 100.0],
            "lo80": [80.0, 80.0, 90.0],
            "hi80": [120.0, 120.0, 110.0],
        }
    )
    derived = ArrivalIntensity.from_forecast(frame, share=0.5)
    assert derived.mean.tolist() == [50.0, 50.0, 50.0]
    sd = 40 / (2 * 1.2815515655)
    assert derived.nb_size[0] == pytest.approx(100**2 / (sd**2 - 100))
    assert np.isinf(derived.nb_size[2])  # narrower than Poisson: Poisson
    given_size = ArrivalIntensity.from_forecast(frame.assign(nb_size=7.0))
    assert given_size.nb_size.tolist() == [7.0, 7.0, 7.0]


@settings(max_examples=25, deadline=None)
@given(
    rate=st.floats(0, 40),
    days=st.integers(1, 40),
    census=st.lists(st.floats(0, 60), max_size=30),
    factor=st.floats(0.5, 2.0),
)
def test_occupancy_never_negative_and_census_only_empties(rate, days, census, factor):
    los = LOGNORMAL.scaled(factor)
    elapsed = np.array(census)
    occ = simulate_occupancy(ArrivalIntensity.constant(rate, days), los, 20, rng(9), elapsed)
    assert occ.shape == (20, days) and (occ >= 0).all()
    alone = simulate_occupancy(ArrivalIntensity.constant(0.0, days), los, 20, rng(9), elapsed)
    assert (alone[:, 0] <= len(census)).all() and (np.diff(alone, axis=1) <= 0).all()


def test_simpy_check_agrees_with_the_vectorised_engine():
    small = load_config("small")
    beds = {"Medicine": 32, "Surgery": 40, "ICU": 8, "High Care": 7, "Pediatrics": 28}
    check = simpy_check(
        small, load_scenario("baseline", small), beds, runs=80, days=30, mc_runs=4000
    )
    assert set(check["ward"]) == {w.name for w in small.wards}
    gap = (check["p_over_simpy"] - check["p_over_mc"]).abs()
    assert (gap <= 4 * check["se_simpy"] + 0.03).all(), check


def test_capacity_study_and_report(tmp_path):
    small = load_config("small")
    wards = ["Medicine", "ICU"]
    intensities = {w: ArrivalIntensity.constant(3.0, 30, start="2024-06-01") for w in wards}
    curves, recs = capacity.capacity_study(
        small, load_scenario("winter_peak", small), intensities, runs=200
    )
    assert set(curves["ward"]) == set(wards) and (curves["scenario"] == "winter_peak").all()
    assert list(recs.columns) == [
        "scenario",
        "ward",
        "configured_beds",
        "recommended_beds",
        "risk_at_configured",
        "risk_at_recommended",
        "refusal_at_configured",
        "refusal_at_recommended",
        "horizon_days",
        "criterion",
        "los_model",
    ]
    png, page = risk_report(
        curves, tmp_path / "report", small.capacity.risk_target, recs, "t",
        small.capacity.refusal_target,
    )  # fmt: skip
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "at most 1.0% of the admissions find every bed taken" in page.read_text()
    assert "Medicine" in page.read_text() and png.name in page.read_text()
