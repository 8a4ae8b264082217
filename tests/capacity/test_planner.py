"""Planner metrics per bed level, and the Erlang reality of small wards."""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd
import pytest

from hospital_twin.capacity.loss import simulate_loss_system
from hospital_twin.capacity.montecarlo import ArrivalIntensity, simulate_occupancy
from hospital_twin.capacity.planner import (
    PATIENCE_HOURS,
    criterion,
    hold_thin,
    planner_metrics,
    short_term_risk,
    thin_data,
    wait_share,
)
from hospital_twin.capacity.recommend import SteadyDemand, steady_demand
from tests.capacity.test_engines_agree import LOS, equilibrium_census


@pytest.mark.parametrize("beds", [10, 300])
def test_a_ward_at_85_percent_refuses_by_erlang_not_by_a_flat_rule(beds: int) -> None:
    los = LOS["gamma"]
    rate = 0.85 * beds / los.mean
    intensity = ArrivalIntensity.constant(rate, 60)
    elapsed = equilibrium_census(los, round(0.85 * beds), np.random.default_rng(0))
    occ = simulate_occupancy(intensity, los, 2000, np.random.default_rng(1), elapsed)
    m = planner_metrics(occ, np.array([beds]), rate, los.mean).iloc[0]
    blocked = m["refused_per_month"] / (30.4 * rate)
    assert m["wait_over_12h"] < m["wait_over_4h"]
    if beds == 10:  # a small ward at 85 % turns away about one admission in seven...
        assert blocked > 0.1 and m["days_full_per_month"] > 3
        # ...as a ward that really refuses when full does (the loss-system simulation)
        loss = simulate_loss_system(intensity, los, beds, 400, np.random.default_rng(3))
        lo, hi = loss.blocking_ci(from_day=10)
        assert lo - 0.01 <= blocked <= hi + 0.01
    else:  # a large one at 85 % almost never fills
        assert blocked < 0.01 and m["days_full_per_month"] < 1


def _demand(load: float) -> SteadyDemand:
    """A steady demand of `load` beds with no uncertainty."""
    return steady_demand(np.full(28, load / LOS["lognormal"].mean), LOS["lognormal"], np.ones(9))


def test_the_criterion_names_metric_target_and_the_value_met_at_both_bed_levels() -> None:
    demand = _demand(200.0)
    beds = demand.beds_for(0.01)
    text = criterion(beds, 330, demand, 0.01, (0.02, 0.0), 0.05, 180)
    assert "admissions finding every bed taken" in text and "<= 1.0%" in text
    assert f"{demand.refused_share(beds):.2%} at {beds} beds" in text
    assert f"{demand.refused_share(330):.2%} at the configured 330" in text
    occupancy = float(text.split("mean occupancy ")[1].split("%")[0]) / 100
    assert 0.85 <= occupancy <= 0.95  # a 200-patient ward runs about 90 % full at 1 %
    assert "in 180 days) 2% at" in text and "although" not in text  # nothing to explain


@pytest.mark.parametrize(
    ("beds", "configured", "risks", "why"),
    [
        (222, 330, (0.40, 0.0), "fewer beds than configured although that risk is above 5%"),
        (13, 10, (0.01, 0.03), "more beds than configured although that risk at 10 is within"),
    ],
)
def test_a_row_whose_columns_point_different_ways_says_why(beds, configured, risks, why):
    """Fewer beds than configured with a short-term risk above its target, or more beds with
    a risk within it: the criterion says why in words (one full midnight against admissions
    turned away; today's census and horizon against the demand's steady state)."""
    text = short_term_risk(beds, configured, risks, 0.05, 180)
    assert why in text


def test_thin_data_keep_the_refusal_share_of_the_configured_beds() -> None:
    recs = pd.DataFrame(
        {"ward": ["ICU"], "configured_beds": [53], "recommended_beds": [47],
         "risk_at_configured": [0.1], "risk_at_recommended": [0.6], "criterion": ["x"],
         "refusal_at_configured": [0.001], "refusal_at_recommended": [0.009]}
    )  # fmt: skip
    held = hold_thin(recs, {"ICU": "arrivals at the configured steady state"}).iloc[0]
    assert held["recommended_beds"] == 53 and held["refusal_at_recommended"] == 0.001


def _queue_waits(beds: int, load: float, mean_los: float, n: int, rng) -> np.ndarray:
    """Waits (days; inf when refused) of `n` Poisson arrivals at a ward of `beds` beds,
    exponential stays, first come first served, refused after PATIENCE_HOURS: a patient takes
    the bed that frees first, and one who would wait too long never takes one."""
    t = np.cumsum(rng.exponential(mean_los / load, n))
    stay = rng.exponential(mean_los, n)
    free, waits = [0.0] * beds, np.empty(n)
    for i in range(n):
        wait = max(free[0] - t[i], 0.0)
        if wait > PATIENCE_HOURS / 24:
            waits[i] = np.inf
            continue
        waits[i] = wait
        heapq.heapreplace(free, t[i] + wait + stay[i])
    return waits


@pytest.mark.parametrize(("beds", "occupancy", "mean_los"), [(10, 0.85, 9.0), (50, 0.95, 4.5)])
def test_wait_shares_are_those_of_a_ward_queueing_in_the_ed(beds, occupancy, mean_los) -> None:
    """The shares waiting over 4 h / 12 h match a ward where patients queue for the first bed
    to free and are refused at the patience limit (the twin's `wait` policy)."""
    waits = _queue_waits(beds, occupancy * beds, mean_los, 200_000, np.random.default_rng(4))
    waits = waits[20_000:]  # from empty: skip the warm-up
    for hours in (4, 12):
        seen = float((waits > hours / 24).mean())
        expected = wait_share(hours, beds, np.array([occupancy * beds]), mean_los)
        se = np.sqrt(seen * (1 - seen) / len(waits)) * 10  # runs of waits are correlated
        assert abs(expected - seen) <= max(3 * se, 0.1 * seen), (hours, expected, seen)


def test_thin_data_hold_the_configured_beds_and_say_why() -> None:
    """A LOS mostly configured or an arrival level not yet measured cannot move the beds: the
    recommendation stays the configured one and its criterion names the reason and what the
    Monte Carlo alone would say; a ward with data keeps its recommendation."""
    assert thin_data(0.9, 0.05) is None
    assert "LOS 20%" in thin_data(0.2, 0.05)
    assert "steady state" in thin_data(0.9, 0.0)
    recs = pd.DataFrame(
        {"ward": ["ICU", "Medicine"], "configured_beds": [53, 265],
         "recommended_beds": [68, 240], "risk_at_configured": [0.4, 0.0],
         "risk_at_recommended": [0.05, 0.05], "criterion": ["mc", "mc"]}
    )  # fmt: skip
    held = hold_thin(recs, {"ICU": thin_data(0.2, 0.0), "Medicine": None}).set_index("ward")
    assert (
        held.loc["ICU", "recommended_beds"] == 53
        and held.loc["Medicine", "recommended_beds"] == 240
    )
    assert "too thin" in held.loc["ICU", "criterion"] and "says 68" in held.loc["ICU", "criterion"]
    assert (
        held.loc["ICU", "risk_at_recommended"] == 0.4 and held.loc["Medicine", "criterion"] == "mc"
    )
