"""Planner metrics per bed level, and the Erlang reality of small wards."""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd
import pytest

from hospital_twin.capacity.loss import erlang_b, simulate_loss_system
from hospital_twin.capacity.montecarlo import ArrivalIntensity, simulate_occupancy
from hospital_twin.capacity.planner import (
    PATIENCE_HOURS,
    criterion,
    hold_thin,
    loss_beds,
    planner_metrics,
    thin_data,
    wait_share,
)
from hospital_twin.capacity.study import recommended_beds
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


def test_the_recommendation_names_its_metric_target_and_the_occupancy_it_implies() -> None:
    los = LOS["lognormal"]
    occ = simulate_occupancy(
        ArrivalIntensity.constant(3.0, 28), los, 2000, np.random.default_rng(2)
    )
    beds = recommended_beds(occ, 0.05)
    text = criterion(beds, occ, 0.05, 28)
    assert f"> {beds} beds) <= 5%" in text and "mean occupancy" in text
    occupancy = float(text.split("mean occupancy ")[1].split("%")[0]) / 100
    assert occupancy < 0.85  # a 6-patient ward cannot run at 85 % and meet a 5 % risk


def test_loss_beds_are_erlang_s_for_a_known_load() -> None:
    """With every run at the same offered load, the smallest c with B(c, a) <= target."""
    for load in (6.5, 200.0):
        beds = loss_beds(np.full((50, 28), load), 0.05)
        assert erlang_b(beds, load) <= 0.05 < erlang_b(beds - 1, load), load


@pytest.mark.parametrize(
    ("rate", "peak_extra", "occupancy"), [(3.25, 3, (0.5, 0.7)), (100.0, 20, (0.9, 1.0))]
)
def test_the_criterion_gives_the_erlang_beds_beside_the_peak_rule(rate, peak_extra, occupancy):
    """Over 180 days a 6-patient ward's peak census asks for several beds more than keep its
    refusals at 5 % (at about 60 % occupancy); a 200-patient ward's Erlang beds run it over
    90 % full. The criterion names both, so a planner sees what each bed would buy."""
    los = LOS["gamma"]
    occ = simulate_occupancy(
        ArrivalIntensity.constant(rate, 180), los, 400, np.random.default_rng(5),
        equilibrium_census(los, round(rate * los.mean), np.random.default_rng(6)),
    )  # fmt: skip
    peak_beds, erlang = recommended_beds(occ, 0.05), loss_beds(occ, 0.05)
    assert peak_beds - erlang >= peak_extra
    text = criterion(peak_beds, occ, 0.05, 180)
    assert f"(Erlang loss): {erlang} beds" in text
    assert occupancy[0] <= occ.mean() / erlang <= occupancy[1]


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
