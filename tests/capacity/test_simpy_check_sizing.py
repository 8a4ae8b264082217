"""The SimPy check sizes itself by its own confidence interval: few replications where it sees
no overflow, more where it does, and an interval that covers the Monte Carlo's risk."""

from __future__ import annotations

import numpy as np
import pytest

from hospital_twin.capacity.los_fit import ParametricLos
from hospital_twin.capacity.montecarlo import ArrivalIntensity, simulate_occupancy
from hospital_twin.capacity.simpy_check import (
    CHECK_DISPUTED_RUNS,
    CHECK_FIRST_RUNS,
    CHECK_HALF_WIDTH,
    CHECK_MAX_RUNS,
    simpy_risk,
    wilson_interval,
)

LOS = ParametricLos(dist="lognormal", shape=0.7, scale=2.0 / np.exp(0.7**2 / 2))  # mean 2 d
DAYS = 28
RATE = 10.0  # mean census 20


def test_wilson_interval_known_values() -> None:
    assert wilson_interval(0, 16) == pytest.approx((0.0, 3.8416 / (16 + 3.8416)), abs=1e-4)
    low, high = wilson_interval(5, 100)
    assert (low, high) == pytest.approx((0.0215, 0.1118), abs=1e-3)


def test_no_overflow_stops_after_the_first_batch_with_a_bounded_risk() -> None:
    check = simpy_risk(ArrivalIntensity.constant(RATE, DAYS), LOS, 60, np.random.default_rng(0))
    assert check.runs == CHECK_FIRST_RUNS
    assert check.p_over == 0.0 and check.ci_high <= 2 * CHECK_HALF_WIDTH


def test_frequent_overflow_runs_on_to_the_maximum() -> None:
    check = simpy_risk(ArrivalIntensity.constant(RATE, DAYS), LOS, 28, np.random.default_rng(0))
    assert check.runs == CHECK_MAX_RUNS
    assert 0.1 < check.p_over < 0.9 and (check.ci_high - check.ci_low) / 2 > CHECK_HALF_WIDTH


def test_interval_covers_the_monte_carlo_risk_with_a_census_and_uncertain_los() -> None:
    intensity = ArrivalIntensity.constant(RATE, DAYS)
    elapsed = np.random.default_rng(3).uniform(0, 4, 20)
    change = np.where(np.arange(DAYS) >= 14, -2, 0)  # two beds closed in the second fortnight
    check = simpy_risk(
        intensity, LOS, 28, np.random.default_rng(1), elapsed, change, los_log_sd=0.1
    )
    scale = np.exp(np.random.default_rng(2).normal(-0.005, 0.1, 20_000))
    mc = simulate_occupancy(
        intensity, LOS, 20_000, np.random.default_rng(4), elapsed, los_scale=scale
    )
    p_mc = float(((mc - change).max(axis=1) > 28).mean())
    assert check.ci_low <= p_mc <= check.ci_high, (check, p_mc)


def test_a_monte_carlo_figure_outside_the_interval_is_settled_on_a_fresh_sample() -> None:
    """Where the two engines seem to disagree, a second sample of CHECK_DISPUTED_RUNS
    replications, independent of the first, gives the answer: an unlucky first sample does not
    stay in it. Where they agree SimPy stops as before."""
    intensity = ArrivalIntensity.constant(RATE, DAYS)
    agreed = simpy_risk(intensity, LOS, 28, np.random.default_rng(0), monte_carlo=0.5)
    assert agreed.runs == CHECK_MAX_RUNS and agreed.ci_low <= 0.5 <= agreed.ci_high
    disputed = simpy_risk(intensity, LOS, 28, np.random.default_rng(0), monte_carlo=0.99)
    assert disputed.runs == CHECK_DISPUTED_RUNS and disputed.ci_high < 0.99
    # The verdict is the spawned generator's sample alone, none of the first 40 runs in it.
    fresh = np.random.default_rng(0).spawn(1)[0]
    alone = simpy_risk(intensity, LOS, 28, fresh, half_width=0.0, max_runs=CHECK_DISPUTED_RUNS)
    assert disputed == alone
