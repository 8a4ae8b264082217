"""The vectorised Monte Carlo and a SimPy model, on identical inputs, measure the same census.

Both count the midnight census (`dw.fact_ward_day.occupancy_end`): arrivals at uniform times
of the day, a starting census with elapsed stays, the same LOS model. Wards of 10, 50 and 300
beds, lognormal and gamma LOS (mean 2 days: short stays make the check precise for little
SimPy time). Mean census within 1 %, P(max census > beds) within the joint 95 % interval,
family-wise over the six cases (Bonferroni: each at 99.17 %, z = 2.64), so that one case
in four does not fail by chance alone.
"""

from __future__ import annotations

import numpy as np
import pytest

from hospital_twin.capacity.los_fit import LosModel, ParametricLos
from hospital_twin.capacity.montecarlo import ArrivalIntensity, simulate_occupancy
from hospital_twin.capacity.simpy_check import simpy_ward

DAYS = 21
MC_RUNS = 20_000
LOS = {
    "lognormal": ParametricLos(dist="lognormal", shape=0.7, scale=2.0 / np.exp(0.7**2 / 2)),
    "gamma": ParametricLos(dist="gamma", shape=1.5, scale=2.0 / 1.5),
}
SIMPY_RUNS = {10: 1500, 50: 300, 300: 50}  # about 2.4k census-patients per ward size
Z_FAMILY = 2.64  # 95 % family-wise over 2 x 3 cases


def equilibrium_census(los: LosModel, n: int, rng: np.random.Generator) -> np.ndarray:
    """Elapsed days of `n` patients in bed in steady state: a length-biased stay, a uniform
    fraction of the way through it."""
    pool = los.sample(50 * n, rng)
    stays = rng.choice(pool, size=n, p=pool / pool.sum())
    return stays * rng.random(n)


@pytest.mark.parametrize("family", sorted(LOS))
@pytest.mark.parametrize("beds", sorted(SIMPY_RUNS))
def test_monte_carlo_and_simpy_agree(beds: int, family: str) -> None:
    los = LOS[family]
    rate = 0.85 * beds / los.mean
    intensity = ArrivalIntensity.constant(rate, DAYS)
    elapsed = equilibrium_census(los, round(0.85 * beds), np.random.default_rng(beds))
    des = simpy_ward(intensity, los, SIMPY_RUNS[beds], np.random.default_rng(1), elapsed)
    mc = simulate_occupancy(intensity, los, MC_RUNS, np.random.default_rng(2), elapsed)

    per_run = des.mean(axis=1)
    se = per_run.std(ddof=1) / np.sqrt(len(per_run)) / per_run.mean()
    assert se < 0.004  # the 1 % check is meaningful: the SimPy noise is well below it
    assert mc.mean() == pytest.approx(des.mean(), rel=0.01)
    assert mc.mean() == pytest.approx(rate * los.mean, rel=0.01)  # Little: λ E[L], not E[ceil L]

    p_des, p_mc = (des.max(axis=1) > beds).mean(), (mc.max(axis=1) > beds).mean()
    joint = np.hypot(
        np.sqrt(max(p_des * (1 - p_des), 1 / len(des)) / len(des)),
        np.sqrt(p_mc * (1 - p_mc) / MC_RUNS),
    )
    assert abs(p_des - p_mc) <= Z_FAMILY * joint
